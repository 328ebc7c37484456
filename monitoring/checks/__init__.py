"""Validation layers: the real promtool and amtool, and offline lint checks."""
