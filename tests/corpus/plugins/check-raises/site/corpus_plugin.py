MATURITY_PLUGIN_API = ">=1,<2"
from pydantic import StrictStr
from maturity.checks import CheckType
from maturity.hookspecs import hookimpl
def build(prefix):
    def test(value, ctx, path):
        return 1.0 if value.startswith(prefix) else 0.0   # raises on a number
    return test
@hookimpl
def maturity_check_types():
    return [CheckType('starts_with', StrictStr, build, lambda p: f'starts with {p}')]
