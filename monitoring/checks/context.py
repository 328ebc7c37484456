"""What the checks know of the model, as plain data in out/manifest.json: generate writes it, validate reads it.

`validate` judges out/ alone. The few facts it needs that the files do not carry are written down once by
`generate`: the route expectations amtool checks, and what the lint checks judge selectors against (the metric
catalog, the known series and their labels). `monitoring test` reads why each alert without generated tests
has none. Reading a fact back imports nothing of the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from monitoring.checks.shapes import OPTIONAL, mismatch
from monitoring.units import LABEL_NAME

if TYPE_CHECKING:  # reading the context back (validate, test) needs no model
    from monitoring.checks.lint import LintContext
    from monitoring.model.stack import Stack
    from monitoring.promql.label_sets import SeriesInfo

# Alert name -> why generate wrote no tests for it; only alerts without an AlertScenario whose expression is not a
# shape tests are generated for, so absent for most stacks.
UNTESTED = "alerts_without_generated_tests"


def of(stack: Stack) -> dict[str, Any]:
    """The checks' context of a stack, as JSON-ready data (sorted, so the manifest is deterministic)."""
    from monitoring.promql.label_sets import stack_series

    return {
        "route_tests": [{"labels": dict(sorted(t.labels.items())), "receivers": list(t.receivers)}
                        for t in stack.routing.tests],
        "known_series": sorted(stack.known_series()),
        "metrics": [{"type": m.type, **m.model_dump(mode="json", by_alias=True, exclude_defaults=True)}
                    for m in sorted(stack.metrics, key=lambda m: m.name)],
        "series": {name: _series_data(info) for name, info in sorted(stack_series(stack).items())},
        "kubernetes_monitored_jobs": stack.monitored_jobs(),
        "fixed_record_names": dict(sorted(stack.fixed_record_names().items())),
    }


def with_untested(checks: Mapping[str, Any], untested: Mapping[str, str]) -> dict[str, Any]:
    """The context with why each alert has no generated tests (see `UNTESTED`), sorted; unchanged without any."""
    return {**checks, UNTESTED: dict(sorted(untested.items()))} if untested else dict(checks)


def untested(checks: Mapping[str, Any]) -> dict[str, str]:
    """Why generate wrote no tests for each alert it wrote none for: alert name -> the reason."""
    return dict(checks.get(UNTESTED, {}))


def lint_context(checks: Mapping[str, Any]) -> LintContext:
    """The LintContext generate saw, rebuilt from the manifest."""
    from monitoring.checks.lint import CatalogEntry, LintContext

    metrics = tuple(CatalogEntry(m["name"], m["type"], bool(m.get("native", False))) for m in checks.get("metrics", ()))
    series = {name: _series_info(data) for name, data in checks.get("series", {}).items()}
    return LintContext(frozenset(checks.get("known_series", ())), metrics, series,
                       dict(checks.get("fixed_record_names", {})))


# The shape of each fact, as `problem` checks it (see monitoring.checks.shapes).
_LABELS = {str: str}
_SHAPES: dict[str, Any] = {
    "route_tests": [{"labels": _LABELS, "receivers": [str]}],
    "known_series": [str],
    # what lint_context reads of a metric (the rest of its fields are the model's to check)
    "metrics": [{"name": str, "type": frozenset({"counter", "gauge", "histogram", "summary"}),
                 OPTIONAL: {"native": bool}}],
    "series": {str: {"catalog": [str], "own": [str], "values": {str: [str]}, "jobs": {str: int},
                     "job_labels": {str: (None, [str])}, "origin": str}},
    "kubernetes_monitored_jobs": [str],
    "fixed_record_names": _LABELS,
    UNTESTED: _LABELS,
}


def problem(checks: Mapping[str, Any]) -> str | None:
    """What in a manifest's `checks` is not what generate writes, or None: read back, every fact is trusted. Every
    fact `of` writes must be there: a check that found none would judge out/ against nothing (every metric
    unknown) and fail for the wrong reason, or pass for one."""
    for key, shape in _SHAPES.items():
        if key in checks:
            found = mismatch(checks[key], shape, f"checks.{key}")
            if found:
                return found
        elif key != UNTESTED:  # written only for a stack with such alerts
            return f"checks.{key} is missing"
    for index, test in enumerate(checks.get("route_tests") or ()):
        # Each label becomes an argument of amtool's command line: a name the model refuses ("--config.file")
        # would be read as one of amtool's flags.
        bad = next((name for name in test["labels"] if not LABEL_NAME.match(name)), None)
        if bad is not None:
            return f"checks.route_tests[{index}].labels: {bad!r:.40} is not a label name"
        if not test["receivers"] or not all(test["receivers"]):
            return f"checks.route_tests[{index}].receivers: an empty receiver name, or none"
    for name, info in (checks.get("series") or {}).items():
        if not info["jobs"].keys() <= info["job_labels"].keys():  # the labels of every job are looked up
            return f"checks.series.{name}: a job without job_labels"
    return None


def _series_data(info: SeriesInfo) -> dict[str, Any]:
    return {
        "catalog": sorted(info.catalog),
        "own": sorted(info.own),
        "values": {k: list(v) for k, v in sorted(info.values.items())},
        "jobs": dict(sorted(info.jobs.items())),
        "job_labels": {k: None if v is None else sorted(v) for k, v in sorted(info.job_labels.items())},
        "origin": info.origin,
    }


def _series_info(data: Mapping[str, Any]) -> SeriesInfo:
    from monitoring.promql.label_sets import SeriesInfo

    return SeriesInfo(
        frozenset(data["catalog"]), frozenset(data["own"]), {k: tuple(v) for k, v in data["values"].items()},
        dict(data["jobs"]), {k: None if v is None else frozenset(v) for k, v in data["job_labels"].items()},
        data["origin"],
    )
