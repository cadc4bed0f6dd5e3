MATURITY_PLUGIN_API = ">=1,<2"
from maturity.hookspecs import hookimpl
from maturity.evidence import EvidenceLoader
def parse(data, display, limits):
    raise KeyError('column')
@hookimpl
def maturity_evidence_loaders():
    return [EvidenceLoader('ini', ('.ini',), parse)]
