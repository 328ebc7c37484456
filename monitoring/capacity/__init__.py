"""Capacity forecasts from real history: `monitoring capacity --prometheus URL [--days 30] [--growth 50%]`."""
