"""Value types shared by the model: durations, names and label sets, each validated on load."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_DURATION = re.compile(
    r"^(?:(?P<y>\d+)y)?(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?"
    r"(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?(?:(?P<ms>\d+)ms)?$"
)
_UNIT_MS = {"y": 365 * 86_400_000, "w": 7 * 86_400_000, "d": 86_400_000, "h": 3_600_000,
            "m": 60_000, "s": 1000, "ms": 1}

METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
SLUG = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
CAMEL_CASE = re.compile(r"^[A-Z][a-zA-Z0-9]*$")


def duration_ms(text: str) -> int:
    """Milliseconds in a Prometheus duration such as '1h30m'."""
    match = _DURATION.match(text)
    if not text or match is None:
        raise ValueError(f"invalid duration {text!r}: use Prometheus units like '30s', '5m', '1h30m'")
    return sum(int(v) * _UNIT_MS[unit] for unit, v in match.groupdict().items() if v)


def duration_seconds(text: str) -> float:
    return duration_ms(text) / 1000


def format_duration(ms: int) -> str:
    """The canonical Prometheus spelling of a duration in milliseconds ('90000' -> '1m30s')."""
    if ms == 0:
        return "0s"
    parts = []
    for unit in ("d", "h", "m", "s", "ms"):
        count, ms = divmod(ms, _UNIT_MS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _duration(text: str) -> str:
    duration_ms(text)
    return text


def _positive_duration(text: str) -> str:
    if duration_ms(text) == 0:
        raise ValueError(f"duration {text!r} must be greater than zero")
    return text


def _label_name(text: str) -> str:
    if not LABEL_NAME.match(text) or text.startswith("__"):
        raise ValueError(f"invalid label name {text!r}: use [a-zA-Z_][a-zA-Z0-9_]*, not starting with '__'")
    return text


def _metric_name(text: str) -> str:
    if not METRIC_NAME.match(text):
        raise ValueError(f"invalid metric name {text!r}: use [a-zA-Z_:][a-zA-Z0-9_:]*")
    return text


def _slug(text: str) -> str:
    if not SLUG.match(text):
        raise ValueError(f"invalid name {text!r}: use lower-case letters, digits and '-'")
    return text


def _labels(labels: dict[str, str]) -> dict[str, str]:
    for key in labels:
        _label_name(key)
    return dict(sorted(labels.items()))


Duration = Annotated[str, AfterValidator(_duration)]
PositiveDuration = Annotated[str, AfterValidator(_positive_duration)]
LabelName = Annotated[str, AfterValidator(_label_name)]
MetricName = Annotated[str, AfterValidator(_metric_name)]
Slug = Annotated[str, AfterValidator(_slug)]
Labels = Annotated[dict[str, str], AfterValidator(_labels)]


def require_unique(what: str, names: list[str]) -> None:
    """ValueError naming the first name that repeats."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"duplicate {what} name {name!r}")
        seen.add(name)
