"""Reporting area 'dashboards': dashboards (province, ministry, platform, institution)."""
