"""Alertmanager matchers read exactly as Alertmanager 0.25 reads them (pkg/labels/parse.go: ParseMatchers and
ParseMatcher), so that the model's check, the import of alertmanager.yml, the AlertmanagerConfig renderer and
the Operator merge never disagree with Alertmanager (or with each other) about a matcher's name, operator or
value.

    parse_matcher('code=~"5\\\\d\\\\d"') == ("code", "=~", "5\\\\d\\\\d")
    split_matchers('{team="db", severity=critical}') == ['team="db"', ' severity=critical']
"""

from __future__ import annotations

import re

OPERATORS = ("=~", "=", "!=", "!~")
# ParseMatcher's pattern: a label name, an operator, the rest a value, all trimmed. Go's \s is ASCII only, and
# its `=~` comes before `=` so that `=~` is never read as `=` and a value starting with `~`.
_WHITESPACE = "[\t\n\f\r ]"
_MATCHER = re.compile(rf"\A{_WHITESPACE}*([a-zA-Z_:][a-zA-Z0-9_:]*){_WHITESPACE}*(=~|=|!=|!~)"
                      rf"{_WHITESPACE}*(.*?){_WHITESPACE}*\Z", re.DOTALL)
# The escapes a value may hold: any other backslash is the character itself.
_ESCAPES = {"n": "\n", '"': '"', "\\": "\\"}


def split_matcher(text: str) -> tuple[str, str, str]:
    """(name, operator, raw value) of one matcher: the value as written, quotes and escapes and all. The
    operator is the first one after the name, never text inside the value (`summary="a!=b"`)."""
    match = _MATCHER.match(text)
    if match is None:
        raise ValueError(f"matcher {text!r} does not parse: it must look like name=\"value\" (operators =, !=, "
                         "=~, !~)")
    name, op, raw = match.groups()
    return name, op, raw


def parse_matcher(text: str) -> tuple[str, str, str]:
    """(name, operator, value) of one matcher, the value decoded as Alertmanager decodes it."""
    name, op, raw = split_matcher(text)
    return name, op, unescape(raw, text)


def unescape(raw: str, text: str) -> str:
    """The value Alertmanager reads from a matcher's raw value: optional enclosing quotes, and within them the
    escapes \\" \\\\ and \\n; any other backslash is itself (`\\d` stays a regex class). text names the matcher in
    errors."""
    quoted = raw.startswith('"')
    body = raw[1:] if quoted else raw
    if quoted and (len(body) == 0 or not body.endswith('"') or _escaped_at_end(body[:-1])):
        raise ValueError(f"matcher {text!r}: the value's opening double quote is not closed")
    body = body[:-1] if quoted else body
    value, index = [], 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            following = body[index + 1]
            value.append(_ESCAPES.get(following, "\\" + following))
            index += 2
            continue
        if char == '"':
            raise ValueError(f"matcher {text!r}: the value holds an unescaped double quote")
        value.append(char)
        index += 1
    return "".join(value)


def _escaped_at_end(text: str) -> bool:
    """Whether text ends in an odd run of backslashes, which would escape a quote after it."""
    return (len(text) - len(text.rstrip("\\"))) % 2 == 1


def quote(value: str) -> str:
    """value inside double quotes as Alertmanager writes a matcher (labels.Matcher.String): the inverse of
    unescape."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def matcher_text(name: str, op: str, value: str) -> str:
    """One matcher as Alertmanager (and the Operator) write it: name, operator and the quoted value."""
    return f"{name}{op}{quote(value)}"


def split_matchers(text: str) -> list[str]:
    """The matchers one Alertmanager `matchers` entry holds, each as written. Alertmanager splits an entry at
    each comma outside double quotes ("team=db, severity=critical" is two matchers), takes optional braces
    around the list, and drops an empty last entry (a trailing comma)."""
    body = text.removeprefix("{").removesuffix("}")
    tokens = _split_commas(body)
    if not tokens[-1].strip():
        tokens.pop()
    return tokens


def _split_commas(text: str) -> list[str]:
    """text cut at the commas outside double quotes, as Alertmanager's ParseMatchers cuts it."""
    tokens, token, quoted, escaped = [], [], False, False
    for char in text:
        if char == "," and not quoted:
            tokens.append("".join(token))
            token = []
            continue
        if char == ",":
            pass  # Alertmanager leaves a pending escape pending across a quoted comma
        elif char == '"':
            quoted, escaped = (not quoted, False) if not escaped else (quoted, False)
        elif char == "\\":
            escaped = not escaped
        else:
            escaped = False
        token.append(char)
    return [*tokens, "".join(token)]
