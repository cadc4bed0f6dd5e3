MATURITY_PLUGIN_API = ">=1,<2"
from pathlib import Path
from maturity.hookspecs import hookimpl, PackLocation
@hookimpl
def maturity_rule_packs():
    return [PackLocation(Path(__file__).parent / 'corpus_pack', 'corpus-plugin:rules')]
