"""This package's version: the one source of it (pyproject.toml reads it from here).

A constant rather than a look-up of the installed distribution: `importlib.metadata` costs `monitoring validate`
and `--version` tens of milliseconds to import, and every manifest names the version that wrote it.

    from monitoring.version import VERSION
"""

VERSION = "0.1.0"
