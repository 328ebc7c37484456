"""SLO specs of other tools read into SLO definitions: Sloth (prometheus/v1, the PrometheusServiceLevel CRD and
AlertWindows) here, OpenSLO v1 (`openslo_specs`) and Pyrra's ServiceLevelObjective CRD (`pyrra_specs`).

Every field of a spec either maps onto the model or is named in an `InputFileError`: nothing is dropped
silently. `monitoring import-slo` writes the result as Python (`monitoring.slo.spec_python`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from monitoring.conventions import camel_case
from monitoring.errors import DefinitionError, InputFileError
from monitoring.model.slo import SLO, AlertTier, SLOAlerting, WindowPolicy
from monitoring.slo import openslo_specs, pyrra_specs
from monitoring.slo.naming import NamingStyle
from monitoring.slo.spec_input import ImportedService, ImportedSpecs, Spec, labels_of, load_documents, refused
from monitoring.units import duration_ms, quoted

__all__ = ["ImportedService", "ImportedSpecs", "read_files", "sloth_period"]

SLOTH_VERSION = "prometheus/v1"
SLOTH_CRD = ("sloth.slok.dev/v1", "PrometheusServiceLevel")
SLOTH_WINDOWS = ("sloth.slok.dev/v1", "AlertWindows")
# Sloth's own alert labels; a spec label of one of our reserved names is kept under this prefix.
RENAMED_PREFIX = "spec_"
# Sloth's --default-slo-period: its specs have no period of their own.
SLOTH_DEFAULT_PERIOD = "30d"
# The periods Sloth has alert windows for without AlertWindows specs.
SLOTH_BUILT_IN_PERIODS = ("30d", "28d")
_DAY_MS = 86_400_000


def sloth_period(text: str) -> str:
    """A Sloth SLO period (`--default-slo-period`, `sloPeriod`: a Prometheus duration of whole days such as 30d,
    4w or 720h) as SLO.period holds it: '4w' -> '28d'; ValueError for anything else."""
    try:
        ms = duration_ms(text)
    except ValueError:
        ms = 0
    if ms == 0 or ms % _DAY_MS:
        raise ValueError(f"{quoted(text)} is not a period of whole days, such as 30d or 4w")
    return f"{ms // _DAY_MS}d"


@dataclass
class _Origins:
    """Where each window policy was first read ('file:line'): a collision names both places; which policies and
    Sloth alert names the SLOs use."""

    policies: dict[str, str] = field(default_factory=dict)
    # The AlertWindows of each period in days ('28d' for a sloPeriod of 4w): the name of their policy.
    periods: dict[str, str] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)  # the policies an imported Sloth SLO uses
    # (service, name) of each Sloth SLO whose alerts are named: the name Sloth gives them (alerting.name).
    sloth_alerts: dict[tuple[str, str], str] = field(default_factory=dict)


def _labels(spec: Spec, key: str, notes: list[str], reserved: tuple[str, ...],
            keep: tuple[str, ...] = ()) -> dict[str, str]:
    return labels_of(spec, key, notes, reserved, keep, RENAMED_PREFIX)


def _sloth_tier(spec: Spec | None, default_severity: str, notes: list[str], reserved: tuple[str, ...]) -> AlertTier:
    """A page_alert or ticket_alert; its labels may not take the names the SLOs' naming reserves."""
    if spec is None:
        return AlertTier(severity=default_severity)
    disabled = bool(spec.get("disable", default=False))
    labels = _labels(spec, "labels", notes, reserved, keep=("severity",))
    severity = labels.pop("severity", None) or default_severity
    annotations = spec.text_map("annotations")
    spec.done()
    return AlertTier(enabled=not disabled, severity=severity, labels=labels,
                     summary=annotations.pop("summary", None), title=annotations.pop("title", None),
                     annotations=annotations)


def _sloth_slo(service: str, common_labels: dict[str, str], spec: Spec, notes: list[str],
               result: ImportedSpecs, origins: _Origins) -> SLO:
    name = spec.need_text("name")
    sli = spec.child("sli")
    if sli is None:
        raise spec.error(f"{spec.name('sli')} is required")
    if sli.get("raw") is not None:
        raise sli.unsupported("raw", "an error-ratio query cannot be weighted by traffic; write events "
                              "(error_query and total_query) instead")
    if sli.get("plugin") is not None:
        raise sli.unsupported("plugin", "SLI plugins are Go code run by Sloth; write the plugin's queries as "
                              "events (error_query and total_query)")
    events = sli.child("events")
    if events is None:
        raise sli.error(f"{sli.name('events')} is required")
    errors, total = events.require("error_query", "errorQuery"), events.require("total_query", "totalQuery")
    events.done()
    sli.done()
    if spec.get("plugins") is not None:
        raise spec.unsupported("plugins", "SLO plugins are Go code run by Sloth")
    alerting = spec.child("alerting") or Spec(spec.path, {}, spec.name("alerting"))
    annotations = alerting.text_map("annotations")
    shared_labels = _labels(alerting, "labels", notes, result.reserved)
    page = _sloth_tier(alerting.child("page_alert", "pageAlert"), "critical", notes, result.reserved)
    ticket = _sloth_tier(alerting.child("ticket_alert", "ticketAlert"), "warning", notes, result.reserved)
    slo_alerting = SLOAlerting(name=alerting.get("name"), page=page, ticket=ticket, labels=shared_labels,
                               summary=annotations.pop("summary", None), title=annotations.pop("title", None),
                               annotations=annotations)
    alerting.done()
    labels = {**common_labels, **_labels(spec, "labels", notes, result.reserved)}
    # As Sloth does: every SLO has the default SLO period, and alerts with the AlertWindows of that period if
    # any were read, with its built-in windows otherwise.
    period = result.sloth_period
    policy_name = origins.periods.get(period)
    if policy_name is None and period == "28d":
        # Sloth's own 28d windows keep the 30d budget shares, which makes the 3d/6h ticket a factor below 1.
        notes.append("Sloth's built-in 28d windows spend 2%, 5%, 10% and 10% of the budget (burn factors 13.44, 5.6, "
                     "2.8 and 0.93); these SLOs use the default window policy's factors 14.4, 6, 3 and 1, since a "
                     "factor below 1 alerts while the SLO is met: give AlertWindows of 28d to choose others")
    elif policy_name is None and period not in SLOTH_BUILT_IN_PERIODS:
        notes.append(f"Sloth has alert windows of its own for {' and '.join(SLOTH_BUILT_IN_PERIODS)} only, and no "
                     f"AlertWindows of {period} were read: the SLOs use the default window policy, scaled to {period}")
    fields = {"name": name, "service": service, "objective": str(spec.require("objective")),
              "period": period, "description": spec.text("description", default="") or "", "labels": labels,
              "sli": {"type": "query", "errors": str(errors), "total": str(total)}, "alerting": slo_alerting,
              "window_policy": result.policies[policy_name] if policy_name else "default", "naming": result.naming}
    try:
        slo = SLO(**fields)
    except DefinitionError as exc:
        policy = (f" (window_policy {policy_name.upper()}: the AlertWindows at {origins.policies[policy_name.upper()]})"
                  if policy_name else "")
        raise spec.error(refused(exc) + policy) from None
    if policy_name:
        origins.used.add(policy_name)
    if slo.alerting.name is not None:
        origins.sloth_alerts[(service, name)] = slo.alerting.name
    spec.done()
    return slo


def _sloth_service(path: Path, spec: Spec, result: ImportedSpecs, origins: _Origins) -> None:
    service = spec.need_text("service")
    imported = result.service(service, path.name)
    common = _labels(spec, "labels", imported.notes, result.reserved)
    if spec.get("slo_plugins", "sloPlugins") is not None:
        raise spec.unsupported("slo_plugins", "SLO plugins are Go code run by Sloth")
    for slo_spec in spec.children("slos"):
        imported.add(_sloth_slo(service, common, slo_spec, imported.notes, result, origins), slo_spec)
    spec.done()


def _sloth_windows(path: Path, spec: Spec, result: ImportedSpecs, origins: _Origins) -> None:
    body = spec.child("spec")
    if body is None:
        raise spec.error("spec is required")
    period = str(body.require("sloPeriod"))
    if not re.fullmatch(r"[0-9A-Za-z_]+", period):  # it names the policy's constant in window_policies.py
        raise body.error(f"spec.sloPeriod {quoted(period)} is not a period such as 30d", key="sloPeriod")
    # Sloth refuses two AlertWindows of one period; the policy's constant is upper case, so 7d and 7D are one.
    constant = f"sloth_{period}".upper()
    if constant in origins.policies:
        raise body.error(f"spec.sloPeriod {quoted(period)}: AlertWindows for this period are already defined at "
                         f"{origins.policies[constant]}", key="sloPeriod")
    origins.policies[constant] = body.at("sloPeriod")
    try:
        days = sloth_period(period)
    except ValueError:
        raise body.error(f"spec.sloPeriod {quoted(period)} is not a period such as 30d or 4w (whole days)",
                         key="sloPeriod") from None
    if days in origins.periods:  # 4w and 28d: Sloth compares the durations
        raise body.error(f"spec.sloPeriod {quoted(period)}: AlertWindows for this period are already defined at "
                         f"{origins.policies[origins.periods[days].upper()]}", key="sloPeriod")
    origins.periods[days] = f"sloth_{period}"
    rows = []
    for tier in ("page", "ticket"):
        tier_spec = body.child(tier)
        if tier_spec is None:
            raise body.error(f"spec.{tier} is required")
        for speed in ("quick", "slow"):
            row = tier_spec.child(speed)
            if row is None:
                raise tier_spec.error(f"spec.{tier}.{speed} is required")
            rows.append({"tier": tier, "long": str(row.require("longWindow")), "short": str(row.require("shortWindow")),
                         "budget_percent": str(row.require("errorBudgetPercent"))})
            row.done()
        tier_spec.done()
    body.done()
    spec.get("metadata")
    spec.done()
    result.policies[f"sloth_{period}"] = WindowPolicy(period=days, windows=tuple(rows))


def _read_sloth(path: Path, spec: Spec, result: ImportedSpecs, origins: _Origins) -> bool:
    """A Sloth document into result; False when the document is not Sloth's."""
    kind = (spec.data.get("apiVersion"), spec.data.get("kind"))
    if spec.data.get("version") == SLOTH_VERSION:
        spec.get("version")
        _sloth_service(path, spec, result, origins)
    elif kind == SLOTH_CRD:
        spec.get("apiVersion", "kind", "metadata")
        body = spec.need_child("spec")
        spec.done()
        _sloth_service(path, body, result, origins)
    elif kind == SLOTH_WINDOWS:
        spec.get("apiVersion", "kind")
        _sloth_windows(path, spec, result, origins)
    else:
        return False
    return True


READS = (f"Sloth (version {SLOTH_VERSION!r}, {'/'.join(SLOTH_CRD)}, {'/'.join(SLOTH_WINDOWS)}), "
         f"OpenSLO ({openslo_specs.API_VERSION}) or Pyrra ({'/'.join(pyrra_specs.KIND)})")


def read_files(paths: list[Path], naming: NamingStyle = "default",
               slo_period: str = SLOTH_DEFAULT_PERIOD) -> ImportedSpecs:
    """Every document of the spec files; InputFileError naming the file, line and field of any problem.

    OpenSLO objects refer to each other by name across documents and files (an SLO's indicatorRef, an alert
    policy's conditionRef), so they are collected first and resolved once every file is read. Sloth's specs have
    no period: each Sloth SLO gets `slo_period` (Sloth's --default-slo-period), and the AlertWindows of that
    period, wherever they are, as its window policy; so AlertWindows are read before any SLO.
    """
    result = ImportedSpecs(naming=naming, sloth_period=sloth_period(slo_period))
    origins = _Origins()
    openslo = openslo_specs.Objects()
    files = [(path, load_documents(path)) for path in paths]
    for windows in (True, False):
        for path, documents in files:
            for number, data in enumerate(documents):
                if _is_windows(data) == windows:
                    where = f"document {number + 1}" if len(documents) > 1 else "the document"
                    _read_document(Spec(path, data), where, result, origins, openslo)
    openslo.resolve(result)
    _distinct_alert_names(result)
    _sloth_alert_names(result, origins)
    _unused_windows(result, origins)
    return result


def _sloth_alert_names(result: ImportedSpecs, origins: _Origins) -> None:
    """A note for each Sloth SLO whose alerts are named: Sloth gives both tiers' alerts `alerting.name` itself
    (told apart by a label), where each tier's alert has a name of its own here. Routes, inhibitions and
    silences that match the alert name must follow."""
    for imported in result.services.values():
        for slo in imported.slos:
            sloth_name = origins.sloth_alerts.get((slo.service, slo.name))
            names = [slo.alert_name(tier) for tier in ("page", "ticket") if getattr(slo.alerting, tier).enabled]
            if sloth_name is not None and names:
                imported.notes.append(
                    f"slo {slo.name!r}: Sloth names its alerts {sloth_name!r}; here they are "
                    f"{' and '.join(repr(n) for n in names)}: update the routes, inhibit rules and silences that "
                    "match the alert name")


def _is_windows(data: object) -> bool:
    return isinstance(data, Mapping) and (data.get("apiVersion"), data.get("kind")) == SLOTH_WINDOWS


def _read_document(spec: Spec, where: str, result: ImportedSpecs, origins: _Origins,
                   openslo: openslo_specs.Objects) -> None:
    try:
        if _read_sloth(spec.path, spec, result, origins) or openslo.add(spec) or pyrra_specs.read(spec, result):
            return
    except InputFileError:
        raise
    except DefinitionError as exc:
        raise InputFileError(f"{spec.at()}: {refused(exc)}") from None
    found = (spec.data.get("version") or "/".join(str(spec.data.get(k)) for k in ("apiVersion", "kind")
                                                   if spec.data.get(k)) or "neither")
    raise InputFileError(f"{spec.at()}: {where} is not a spec this importer reads ({READS}; found {found})")


def _unused_windows(result: ImportedSpecs, origins: _Origins) -> None:
    """AlertWindows no imported SLO alerts with are still written (a definition may name them), with a warning:
    their budget percentages are shares of their own period's budget, which no imported SLO has."""
    for days, name in sorted(origins.periods.items(), key=lambda item: duration_ms(item[0])):
        if name in origins.used:
            continue
        why = ("no Sloth SLO was imported" if days == result.sloth_period else
               f"Sloth SLOs have the default SLO period, {result.sloth_period} (import-slo --default-slo-period "
               f"{days} gives them {days})")
        result.unused.append(f"{origins.policies[name.upper()]}: no imported SLO uses the AlertWindows of {days}, "
                             f"written as {name.upper()} in window_policies.py: {why}")


def _distinct_alert_names(result: ImportedSpecs) -> None:
    """SLOs that name their alerts alike get names of their own, each with a note. Sloth names an SLO's alerts
    after `alerting.name` alone (page and ticket told apart by a label), so specs of several services may share
    one; here each tier's alert has its own name, and two SLOs' alerts may not share theirs."""
    by_name: dict[str, list[tuple[ImportedService, int]]] = {}
    for imported in result.services.values():
        for index, slo in enumerate(imported.slos):
            if slo.alerting.name is not None:
                by_name.setdefault(slo.alerting.name, []).append((imported, index))
    taken = set(by_name)
    for name, users in sorted(by_name.items()):
        if len(users) < 2:
            continue
        for imported, index in users:
            slo = imported.slos[index]
            own = camel_case(slo.service) + name
            if own in taken:
                own = camel_case(f"{slo.service}-{slo.name}") + name
            taken.add(own)
            imported.slos[index] = slo.model_copy(update={"alerting": slo.alerting.model_copy(update={"name": own})})
            imported.notes.append(f"slo {slo.name!r}: alerting.name {name!r} is that of SLOs of other services too; "
                                  f"its alerts are named from {own!r}")
