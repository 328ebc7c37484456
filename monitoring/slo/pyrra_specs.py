"""Pyrra's ServiceLevelObjective CRD (pyrra.dev/v1alpha1) read into SLO definitions.

How Pyrra maps onto the model:
- the SLO is `metadata.name`, its service the namespace (`default` when none is given, as Kubernetes does);
- `ratio` and `latency` indicators become query SLIs of Pyrra's own arithmetic: errors over total, and for latency
  total minus the successful bucket; `bool_gauge` is a boolean-gauge SLI (the share of samples that are 1);
  `grouping` is `group_by`;
- labels prefixed `pyrra.dev/` and the total selector's equality matchers become the SLO's labels, as Pyrra puts
  them on its rules; other metadata labels belong to the PrometheusRule object and are noted;
- alerting follows Pyrra's windows: four window pairs scaled to the period (1h/5m, 6h/30m, 1d/2h and 4d/6h at 28
  days) with burn rates 14, 7 (critical: the page tier) and 2, 1 (warning: the ticket tier). Pyrra holds each pair
  for its own time; here a tier holds for the time of its fastest pair (2m and 1h at 28 days), noted.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

import promql_parser

from monitoring import promql
from monitoring.model.slo import SLO, AlertTier, AlertWindow, SLOAlerting, WindowPolicy
from monitoring.slo.spec_input import ImportedSpecs, Spec, make, period_of
from monitoring.units import format_duration

API_VERSION = "pyrra.dev/v1alpha1"
KIND = (API_VERSION, "ServiceLevelObjective")
LABEL_PREFIX = "pyrra.dev/"
DEFAULT_NAMESPACE = "default"
RENAMED = "spec_"  # the prefix of a label whose name the SLO reserves
_NS_PER_MS = 1_000_000
_MINUTE_NS = 60_000_000_000
# Pyrra's windows as divisors of the period (so that 28 days give 1h/5m ...), with the burn rate and the tier:
# (tier, long divisor, short divisor, `for` divisor, burn rate).
PYRRA_WINDOWS = (
    ("page", 28 * 24, 28 * 24 * 12, 28 * 24 * 30, 14),
    ("page", 28 * 4, 28 * 24 * 2, 28 * 24 * 4, 7),
    ("ticket", 28, 28 * 12, 28 * 24, 2),
    ("ticket", 7, 28 * 4, 28 * 8, 1),
)
# Pyrra's severities for the two tiers.
SEVERITIES = {"page": "critical", "ticket": "warning"}


def _minutes(period_ns: int, divisor: int) -> int:
    """period / divisor rounded to the minute, halves away from zero (Go's Duration.Round), in ms."""
    share = period_ns // divisor
    return (share + _MINUTE_NS // 2) // _MINUTE_NS * _MINUTE_NS // _NS_PER_MS


def pyrra_windows(period_days: int) -> list[tuple[str, int, int, int, int]]:
    """(tier, long ms, short ms, for ms, burn rate) of each of Pyrra's window pairs for a period."""
    period_ns = period_days * 86_400_000 * _NS_PER_MS
    return [(tier, _minutes(period_ns, long), _minutes(period_ns, short), _minutes(period_ns, hold), burn)
            for tier, long, short, hold, burn in PYRRA_WINDOWS]


def _selector(spec: Spec, key: str = "metric") -> promql_parser.VectorSelector:
    text = str(spec.require(key))
    try:
        node = promql.parse(text)
    except ValueError as exc:
        raise spec.error(f"{spec.name(key)} does not parse: {exc}", key=key) from None
    if not isinstance(node, promql_parser.VectorSelector):
        raise spec.error(f"{spec.name(key)} {text!r} must be a vector selector", key=key)
    return node


def _grouping(spec: Spec) -> tuple[str, ...]:
    grouping = spec.get("grouping", default=[]) or []
    if not isinstance(grouping, list):
        raise spec.error(f"{spec.name('grouping')} must be a list of label names", key="grouping")
    return tuple(str(g) for g in grouping)


def _rate(selector: str, grouping: tuple[str, ...], reserved: tuple[str, ...]) -> str:
    """sum by (grouping) (rate(selector[{{window}}])); a grouping label the SLO reserves (service, slo) is renamed
    to spec_<label> before the sum, so that it cannot clash with the SLO's own label."""
    rate = f"rate({selector}[{{{{window}}}}])"
    for label in grouping:
        if label in reserved:
            rate = f'label_replace({rate}, "{RENAMED}{label}", "$1", "{label}", "(.*)")'
    by = f" by ({', '.join(_renamed(grouping, reserved))}) " if grouping else ""
    return f"sum{by}({rate})"


def _renamed(grouping: tuple[str, ...], reserved: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(RENAMED + label if label in reserved else label for label in grouping)


def _equal_labels(selector: promql_parser.VectorSelector, grouping: tuple[str, ...]) -> dict[str, str]:
    """The total selector's label=value matchers, which Pyrra puts on its rules (not the grouped ones)."""
    return {m.name: m.value for m in selector.matchers.matchers
            if str(m.op).endswith("Equal") and "Not" not in str(m.op) and m.name not in ("__name__", *grouping)}


def _indicator(body: Spec, reserved: tuple[str, ...]) -> tuple[dict[str, str], tuple[str, ...], dict[str, str]]:
    """The query SLI fields, the grouping and the rule labels of Pyrra's indicator."""
    indicator = body.need_child("indicator")
    kinds = [k for k in ("ratio", "latency", "latencyNative", "bool_gauge") if indicator.present(k)]
    if len(kinds) != 1:
        raise indicator.error(f"{indicator.name('indicator')} needs exactly one of ratio, latency, latencyNative "
                              f"and bool_gauge (found {', '.join(kinds) or 'none'})")
    kind = kinds[0]
    if kind == "latencyNative":
        raise indicator.unsupported(kind, "native-histogram latency SLIs are not supported yet; write a latency "
                                    "indicator on classic buckets")
    spec = indicator.need_child(kind)
    indicator.done()
    grouping = _grouping(spec)
    if kind == "bool_gauge":
        # The share of samples that are 1, as Pyrra counts them: a boolean-gauge SLI of the same selector.
        gauge = _selector(spec)
        text = str(spec.get("metric")).strip()
        for label in grouping:
            if label in reserved:
                raise spec.unsupported("grouping", f"{label!r} is a label the SLO sets itself, and a boolean-gauge "
                                       "SLI reads its gauge as it is")
        spec.done()
        return {"type": "boolean", "gauge": text}, grouping, _equal_labels(gauge, grouping)
    total = _selector(spec.need_child("total"))
    if kind == "ratio":
        errors = _selector(spec.need_child("errors"))
        sli = {"errors": _rate(str(errors), grouping, reserved), "total": _rate(str(total), grouping, reserved)}
    else:
        success = spec.need_child("success")
        good = _selector(success)
        if not any(m.name == "le" for m in good.matchers.matchers):
            raise success.error(f"{success.name('metric')} must select one bucket (le=\"...\")", key="metric")
        sli = {"errors": f"{_rate(str(total), grouping, reserved)} - {_rate(str(good), grouping, reserved)}",
               "total": _rate(str(total), grouping, reserved)}
        success.done()
    for key in ("total", "errors"):
        if (child := spec.child(key)) is not None:
            child.get("metric")
            child.done()
    spec.done()
    return {"type": "query", **sli}, grouping, _equal_labels(total, grouping)


def _labels(metadata: Spec, name: str, notes: list[str]) -> dict[str, str]:
    labels = {}
    for key, value in metadata.text_map("labels").items():
        if not key.startswith(LABEL_PREFIX):
            notes.append(f"{name}: metadata.labels.{key} is a label of Pyrra's PrometheusRule object, not of the "
                         "series; the stack's Kubernetes output sets its own")
            continue
        labels[key.removeprefix(LABEL_PREFIX)] = str(value)
    return labels


def _policy(period_days: int, budget: Fraction, name: str,
            notes: list[str]) -> tuple[WindowPolicy | None, dict[str, int]]:
    """Pyrra's windows for the period, without the pairs that can never fire for the objective (noted)."""
    rows, holds = [], {}
    for tier, long_ms, short_ms, hold_ms, burn in pyrra_windows(period_days):
        long, short = format_duration(long_ms), format_duration(short_ms)
        if burn * budget >= 1:
            notes.append(f"{name}: Pyrra's {long}/{short} pair at burn rate {burn} can never fire for this "
                         f"objective (threshold {float(burn * budget):g} >= 1); left out")
            continue
        holds.setdefault(tier, hold_ms)
        rows.append(AlertWindow(tier=tier, long=long, short=short, burn_rate=burn))
    return (WindowPolicy(windows=tuple(rows)) if rows else None), holds


def _alerting(body: Spec, policy_holds: dict[str, int], name: str, notes: list[str]) -> SLOAlerting:
    spec = body.child("alerting") or Spec(body.path, {}, body.name("alerting"))
    disabled = bool(spec.get("disabled", default=False)) or spec.get("burnrates") is False
    if spec.get("absent") is not False:
        notes.append(f"{name}: Pyrra's absent alerts are not generated; `monitoring check --prometheus` names "
                     "selectors with no series")
    alert_name = spec.text("name")
    spec.done()
    tiers = {}
    for tier in ("page", "ticket"):
        hold = policy_holds.get(tier)
        tiers[tier] = AlertTier(severity=SEVERITIES[tier], enabled=hold is not None and not disabled,
                                **({"for": format_duration(hold)} if hold else {}))
    if len(policy_holds) and not disabled:
        notes.append(f"{name}: each tier holds for the time of its fastest window pair "
                     f"({', '.join(f'{t} {format_duration(h)}' for t, h in policy_holds.items())}); Pyrra holds "
                     "its slower pairs longer")
    return SLOAlerting(name=alert_name, **tiers)


def read(spec: Spec, result: ImportedSpecs) -> bool:
    """A Pyrra ServiceLevelObjective into result; False when the document is not Pyrra's."""
    api = spec.data.get("apiVersion")
    if not (isinstance(api, str) and api.startswith("pyrra.dev/")):
        return False
    if (api, spec.data.get("kind")) != KIND:
        raise spec.unsupported("apiVersion", f"{api}/{spec.data.get('kind')}: this importer reads "
                               f"{'/'.join(KIND)}")
    spec.get("apiVersion", "kind")
    notes: list[str] = []
    metadata = spec.need_child("metadata")
    name = metadata.need_text("name")
    namespace = metadata.text("namespace")
    if namespace is None:
        notes.append(f"{name}: no metadata.namespace; the service is {DEFAULT_NAMESPACE!r}")
    labels = _labels(metadata, name, notes)
    if metadata.get("annotations"):
        notes.append(f"{name}: metadata.annotations are not carried")
    metadata.done()
    body = spec.need_child("spec")
    try:
        objective = Decimal(str(body.require("target")))
    except InvalidOperation:
        raise body.error(f"{body.name('target')} must be a percentage like '99.9'", key="target") from None
    period = period_of(body, "window", str(body.require("window")))
    sli, grouping, rule_labels = _indicator(body, result.reserved)
    for label in grouping:
        if label in result.reserved:
            notes.append(f"{name}: grouping label {label} is reserved here; renamed to {RENAMED}{label}")
    merged = {}
    for key, value in {**rule_labels, **labels}.items():
        if key in result.reserved:
            notes.append(f"{name}: label {key} is reserved here; kept as {RENAMED}{key}")
            key = RENAMED + key
        merged[key] = value
    budget = (100 - Fraction(objective)) / 100 if objective < 100 else Fraction(0)
    policy, holds = _policy(int(period[:-1]), budget, name, notes)
    alerting = _alerting(body, holds, name, notes)
    description = body.text("description", default="") or ""
    body.done()
    spec.done()
    service = namespace or DEFAULT_NAMESPACE
    imported = result.service(service, spec.path.name)
    slo = make(spec, SLO, name=name, service=service, objective=objective, period=period, description=description,
               labels=merged, sli=sli, group_by=_renamed(grouping, result.reserved), naming=result.naming,
               alerting=alerting, **({"window_policy": policy} if policy is not None else {}))
    imported.add(slo, spec)
    imported.notes.extend(notes)
    return True
