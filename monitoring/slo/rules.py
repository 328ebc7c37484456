"""SLOs -> Prometheus rules: per-window SLI rates, metadata, and multi-window multi-burn-rate alerts.

One rule group per SLO, evaluated in order: SLI rates (total, bad, ratio per window), the error ratio over the
period, metadata, then one alert per enabled tier. Bad and total events are summed separately and divided
afterwards, so every window is traffic-weighted; ratios are never averaged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from monitoring import conventions as names
from monitoring.bounded import keep
from monitoring.model.slo import (
    SLO,
    WINDOW_PLACEHOLDER,
    BooleanSLI,
    LatencySLI,
    QuerySLI,
    Timeslices,
    substitute_window,
    with_matchers,
)
from monitoring.model.stack import Stack
from monitoring.output import yaml_parts
from monitoring.output.files import to_yaml
from monitoring.render.numbers import go_float, python_float
from monitoring.slo import stand_ins
from monitoring.slo.naming import SLOTH_INFO, SeriesNaming
from monitoring.slo.windows import Tier, decimal_text, exact_text, human_hours, human_number
from monitoring.units import duration_ms

CURRENT_WINDOW = names.SLO_CURRENT_WINDOW
TIMES = "\u00d7"  # the multiplication sign: "burning 14.4\u00d7 faster"


def le_spellings(threshold: Decimal) -> tuple[str, ...]:
    """Every way exporters write this bucket boundary: Go and Python clients differ for whole numbers."""
    value = float(threshold)
    return tuple(sorted({go_float(value), python_float(value)}))


def le_matcher(threshold: Decimal) -> str:
    """le="0.5", or le=~"5|5\\\\.0" where Go (5) and Python (5.0) clients spell the boundary differently."""
    spellings = le_spellings(threshold)
    if len(spellings) == 1:
        return f'le="{spellings[0]}"'
    # A PromQL string: the regex escape backslash is itself escaped.
    return 'le=~"' + "|".join(re.escape(s).replace("\\", "\\\\") for s in spellings) + '"'


def selector(slo: SLO) -> str:
    return slo.plan.naming.selector(slo.service, slo.name)


def series_labels(slo: SLO) -> dict[str, str]:
    """The labels of every series (and so every alert) of an SLO."""
    return slo.plan.naming.series_labels(slo.service, slo.name, slo.labels)


def _window_labels(parts: RuleParts, window: str) -> dict[str, str]:
    """The labels of a per-window SLI series: the SLO's, and Sloth's sloth_window under Sloth's naming."""
    return {**dict(parts.labels), **parts.naming.window_labels(window)}


def _sum_rate(series: str, window: str, by: tuple[str, ...] = ()) -> str:
    """sum(rate(x[w])), or sum by (route) (rate(x[w])) for a grouped SLO."""
    if by:
        return f"sum by ({', '.join(by)}) (rate({series}[{window}]))"
    return f"sum(rate({series}[{window}]))"


def _sum(expr: str, by: tuple[str, ...] = ()) -> str:
    return f"sum by ({', '.join(by)}) ({expr})" if by else f"sum({expr})"


@dataclass(frozen=True)
class RuleParts:
    """What an SLO's recording rules are made of: they are a function of these alone (`sli_rules`,
    `metadata_rules`). `selector`, `sli` and `labels` are only put into the rules as they are, so SLOs whose
    parts differ in nothing else share one text of their rules, written once with stand-ins (`render_text`).

    >>> parts = rule_parts(slo)                           # doctest: +SKIP
    >>> parts.kind, parts.sli                             # doctest: +SKIP
    ('ratio', ('api_requests_total{code=~"5.."}', 'api_requests_total'))
    """

    kind: str  # "ratio", "latency" (classic buckets), "native", "boolean" or "query"
    sli: tuple[str, ...]  # ratio: errors, total; latency: _count, good _bucket; native, boolean: the selector;
    # query: the errors and total queries over {{window}}
    threshold: str  # native: the latency threshold as PromQL
    group_by: tuple[str, ...]
    selector: str  # the matchers of the SLO's own series
    labels: tuple[tuple[str, str], ...]  # the labels of its series
    naming: SeriesNaming
    rate_windows: tuple[str, ...]
    period: str
    period_days: int
    objective: str  # PromQL numbers: the objective as a ratio, and the error budget
    budget: str
    info: tuple[tuple[str, str], ...]  # Sloth's info series' extra labels (none under the default naming)


def rule_parts(slo: SLO) -> RuleParts:
    sli = slo.sli
    threshold = ""
    if isinstance(sli, QuerySLI):
        kind, texts = "query", (sli.errors, sli.total)
    elif isinstance(sli, BooleanSLI):
        kind, texts = "boolean", (with_matchers(sli.gauge, slo.filter),)
    elif isinstance(sli, LatencySLI) and sli.native:
        kind, texts = "native", (with_matchers(sli.histogram, sli.selector, slo.filter),)
        threshold = decimal_text(sli.threshold)
    elif isinstance(sli, LatencySLI):
        kind, texts = "latency", (
            with_matchers(f"{sli.histogram}_count", sli.selector, slo.filter),
            with_matchers(f"{sli.histogram}_bucket", sli.selector, slo.filter, le_matcher(sli.threshold)))
    else:
        kind, texts = "ratio", (with_matchers(sli.errors, slo.filter), with_matchers(sli.total, slo.filter))
    plan = slo.plan
    return RuleParts(kind=kind, sli=texts, threshold=threshold, group_by=slo.group_by, selector=selector(slo),
                     labels=tuple(series_labels(slo).items()), naming=plan.naming, rate_windows=plan.rate_windows,
                     period=slo.period, period_days=slo.period_days, objective=decimal_text(slo.objective_ratio),
                     budget=decimal_text(slo.error_budget),
                     info=tuple(plan.naming.info_labels(decimal_text(slo.objective)).items()))


def _samples(parts: RuleParts, function: str, window: str) -> str:
    """count_over_time or sum_over_time of the gauge, summed, per second of the window (samples per second)."""
    return _sum(f"{function}({parts.sli[0]}[{window}])", parts.group_by)


def total_expr(slo: SLO, window: str) -> str:
    return _total_expr(rule_parts(slo), window)


def bad_expr(slo: SLO, window: str) -> str:
    return _bad_expr(rule_parts(slo), window)


def _total_expr(parts: RuleParts, window: str) -> str:
    if parts.kind == "query":
        return substitute_window(parts.sli[1], window)
    if parts.kind == "boolean":
        return f"{_samples(parts, 'count_over_time', window)} / {duration_ms(window) // 1000}"
    if parts.kind == "native":
        return f"histogram_count({_sum(f'rate({parts.sli[0]}[{window}])', parts.group_by)})"
    return _sum_rate(parts.sli[0 if parts.kind == "latency" else 1], window, parts.group_by)


def _bad_expr(parts: RuleParts, window: str) -> str:
    if parts.kind == "boolean":
        # Samples that are 0: all samples minus the sum of the 0/1 values.
        return (f"(\n  {_samples(parts, 'count_over_time', window)}\n-\n  "
                f"{_samples(parts, 'sum_over_time', window)}\n) / {duration_ms(window) // 1000}")
    if parts.kind == "native":
        rate = _sum(f"rate({parts.sli[0]}[{window}])", parts.group_by)
        return f"histogram_count({rate})\n*\n(1 - histogram_fraction(0, {parts.threshold}, {rate}))"
    if parts.kind == "latency":
        return f"{_total_expr(parts, window)}\n-\n{_sum_rate(parts.sli[1], window, parts.group_by)}"
    # With no error series yet, bad events are 0, not absent: dashboards and budgets stay defined.
    # `or on()` adds the right side only when the left is empty.
    errors = (substitute_window(parts.sli[0], window) if parts.kind == "query"
              else _sum_rate(parts.sli[0], window, parts.group_by))
    return (f"{errors}\nor on ({', '.join(parts.group_by)})\n"
            f"0 * {names.slo_total_events_rate(window)}{parts.selector}")


def _record(name: str, expr: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"record": name, "expr": expr, "labels": labels}


def _sli_rules(parts: RuleParts) -> list[dict[str, Any]]:
    sel = parts.selector
    rules: list[dict[str, Any]] = []
    for window in parts.rate_windows:
        labels = _window_labels(parts, window)
        rules += [
            _record(names.slo_total_events_rate(window), _total_expr(parts, window), labels),
            _record(names.slo_bad_events_rate(window), _bad_expr(parts, window), labels),
            _record(names.slo_error_ratio(window),
                    f"{names.slo_bad_events_rate(window)}{sel}\n/\n{names.slo_total_events_rate(window)}{sel}",
                    labels),
        ]
    # Over the period: sums of the 5m rates, so the ratio stays weighted by traffic.
    bad, total = names.slo_bad_events_rate(CURRENT_WINDOW), names.slo_total_events_rate(CURRENT_WINDOW)
    rules.append(_record(names.slo_error_ratio(parts.period),
                         f"sum_over_time({bad}{sel}[{parts.period}])\n/\n"
                         f"sum_over_time({total}{sel}[{parts.period}])",
                         _window_labels(parts, parts.period)))
    return rules


def _metadata_rules(parts: RuleParts) -> list[dict[str, Any]]:
    labels = dict(parts.labels)
    sel = parts.selector
    budget = parts.budget
    return [
        _record(names.slo_objective(), f"vector({parts.objective})", labels),
        _record(names.slo_error_budget(), f"vector({budget})", labels),
        _record(names.slo_period_days(), f"vector({parts.period_days})", labels),
        _record(names.slo_current_burn_rate(), f"{names.slo_error_ratio(CURRENT_WINDOW)}{sel} / {budget}", labels),
        _record(names.slo_period_burn_rate(), f"{names.slo_error_ratio(parts.period)}{sel} / {budget}", labels),
        _record(names.slo_error_budget_remaining(), f"1 - {names.slo_period_burn_rate()}{sel}", labels),
    ]


def _info_rules(parts: RuleParts) -> list[dict[str, Any]]:
    """Sloth's info series, with its labels in order among the SLO's (so not shared as the others are)."""
    if not parts.info:
        return []
    return [_record(SLOTH_INFO, "vector(1)", dict(sorted({**dict(parts.labels), **dict(parts.info)}.items())))]


def good_slices_expr(slo: SLO, slices: Timeslices, over: str, after: str | None = None) -> str:
    """The share of good slices over `over`: each subquery step reads the error ratio recorded over the slice
    that ends there. `ratio == ratio` drops slices without events (0/0 is NaN); `after` (an epoch-seconds
    expression) drops the step on the range's left edge, which belongs to the slice before the range."""
    ratio = f"{names.slo_error_ratio(slices.window)}{selector(slo)}"
    good = f"({ratio} == {ratio}) <= bool {decimal_text(slices.bad_above)}"
    if after is not None:
        good = f"({good}) and on () (vector(time()) > {after})"
    return f"avg_over_time(\n  ({good})[{over}:{slices.window}]\n)"


def alert_expr(slo: SLO, tier: Tier) -> str:
    """Each enabled window pair of the tier: both windows above the threshold (and enough traffic), OR-ed.

    The minimum-traffic guard reads the short window's rate: the long window's rate is diluted while the service
    has less history than the window (7h of data in a 1d window reads as 7/24 of the real traffic), and would
    silence a fresh service's alerts; the short window is full within minutes to hours.
    """
    sel = selector(slo)
    plan = slo.plan
    branches = []
    for planned in plan.tier_pairs(tier):
        pair = planned.window
        conditions = [f"{names.slo_error_ratio(w)}{sel} > ({planned.threshold_text})" for w in (pair.long, pair.short)]
        if plan.guard is not None:
            conditions.append(f"{names.slo_total_events_rate(pair.short)}{sel} >= {exact_text(plan.guard)}")
        conditions = [plan.naming.without_window(condition) for condition in conditions]
        branches.append("(\n  " + "\nand\n  ".join(conditions) + "\n)")
    return "\nor\n".join(branches)


def summary(slo: SLO, tier: Tier) -> str:
    custom = slo.alerting.tier(tier).summary or slo.alerting.summary
    if custom:
        return custom
    return f"The {slo.name} SLO of {slo.service} is burning its error budget too fast ({tier})."


def description(slo: SLO, tier: Tier) -> str:
    """What fired, in words: each window pair's burn rate and how long the budget lasts at that rate."""
    windows = tuple((p.window.long, p.window.short, p.window.burn.numerator, p.window.burn.denominator)
                    for p in slo.plan.tier_pairs(tier))
    burning = _burning_text(slo.period_days, windows)
    guard = slo.alerting.min_events_per_second
    traffic = f" Only with at least {decimal_text(guard)} events/s." if guard is not None else ""
    intro = slo.description.rstrip(".") + ". " if slo.description else ""
    return (f"{intro}{slo.service} {slo.name} ({decimal_text(slo.objective)}% over {slo.period}) is burning "
            f"its error budget {burning}." + traffic)


# Stand-ins for the names in a description spelled once per shape. Names are slugs (a-z, 0-9 and '-', starting with
# a letter or digit): YAML writes them as they are in any style of scalar, and they change no scalar's style.
_SERVICE, _SLO = "zzservicezz", "zzslozz"


@lru_cache(maxsize=1024)
def _spelled_after_names(tail: str) -> tuple[str, str, str] | None:
    """'<service> <slo><tail>' as YAML, around the names: (before, between, after), or None if the tail holds a
    stand-in."""
    spelled = yaml_parts.scalar(f"{_SERVICE} {_SLO}{tail}")
    if spelled.count(_SERVICE) != 1 or spelled.count(_SLO) != 1:
        return None
    before, rest = spelled.split(_SERVICE)
    between, after = rest.split(_SLO)
    return before, between, after


def annotations_text(stack: Stack, slo: SLO, tier: Tier, key: str, indent: str) -> str:
    """`key:` with the alert's annotations under it, as YAML lines at `indent`: exactly
    `yaml_parts.under(key, alert_annotations(stack, slo, tier), indent)`. The description, which starts with
    the names unless the SLO has a description of its own, is spelled once per shape: the burn rates in words
    hold a sign that only PyYAML spells."""
    annotations = alert_annotations(stack, slo, tier)
    text = annotations["description"]
    names_first = f"{slo.service} {slo.name}"
    pieces = (_spelled_after_names(text[len(names_first):])
              if text.startswith(names_first) and "\n" not in text else None)
    if pieces is None:
        return yaml_parts.under(key, annotations, indent)
    before, between, after = pieces
    items = list(annotations.items())
    at = [name for name, _ in items].index("description")  # after the summary
    lines = [yaml_parts.under(key, dict(items[:at]), indent),
             f"{indent}  description: {before}{slo.service}{between}{slo.name}{after}\n"]
    if at + 1 < len(items):
        rest = yaml_parts.under(key, dict(items[at + 1:]), indent)
        lines.append(rest[rest.index("\n") + 1:])
    return "".join(lines)


@lru_cache(maxsize=1024)
def _burning_text(period_days: int, windows: tuple[tuple[str, str, int, int], ...]) -> str:
    """The window pairs in words; the same for every SLO of one shape, so worked out once per shape."""
    parts = []
    for long, short, numerator, denominator in windows:
        burn = Fraction(numerator, denominator)
        lasts = human_hours(Fraction(period_days * 24) / burn)
        if not parts:
            parts.append(f"{human_number(burn)}{TIMES} faster than sustainable over {long} and "
                         f"{short} (at that rate the {period_days}-day budget is gone in {lasts})")
        else:
            parts.append(f"{human_number(burn)}{TIMES} over {long} and {short} (gone in {lasts})")
    return ", or ".join(parts)


def runbook_url(stack: Stack, slo: SLO, tier: Tier) -> str | None:
    if slo.alerting.runbook_url or stack.runbook_url_pattern is None:
        return slo.alerting.runbook_url
    return stack.runbook_url_pattern.format(service=slo.service, alertname=slo.alert_name(tier))


def alert_labels(slo: SLO, tier: Tier) -> dict[str, str]:
    """The labels the alerting rule adds (the series add service, slo and the SLO's labels)."""
    settings = slo.alerting.tier(tier)
    return {"severity": settings.severity, slo.plan.naming.tier_label: str(tier), **slo.alerting.labels,
            **settings.labels}


def alert_annotations(stack: Stack, slo: SLO, tier: Tier) -> dict[str, str]:
    settings = slo.alerting.tier(tier)
    title = settings.title or slo.alerting.title
    return {
        "summary": summary(slo, tier),
        **({"title": title} if title else {}),
        "description": description(slo, tier),
        **({"runbook_url": url} if (url := runbook_url(stack, slo, tier)) else {}),
        **({"dashboard_url": url} if (url := stack.dashboard_url(slo.service, slo=True)) else {}),
        **dict(sorted({**slo.alerting.annotations, **settings.annotations}.items())),
    }


def alert_rule(stack: Stack, slo: SLO, tier: Tier) -> dict[str, Any]:
    return {**_alert_head(slo, tier), "annotations": alert_annotations(stack, slo, tier)}


def _alert_head(slo: SLO, tier: Tier) -> dict[str, Any]:
    """An alert rule without its annotations."""
    data: dict[str, Any] = {"alert": slo.alert_name(tier), "expr": alert_expr(slo, tier)}
    settings = slo.alerting.tier(tier)
    if settings.for_:
        data["for"] = settings.for_
    data["labels"] = alert_labels(slo, tier)
    return data


def inhibit_rules(stack: Stack) -> list[dict[str, Any]]:
    """A firing page inhibits the ticket of the same SLO and the same group: one rule covers every SLO whose plan
    has both tiers (one per naming: Sloth's labels need their own).

    An SLO grouped by labels (group_by) alerts for each group apart: a page for route="/pay" must not silence the
    ticket for route="/cart". The rule's `equal` holds every label any of these SLOs groups by; for an SLO that
    does not group by one of them, its page and ticket both lack it, and Alertmanager reads a missing label as an
    empty value on both sides, which is equal."""
    namings = {slo.plan.naming.style: slo.plan.naming for slo in stack.slos if set(slo.plan.tiers) == set(Tier)}
    grouped: dict[str, set[str]] = {style: set() for style in namings}
    for slo in stack.slos:
        if slo.plan.naming.style in grouped:
            grouped[slo.plan.naming.style].update(slo.group_by)
    return [{"source_matchers": [f'{naming.tier_label}="{Tier.PAGE}"'],
             "target_matchers": [f'{naming.tier_label}="{Tier.TICKET}"'],
             "equal": [naming.service_label, naming.slo_label, *sorted(grouped[style])]}
            for style, naming in sorted(namings.items())]


def rule_group(stack: Stack, slo: SLO) -> dict[str, Any]:
    parts = rule_parts(slo)
    rules = (_sli_rules(parts) + _metadata_rules(parts) + _info_rules(parts)
             + [alert_rule(stack, slo, tier) for tier in slo.plan.tiers])
    return {"name": names.slo_rule_group(slo.service, slo.name), "rules": rules}


def render(stack: Stack, slo: SLO) -> dict[str, Any]:
    """The rule file of one SLO, as plain data."""
    return {"groups": [rule_group(stack, slo)]}


# --- the rule file as text ---------------------------------------------------------------------------------------
# The recording rules are a function of `RuleParts` alone, and put its selector, SLI selectors and labels into
# the rules as they are. They are written as YAML once for stand-in texts (per set of the other parts: a shape),
# and each SLO's texts replace the stand-ins. That gives exactly the YAML of the SLO's own rules when its texts
# are neutral: printable ASCII without ':', '#' or "'", no space at either end. YAML writes such text as it is
# inside any plain, single-quoted or literal-block scalar, and it changes no scalar's style: it cannot make a ': '
# or ' #', needs no quote doubled or escape. Only a query SLI's text can start a scalar, or be all of it: it must
# also start with a letter (no indicator) and hold a '(' (so YAML cannot read it as a number, a date or true).
# SLOs with other texts are written from plain data.
_SELECTOR = "zzselectorzz"
_LABELS = "zzlabelszz"
_LABEL_LINE = f"      {_LABELS}: x\n"


def _stand_in(number: int, query: bool) -> str:
    """The stand-in of the SLI's text `number`; a query's takes the window (as `zzsli0zz5mzz` in the rules)."""
    return f"zzsli{number}zz{WINDOW_PLACEHOLDER}zz" if query else f"zzsli{number}zz"


def _neutral(text: str) -> bool:
    return (text.isascii() and text.isprintable() and text == text.strip() and ":" not in text and "#" not in text
            and "'" not in text)


def _stand_ins(parts: RuleParts) -> dict[str, str]:
    """Each stand-in as it appears in the rules, and the SLO's text that replaces it."""
    texts = {_SELECTOR: parts.selector}
    if parts.kind != "query":
        return texts | {_stand_in(n, False): text for n, text in enumerate(parts.sli)}
    return texts | {substitute_window(_stand_in(n, True), window): substitute_window(text, window)
                    for n, text in enumerate(parts.sli) for window in parts.rate_windows}


@lru_cache(maxsize=1024)
def _recording_text(shape: RuleParts, stand_ins: tuple[str, ...]) -> tuple[str, ...]:
    """The recording rules of `shape` (parts with stand-ins) as YAML list items, split around the stand-ins:
    every odd piece is one."""
    text = yaml_parts.items(_sli_rules(shape) + _metadata_rules(shape), "  ")
    return tuple(re.split(f"({'|'.join(map(re.escape, stand_ins))})", text))


def render_text(stack: Stack, slo: SLO, header: str = "") -> str:
    """The rule file of one SLO as YAML after `header`: exactly `to_yaml(render(stack, slo), header)`, its
    recording rules written once per shape."""
    parts = rule_parts(slo)
    texts = _stand_ins(parts)
    query = parts.kind == "query"
    if not all(_neutral(text) and (not query or key == _SELECTOR or (text[:1].isalpha() and "(" in text))
               for key, text in texts.items()):
        return to_yaml(render(stack, slo), header)
    shape = replace(parts, selector=_SELECTOR, sli=tuple(_stand_in(n, query) for n in range(len(parts.sli))),
                    labels=((_LABELS, "x"),))
    texts[_LABEL_LINE] = _TEXTS.text(("labels", parts.naming, tuple(slo.labels.items())), stack, slo, _labels_lines)
    pieces = list(_recording_text(shape, tuple(texts)))
    pieces[1::2] = [texts[stand_in] for stand_in in pieces[1::2]]
    recording = "".join(pieces)
    info = _info_rules(parts)
    return (header + _TEXTS.text(("group",), stack, slo, _group_head)
            + f"{recording}{yaml_parts.items(info, '  ') if info else ''}"
            + "".join(_alert_text(stack, slo, tier) for tier in slo.plan.tiers))


def _labels_lines(stack: Stack, slo: SLO) -> str:
    """The labels of the SLO's series as the lines under `labels:` of a rule (not the list item's "- ")."""
    return "      " + yaml_parts.items([series_labels(slo)], "    ")[6:]


def _group_head(stack: Stack, slo: SLO) -> str:
    return f"groups:\n- name: {yaml_parts.scalar(names.slo_rule_group(slo.service, slo.name))}\n  rules:\n"


def _alert_text(stack: Stack, slo: SLO, tier: Tier) -> str:
    """`alert_rule` as a YAML list item at indent 2, written once per key with the SLO's names put in."""
    return _TEXTS.text(("rule", stand_ins.alert_key(slo, tier)), stack, slo,
                       lambda stack, slo: _plain_alert_text(stack, slo, tier))


# The SLO's own lines of its rule file, written once per key with stand-ins for its names.
_TEXTS = stand_ins.NamedTexts()


def _plain_alert_text(stack: Stack, slo: SLO, tier: Tier) -> str:
    return yaml_parts.items([_alert_head(slo, tier)], "  ") + annotations_text(stack, slo, tier, "annotations", "    ")


# Traffic assumed by the "single error pages" warning when an SLO sets no minimum-traffic guard.
ASSUMED_EVENTS_PER_SECOND = Decimal(1)


def warnings(slo: SLO) -> list[str]:
    """Advice that does not stop generation: the plan's (a pair that fires only once the budget is spent), and
    an objective so tight that one bad event pages."""
    advice = list(slo.plan.warnings)
    key = (slo.plan.text_key, slo.objective, slo.alerting.min_events_per_second)
    tight = _TIGHT[key] if key in _TIGHT else keep(_TIGHT, key, tight_objective(slo), 4096)
    return advice if tight is None else [*advice, f"slo {slo.name!r}: {tight}"]


# tight_objective per plan (its pairs and budget), objective and guard: all it reads.
_TIGHT: dict[tuple[object, ...], str | None] = {}


def tight_objective(slo: SLO) -> str | None:
    """Why one bad event pages (to follow "slo '<name>': "), or None when it does not."""
    pages = [p.window for p in slo.plan.tier_pairs(Tier.PAGE)]
    if not pages:
        return None
    fastest = min(pages, key=lambda p: p.long_ms)
    threshold = slo.threshold(fastest)
    guard = slo.alerting.min_events_per_second
    rate = Fraction(guard if guard is not None else ASSUMED_EVENTS_PER_SECOND)
    events = rate * fastest.long_ms / 1000
    if 1 / events <= threshold:
        return None
    needed = 1 / (threshold * fastest.long_ms / 1000)
    at = f"at the minimum traffic of {decimal_text(rate)} events/s" if guard is not None else (
        f"at {decimal_text(rate)} event/s (no alerting.min_events_per_second set)")
    return (f"objective {decimal_text(slo.objective)}% is so tight that a single bad event pages: "
            f"{at} the {fastest.long} window holds {decimal_text(events)} events and the page threshold is an error "
            f"ratio of {exact_text(threshold)}; set alerting.min_events_per_second above "
            f"{human_number(needed).lstrip('~')} or loosen the objective")
