"""Reusable definitions, in the spirit of monitoring mixins."""
