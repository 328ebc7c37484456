"""The pydantic model: every definition, validated when it is built.

The public names are listed once, in monitoring/__init__.py; this package resolves the model's share of them.
"""

from __future__ import annotations

import importlib
from typing import Any

from monitoring import _EXPORTS

__all__ = sorted(name for name, module in _EXPORTS.items() if module.startswith("monitoring.model."))


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'monitoring.model' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
