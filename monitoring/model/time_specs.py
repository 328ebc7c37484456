"""The parts of an Alertmanager time interval that are text: day, month and year ranges, and time zones.

Alertmanager's rules (docs, configuration.md, time_interval): every item is a value or an inclusive range
'start:end' with start not after end; weekdays are names, months names or 1-12 (names in any case);
days_of_month are 1..31 or, counted from the end of the month, -31..-1 (a range from a negative day ends on
one; a negative day is compared as in a month of 28 days, as Alertmanager compares it);
years are whole years. amtool refuses a reversed range or a day 0 or 32; it accepts a month 13 or a year 0,
which can never match, so they are refused here too.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")


def _number(text: str) -> int | None:
    """text as an integer, when it is one written plainly ('-3', '12'); Alertmanager reads no spaces or '+'."""
    digits = text.removeprefix("-")
    return int(text) if digits.isascii() and digits.isdigit() else None


def _weekday(text: str) -> int | None:
    return WEEKDAYS.index(text.lower()) if text.lower() in WEEKDAYS else None


def _month(text: str) -> int | None:
    if text.lower() in MONTHS:
        return MONTHS.index(text.lower()) + 1
    number = _number(text)
    return number if number is not None and 1 <= number <= 12 else None


def _day_of_month(text: str) -> int | None:
    number = _number(text)
    return number if number is not None and (1 <= number <= 31 or -31 <= number <= -1) else None


def _year(text: str) -> int | None:
    number = _number(text)
    return number if number is not None and number >= 1 else None


def _ranges(field: str, specs: tuple[str, ...], item: Callable[[str], int | None], what: str) -> tuple[str, ...]:
    """specs if each is an item or an inclusive range 'start:end' of items in order; else a ValueError saying
    what an item is (`what`)."""
    for spec in specs:
        parts = spec.split(":")
        values = [item(part) for part in parts]
        if len(parts) > 2 or None in values:
            raise ValueError(f"{field}: {spec!r} must be {what}, or a range of them like 'start:end'")
        start, end = values[0], values[-1]
        assert start is not None and end is not None
        if start < 0 < end:  # only days of month are negative: counted from the month's end
            raise ValueError(f"{field}: {spec!r} starts counting from the end of the month and ends counting from "
                             "its start: give the end negative too (-3:-1), or start positive (16:-1)")
        # A negative day, counted from the month's end, is compared as in the shortest month (28 days), as
        # Alertmanager compares it: 16:-1 runs to the last day, 28:-1 is before its start in February.
        if (28 + start if start < 0 else start) > (28 + end if end < 0 else end):
            raise ValueError(f"{field}: {spec!r} is reversed: a range runs forward from its start to its end, "
                             "inclusive, and does not wrap around (give two items for one that would)")
    return specs


def weekdays(specs: tuple[str, ...]) -> tuple[str, ...]:
    return _ranges("weekdays", specs, _weekday, "a weekday (monday to sunday)")


def days_of_month(specs: tuple[str, ...]) -> tuple[str, ...]:
    return _ranges("days_of_month", specs, _day_of_month,
                   "a day of the month, 1 to 31, or -31 to -1 counting back from its last day")


def months(specs: tuple[str, ...]) -> tuple[str, ...]:
    return _ranges("months", specs, _month, "a month, january to december or 1 to 12")


def years(specs: tuple[str, ...]) -> tuple[str, ...]:
    return _ranges("years", specs, _year, "a year such as 2030")


def time_zone(field: str, zone: str, *, local: bool = False) -> str:
    """zone if it is an IANA time zone ('UTC', 'Europe/Berlin'), or 'Local' when `local` allows the server's own
    (Go's time.LoadLocation, which Alertmanager uses, knows it); else a ValueError naming `field`."""
    if local and zone == "Local":
        return zone
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: 'Europe' is a directory
        raise ValueError(f"{field} {zone!r} is not an IANA time zone such as 'UTC' or 'Europe/Berlin'") from None
    return zone


# The reader of each calendar field of a time interval, by its name.
CALENDAR_FIELDS: dict[str, Callable[[tuple[str, ...]], tuple[str, ...]]] = {
    "weekdays": weekdays, "days_of_month": days_of_month, "months": months, "years": years}
