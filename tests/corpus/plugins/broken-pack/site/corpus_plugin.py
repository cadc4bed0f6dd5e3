MATURITY_PLUGIN_API = ">=1,<2"
from maturity.hookspecs import hookimpl
from pathlib import Path
from maturity.hookspecs import PackLocation
@hookimpl
def maturity_rule_packs():
    return [PackLocation(Path(__file__).parent / 'corpus_pack', 'corpus-plugin:rules', default=False)]
