"""Reporting area 'cases': typical cases and problems (典型案例与问题报送)."""
