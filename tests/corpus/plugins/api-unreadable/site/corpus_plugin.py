MATURITY_PLUGIN_API = "version one"
