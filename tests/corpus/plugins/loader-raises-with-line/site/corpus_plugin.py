MATURITY_PLUGIN_API = ">=1,<2"
import json
from maturity.hookspecs import hookimpl
from maturity.evidence import EvidenceLoader
def parse(data, display, limits):
    return json.loads(data)        # a JSONDecodeError escapes, with its line and column
@hookimpl
def maturity_evidence_loaders():
    return [EvidenceLoader('jsonish', ('.jsonish',), parse)]
