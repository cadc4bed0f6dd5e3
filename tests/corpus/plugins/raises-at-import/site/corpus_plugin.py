raise RuntimeError("no configuration")
