"""Error messages name where a definition was made ("alert 'X' (file.py:12): ..."); unit tests that build
definitions in their own files compare the rest of the message."""

from __future__ import annotations

import re

from monitoring.errors import DefinitionError

_SITE = re.compile(r" \((?:[^()\s]+):\d+\)(?=:)")


def without_site(error: DefinitionError) -> str:
    """The message without its ' (file:line)' part; fails if the error does not say where."""
    assert error.where, f"the error does not say where the definition was made: {error}"
    assert f"({error.where})" in str(error)
    return _SITE.sub("", str(error), count=1)
