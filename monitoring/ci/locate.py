"""Where the Python definition behind a finding was made: findings name definitions ("alert 'AppErrors'")."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from monitoring.ci.report import Finding

_SITE = re.compile(r"^(?P<file>.+):(?P<line>\d+)$")


def definition_sites(stack: Any) -> dict[str, str]:
    """How messages name each definition ("alert 'AppErrors'") -> 'file:line' where the user's code made it."""
    sites: dict[str, str] = {}

    def visit(value: Any) -> None:
        if isinstance(value, BaseModel):
            site = getattr(value, "defined_at", None)
            named = getattr(value, "named", None)
            if site and named:
                sites.setdefault(named, site)
            for key in type(value).model_fields:
                visit(getattr(value, key))
        elif isinstance(value, tuple | list):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)

    visit(stack)
    return sites


def finding(message: str, sites: dict[str, str]) -> Finding:
    """The finding, placed at the most specific definition it names (the one named last, as messages go
    from the outside in: "service 'api', rule group 'api.alerts', alert 'APIErrors'"); or at a file:line the
    message itself starts with."""
    best: tuple[int, str] | None = None
    for named, site in sites.items():
        at = message.rfind(named)
        if at >= 0 and (best is None or at > best[0]):
            best = (at, site)
    site = best[1] if best else None
    if site is None:
        head = message.split(": ", 1)[0].split(" ", 1)[0].strip("()")
        site = head if _SITE.match(head) else None
    match = _SITE.match(site) if site else None
    if match is None:
        return Finding(message)
    return Finding(message, match["file"], int(match["line"]))
