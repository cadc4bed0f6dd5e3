MATURITY_PLUGIN_API = ">=1,<2"
from maturity.hookspecs import hookimpl
from maturity.checks import BUILTIN_CHECK_TYPES
@hookimpl
def maturity_check_types():
    return [t for t in BUILTIN_CHECK_TYPES if t.operator == 'is']
