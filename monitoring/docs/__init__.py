"""Documentation generated from the code: `reference` writes docs/reference.md from the public docstrings."""
