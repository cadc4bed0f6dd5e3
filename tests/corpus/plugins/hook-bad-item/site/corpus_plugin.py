MATURITY_PLUGIN_API = ">=1,<2"
from maturity.hookspecs import hookimpl
@hookimpl
def maturity_evidence_loaders():
    return ['ini']
