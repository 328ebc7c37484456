"""File patterns a configuration of out/ names (file_sd files, rule_files, Alertmanager templates), looked at
before a tool reads what they match: a FIFO makes promtool or amtool wait for a writer for ever, a device such as
/dev/zero fills memory, and a file outside out/ is no file the checks have seen (a tool may print a line of it).

Prometheus and Alertmanager match patterns with Go's filepath.Glob, relative ones from the directory of the
configuration. Two differences from Python's glob matter here, since each would hide a match from the look that
the tool then reads: Go's `*` matches a name starting with a dot, and Go negates a class with `[^...]`.

    odd_match(matches("targets/*.json", Path("out/prometheus")))  # None, or the first match that is no file
"""

from __future__ import annotations

import glob
import os
from pathlib import Path


def full_pattern(pattern: str, base: Path) -> str:
    """pattern as the tool reads it: a relative one from base, the directory of the configuration."""
    return pattern if os.path.isabs(pattern) else os.path.join(base, pattern)


def matches(pattern: str, base: Path) -> list[str]:
    """What the tool's glob matches of pattern (relative to base), sorted."""
    as_python = full_pattern(pattern, base).replace("[^", "[!")
    return sorted(glob.glob(as_python, include_hidden=True))


def odd_match(found: list[str]) -> str | None:
    """The first of found that is not a regular file (a FIFO, a device, a directory, a link to nothing), or None."""
    return next((match for match in found if not os.path.isfile(match)), None)


def leaves(pattern: str, base: Path, root: Path) -> bool:
    """Whether pattern (relative to base) can match anything outside root, read without following links: out/
    holds none (the readers refuse a tree with one), so the spelling decides."""
    top = os.path.normpath(os.path.abspath(root))
    return os.path.commonpath([top, os.path.normpath(os.path.abspath(full_pattern(pattern, base)))]) != top


def problem(field: str, pattern: str, base: Path, root: Path | None, tool: str) -> str | None:
    """Why tool must not read what pattern matches, naming field and pattern, or None. With root, a pattern
    that leads outside it is refused too, whether or not it matches anything here."""
    if root is not None and leaves(pattern, base, root):
        return f"{field}: pattern {pattern!r} leads outside {root}, where generate writes every file it names"
    odd = odd_match(matches(pattern, base))
    if odd is not None:
        return (f"{field}: pattern {pattern!r} matches {odd}, which is not a regular file: {tool} would wait on it "
                "or fail")
    return None
