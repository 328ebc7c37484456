"""Renderers: pure functions from the model to plain data. No I/O here."""
