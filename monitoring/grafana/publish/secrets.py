"""Secrets in messages: every form in which a credential could be echoed back, replaced before anything prints.

A proxy or Grafana itself may echo the Authorization header in an error, as it is, as a Python or JSON string,
base64-encoded (Basic auth, or a JSON body someone encoded) or URL-encoded. A `Redactor` knows all these
forms of each secret, and it redacts *before* a message is cut or formatted, so a cut never leaves a prefix.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from monitoring.units import strip_userinfo, unsafe_character

MASK = "***"
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


def check_credential(name: str, value: str | None) -> str | None:
    """value unless it holds whitespace or a control character (a trailing CR or LF from a .env file, most
    often), which would end up in a header, or a character outside printable ASCII; the message never shows the
    value.

    Why refuse non-ASCII rather than redact it: requests sends a header as Latin-1, so `é` goes out as one byte,
    which an echo may show as Latin-1 or as UTF-8 read as Latin-1, inside base64 of user:password in either
    encoding, percent-encoded or JSON-escaped: no list of spellings is complete, and a character outside Latin-1
    cannot be sent at all. Grafana's tokens are ASCII, and basic auth is ASCII in practice (RFC 7617 leaves the
    charset to the server). With ASCII alone, every encoding spells the secret with the same bytes, and the
    Redactor's spellings are all there are."""
    if value is None:
        return None
    bad = unsafe_character(value)
    if bad:
        what = {"\n": "a line feed", "\r": "a carriage return", "\t": "a tab", " ": "a space"}.get(
            bad.group(), "a control character")
        raise ValueError(f"{name} contains {what} at offset {bad.start()} of {len(value)} characters "
                         "(a CRLF .env file or a CI variable with a trailing newline?); the value is not shown")
    wide = _NOT_ASCII.search(value)
    if wide:
        raise ValueError(f"{name} contains a character that is not ASCII at offset {wide.start()} of {len(value)} "
                         "characters: credentials go in an HTTP header, which carries ASCII only (Grafana's tokens "
                         "are ASCII); the value is not shown")
    return value


def _base64_cores(secret: bytes) -> Iterable[str]:
    """The part of base64(prefix + secret + suffix) that depends on secret alone, for each alignment."""
    for align in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * align + secret).decode()
            start = -(-8 * align // 6)  # the first character made only of the secret's bits
            end = 8 * (align + len(secret)) // 6
            yield encoded[start:end]


def variants(secret: str) -> set[str]:
    """Every spelling of secret an echo may carry: raw, repr, JSON, URL-encoded, base64 at any alignment."""
    raw = secret.encode("utf-8", "surrogatepass")
    forms = {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
             quote(secret, safe=""), quote(secret), quote_plus(secret), *(_base64_cores(raw))}
    return {form for form in forms if len(form) >= 4}


class Redactor:
    """Replaces every known secret, in every spelling, with ***. Use it before cutting a message."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= 4:
                forms |= variants(secret)
        # Longest first, so that 'Bearer x' goes before 'x' and no fragment survives.
        self._pattern = re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))) \
            if forms else None

    def __call__(self, text: str) -> str:
        text = strip_userinfo(text)
        return self._pattern.sub(MASK, text) if self._pattern is not None else text

    def cut(self, text: str, limit: int = 300) -> str:
        """Redacted, folded to one line, then cut: the order that never leaks a prefix."""
        text = " ".join(self(text).split())
        return text if len(text) <= limit else f"{text[:limit]}…"
