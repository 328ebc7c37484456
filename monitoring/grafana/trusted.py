"""Dashboard model objects that the tool builds itself, constructed without validation.

A user's dashboard is validated when it is declared: its queries are parsed, its variables resolved.
The generated service and SLO dashboards are written by this package from a model that is valid already,
so validating them again would only parse thousands of queries the tool wrote. The dashboard checks
(`monitoring validate`) and the tests check what they render instead.

    >>> query("up", legend="{{instance}}").legend
    '{{instance}}'
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Generic, TypeVar

from pydantic_core import PydanticUndefined

from monitoring.model.base import Model
from monitoring.model.dashboards import Dashboard, DashboardRow, DashboardVariable, Panel, PanelQuery, Threshold

M = TypeVar("M", bound=Model)


class _Construct(Generic[M]):
    """What pydantic's model_construct (`Model._unchecked`) makes (the same __dict__, in field order, and fields
    set), at a fraction of its cost: a service dashboard is some 20 objects and pydantic's generic construct reads
    every field's default anew each time. Unlike model_construct, an unknown or a missing required field is an
    error here."""

    def __init__(self, cls: type[M]) -> None:
        self.cls = cls
        # Every field in order, with its default (PydanticUndefined where it is required): a copy updated with
        # the values given is the instance's __dict__.
        self.template: dict[str, Any] = {}
        for name, info in cls.model_fields.items():
            # Only immutable defaults are shared between instances; the dashboard model has no other kind.
            assert (info.default_factory is None and isinstance(info.default, str | int | float | tuple | None)) \
                or info.default is PydanticUndefined, f"{cls.__name__}.{name}: a default that is not shareable"
            self.template[name] = info.default
        self.names = frozenset(self.template)
        self.required = frozenset(name for name, default in self.template.items() if default is PydanticUndefined)

    def __call__(self, **values: Any) -> M:
        if not self.required <= values.keys() <= self.names:
            raise TypeError(f"{self.cls.__name__}: unknown fields {sorted(values.keys() - self.names)} or missing "
                            f"required ones {sorted(self.required - values.keys())}")
        fields = self.template.copy()
        fields.update(values)
        instance = self.cls.__new__(self.cls)
        object.__setattr__(instance, "__dict__", fields)
        object.__setattr__(instance, "__pydantic_fields_set__", set(values))
        object.__setattr__(instance, "__pydantic_extra__", None)
        object.__setattr__(instance, "__pydantic_private__", None)
        return instance


_query = _Construct(PanelQuery)
_threshold = _Construct(Threshold)
_panel = _Construct(Panel)
_row = _Construct(DashboardRow)
_dashboard = _Construct(Dashboard)
variable = _Construct(DashboardVariable)


def query(expr: str, **fields: Any) -> PanelQuery:
    return _query(expr=expr, **fields)


@lru_cache(maxsize=256)
def threshold(value: float, color: str) -> Threshold:
    """Shared: a Threshold is immutable, and dashboards repeat a few of them in every panel."""
    return _threshold(value=float(value), color=color)


def panel(**fields: Any) -> Panel:
    for key in ("min", "max"):
        if fields.get(key) is not None:
            fields[key] = float(fields[key])
    return _panel(**fields)


def row(**fields: Any) -> DashboardRow:
    return _row(**fields)


def dashboard(**fields: Any) -> Dashboard:
    return _dashboard(**fields)
