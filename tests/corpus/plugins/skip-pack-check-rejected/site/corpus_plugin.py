MATURITY_PLUGIN_API = ">=1,<2"
from pathlib import Path
from pydantic import StrictStr
from maturity.checks import CheckType
from maturity.hookspecs import hookimpl, PackLocation
def build(prefix):
    if not prefix:
        raise ValueError("an empty prefix matches every value")
    return lambda value, ctx, path: float(str(value).startswith(prefix))
@hookimpl
def maturity_check_types():
    return [CheckType('starts_with', StrictStr, build, lambda p: f'starts with {p}')]
@hookimpl
def maturity_rule_packs():
    return [PackLocation(Path(__file__).parent / 'corpus_pack', 'corpus-plugin:rules')]
