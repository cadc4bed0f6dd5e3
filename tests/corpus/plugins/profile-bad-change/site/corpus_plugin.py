MATURITY_PLUGIN_API = ">=1,<2"
from pathlib import Path
from maturity.hookspecs import hookimpl
from maturity.loaders import load_profile
@hookimpl
def maturity_profiles():
    return [load_profile(Path(__file__).parent / 'corpus_profiles' / 'profile.toml')]
