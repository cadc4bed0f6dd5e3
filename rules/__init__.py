"""The built-in rule packs, shipped inside the wheel as `maturity.rules`."""
