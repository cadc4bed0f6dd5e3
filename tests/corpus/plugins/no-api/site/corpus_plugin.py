from maturity.hookspecs import hookimpl
