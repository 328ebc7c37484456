"""Texts of SLOs that differ only in their names, written once.

An SLO's alerts, expected alerts and metadata checks name its service, its own name, its alert names and its
service's SLO dashboard, and are otherwise the same for every SLO of one key (the plan, labels and settings they
depend on). `NamedTexts` writes such a text once per key for an SLO with stand-in names, and puts each SLO's
names in:

    >>> texts = NamedTexts()
    >>> texts.text(key, stack, slo, lambda stack, slo: alert_text(stack, slo))   # doctest: +SKIP

A text is only used when a second set of stand-ins, put in for the first, gives exactly what writing the second
set gives: names that are not simply put into the text (cut, hashed, changed in case) or stand-ins that the
SLO's other texts happen to hold are found, and such SLOs are written plainly (as they are when the runbook URL
pattern has a conversion or format spec). The real names must also be written as they are wherever a name can
stand alone (a label value, an alert name): service and SLO names are slugs (lower-case letters, digits and '-',
so they never hold a stand-in, which has upper-case letters), YAML writes them plain, and inside a longer scalar
they change neither its style nor how YAML reads it.
"""

from __future__ import annotations

import dataclasses
import re
import string
from collections.abc import Callable, Hashable
from functools import lru_cache

from monitoring import conventions
from monitoring.bounded import keep, kept_for
from monitoring.model.slo import SLO, AlertTier
from monitoring.model.stack import Stack
from monitoring.output.yaml_parts import scalar
from monitoring.slo.windows import Tier
from monitoring.units import SLUG

# (service, SLO name, alert base) of the two sets of stand-ins.
_FIRST = ("SERVICEzA", "SLOzA", "AlertBasezA")
_SECOND = ("XSERVICEzB0-1", "XSLOzB2-3", "XAlertBasezB01")
_ALERT_BASE = re.compile(r"\A[A-Za-z][A-Za-z0-9]*\Z")

Write = Callable[[Stack, SLO], str]
_UNSEEN, _SEEN_ONCE = object(), object()


def stand_in(slo: SLO, service: str, name: str, alert_base: str) -> SLO:
    """The SLO with other names (and the alert names made from `alert_base`), everything else the same."""
    copy = slo._trusted_copy({"service": service, "name": name,
                              "alerting": slo.alerting._trusted_copy({"name": alert_base})})
    plan = slo.plan
    copy.__pydantic_private__["_plan"] = dataclasses.replace(  # type: ignore[index]
        plan, service=service, name=name,
        alert_names={tier: conventions.slo_alert_name(alert_base, tier) for tier in plan.alert_names})
    return copy


class NamedTexts:
    """Texts written once per key for stand-in names (see the module docstring). The key must hold everything
    the text depends on but the SLO's service, name and alert names and its service's SLO dashboard URL.
    Bounded, the least recently used out first.

        texts = NamedTexts()
        texts.text(("alert", tier, ...), stack, slo, write)   # == write(stack, slo)
    """

    def __init__(self, kept: int = 1024) -> None:
        self._pieces: dict[Hashable, tuple[str, ...] | object | None] = {}
        self._kept = kept

    def text(self, key: Hashable, stack: Stack, slo: SLO, write: Write) -> str:
        """write(stack, slo), from the text of the key when the SLO's names allow."""
        stack_key, names = _names(stack, slo)
        if names is None:
            return write(stack, slo)
        key = (key, stack_key)
        found = self._pieces.pop(key, _UNSEEN)
        if found is _UNSEEN or found is _SEEN_ONCE:
            # Writing the text for stand-ins costs two plain writings: only worth it for a key that recurs.
            found = _SEEN_ONCE if found is _UNSEEN else _pieces(stack, slo, write)
        keep(self._pieces, key, found, self._kept)  # the most recently used last: the least recently used goes first
        if not isinstance(found, tuple):
            return write(stack, slo)
        filled = list(found)
        filled[1::2] = [names[piece] for piece in found[1::2]]
        return "".join(filled)


# Each SLO's _names, kept per SLO: its rules, its tests and its dashboard row ask for several texts each, in units
# of work that run apart. For one stack at a time (the last asked), which alone is then kept alive; within it, per
# SLO (see bounded.kept_for).
_NAMES_KEPT = 8192
_names_of: tuple[Stack, dict[int, tuple[SLO, tuple[Hashable, dict[str, str] | None]]]] | None = None


def _names(stack: Stack, slo: SLO) -> tuple[Hashable, dict[str, str] | None]:
    """What the stack adds to every key (the runbook URLs' pattern, whether and where SLO dashboards are linked),
    and each stand-in with the SLO's name for it, or None when they cannot be put in."""
    global _names_of
    memo = _names_of
    if memo is None or memo[0] is not stack:
        memo = _names_of = (stack, {})
    return kept_for(memo[1], slo, _worked_out_names, _NAMES_KEPT, stack)  # (one store per stack)


def _worked_out_names(slo: SLO, stack: Stack) -> tuple[Hashable, dict[str, str] | None]:
    stand_in_url, url = stack.dashboard_url(_FIRST[0], slo=True), stack.dashboard_url(slo.service, slo=True)
    names: dict[str, str] | None = None
    base = slo.alert_base
    if _names_as_they_are(stack.runbook_url_pattern) and _plain_names(slo.service, slo.name, base, url):
        names = {_FIRST[0]: slo.service, _FIRST[1]: slo.name, _FIRST[2]: base}
        if stand_in_url is not None and url is not None:
            names[stand_in_url] = url
    return (stack.runbook_url_pattern, stand_in_url), names


def alert_key(slo: SLO, tier: Tier) -> Hashable:
    """Everything a tier's alert (and the expected alert of a test) depends on but the names: the plan's pairs
    of the tier, the SLO's labels, description and objective, and every alerting setting but the alert name."""
    plan = slo.plan
    alerting = slo.alerting
    return (tier, plan.text_key, slo.objective, slo.description,
            tuple(slo.labels.items()), alerting.min_events_per_second, alerting.runbook_url,
            tuple(alerting.labels.items()), tuple(alerting.annotations.items()), alerting.summary, alerting.title,
            _tier_key(alerting.page), _tier_key(alerting.ticket))


def _tier_key(tier: AlertTier) -> Hashable:
    return (tier.enabled, tier.severity, tier.for_, tuple(tier.labels.items()), tuple(tier.annotations.items()),
            tier.summary, tier.title)


def _pieces(stack: Stack, slo: SLO, write: Write) -> tuple[str, ...] | None:
    """The text for the first stand-ins split around them (every odd piece is one, the stand-in SLO dashboard
    URL among them); None when putting the second set in for the first does not give the second's text."""
    first, second = stand_in(slo, *_FIRST), stand_in(slo, *_SECOND)
    urls = (stack.dashboard_url(_FIRST[0], slo=True), stack.dashboard_url(_SECOND[0], slo=True))
    stand_ins = [*_FIRST, *([urls[0]] if urls[0] is not None else [])]
    pieces = re.split("(" + "|".join(map(re.escape, sorted(stand_ins, key=len, reverse=True))) + ")",
                      write(stack, first))
    seconds = dict(zip(stand_ins, [*_SECOND, urls[1]], strict=False))
    filled = list(pieces)
    filled[1::2] = [seconds[piece] for piece in pieces[1::2]]
    if "".join(filled) != write(stack, second):
        return None
    return tuple(pieces)


def _plain_names(service: str, name: str, alert_base: str, url: str | None) -> bool:
    """Whether the names are written as they are, alone or inside a scalar (see the module docstring)."""
    return (bool(SLUG.match(service)) and bool(SLUG.match(name)) and bool(_ALERT_BASE.match(alert_base))
            and _plain(service) and _plain(name) and _plain(f"{service}-{name}")
            and _plain(conventions.slo_alert_name(alert_base, "page"))
            and (url is None or _plain(url)))


@lru_cache(maxsize=64)
def _names_as_they_are(pattern: str | None) -> bool:
    """Whether the runbook URL pattern puts the names in as they are (no conversion or format spec, which could
    cut, pad or quote them)."""
    return pattern is None or all(not spec and conversion is None
                                  for _, field, spec, conversion in string.Formatter().parse(pattern)
                                  if field is not None)


@lru_cache(maxsize=16_384)
def _plain(text: str) -> bool:
    """YAML writes the text as it is."""
    return scalar(text) == text
