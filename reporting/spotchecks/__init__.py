"""Reporting area 'spotchecks': spot checks (随机抽查) of inventory records."""
