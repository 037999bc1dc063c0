"""Synthetic operations data (`python -m dashboard demo`)."""
from dashboard.services.demo.generator import DemoError, DemoResult, generate, generate_into, rain_days, surge_days

__all__ = ["DemoError", "DemoResult", "generate", "generate_into", "rain_days", "surge_days"]
