"""The report templates, shipped inside the wheel as `maturity.reports`."""
