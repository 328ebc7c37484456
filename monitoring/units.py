"""Values every definition is made of: durations, ports, exact decimals, names, file paths and read-only dicts.

A leaf module (it imports nothing from the model), so the rules hold wherever a value enters. Every rule is
ASCII-only and anchored at both ends (`\\A...\\Z`, `[0-9]`): Python's `\\d` also matches Arabic-Indic and
full-width digits, and `$` also matches before a trailing newline, both of which Prometheus and Alertmanager
reject. Each check raises ValueError with a message that says the rule, and never quotes a value that looks
like a secret.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, NoReturn, TypeVar
from urllib.parse import SplitResult, urlsplit, urlunsplit

# --- durations -------------------------------------------------------------------------------------------

_DURATION = re.compile(
    r"\A(?:(?P<y>[0-9]+)y)?(?:(?P<w>[0-9]+)w)?(?:(?P<d>[0-9]+)d)?(?:(?P<h>[0-9]+)h)?"
    r"(?:(?P<m>[0-9]+)m)?(?:(?P<s>[0-9]+)s)?(?:(?P<ms>[0-9]+)ms)?\Z"
)
_UNIT_MS = {"y": 365 * 86_400_000, "w": 7 * 86_400_000, "d": 86_400_000, "h": 3_600_000,
            "m": 60_000, "s": 1000, "ms": 1}
# Prometheus and Alertmanager hold a duration as Go's time.Duration: int64 nanoseconds, about 292 years.
MAX_DURATION_MS = (2**63 - 1) // 1_000_000
_MAX_DURATION_TEXT = 40


def duration_ms(text: str) -> int:
    """Milliseconds in a Prometheus duration such as '1h30m'; ValueError unless Prometheus would accept it."""
    return _duration_ms(text) if isinstance(text, str) else _parse_duration(text)


@lru_cache(maxsize=4096)  # a stack spells its few durations tens of thousands of times
def _duration_ms(text: str) -> int:
    return _parse_duration(text)


def _parse_duration(text: str) -> int:
    match = _DURATION.match(text) if isinstance(text, str) and len(text) <= _MAX_DURATION_TEXT else None
    if not text or match is None:
        raise ValueError(f"invalid duration {quoted(text)}: use Prometheus units like '30s', '5m', '1h30m' "
                         "(ASCII digits; units y, w, d, h, m, s, ms in that order)")
    total = sum(int(v) * _UNIT_MS[unit] for unit, v in match.groupdict().items() if v)
    if total > MAX_DURATION_MS:
        raise ValueError(f"duration {text!r} is out of range: Prometheus durations stop at about 292 years "
                         f"({MAX_DURATION_MS}ms)")
    return total


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


def check_duration(text: str, *, positive: bool = False) -> str:
    """text if it is a valid Prometheus duration (and greater than zero when positive)."""
    if duration_ms(text) == 0 and positive:
        raise ValueError(f"duration {text!r} must be greater than zero")
    return text


# --- ports and addresses -------------------------------------------------------------------------------

_PORT = re.compile(r"\A[0-9]{1,5}\Z")


def check_port(value: object) -> int:
    """A TCP port, 1-65535, written with ASCII digits only."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _PORT.match(text) or not 1 <= int(text) <= 65535:
        raise ValueError(f"port {quoted(value)} must be a number from 1 to 65535 (ASCII digits)")
    return int(text)


_HOST = re.compile(r"\A(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252}))\Z")


def check_host_port(text: str) -> str:
    """'host:port' with an ASCII host name, an IPv4 address or a bracketed IPv6 address."""
    host, sep, port = text.rpartition(":") if isinstance(text, str) else ("", "", "")
    if not sep or not _HOST.match(host):
        raise ValueError(f"{quoted(text)} must be host:port, without scheme or path")
    check_port(port)
    return text


# --- exact decimals --------------------------------------------------------------------------------------

# Decimals are written into rules and tests exactly; promtool compares sample values as float64, which holds
# 15 significant decimal digits. A number with more cannot be tested exactly, so it is refused.
MAX_DECIMAL_DIGITS = 15
_DECIMAL = re.compile(r"\A[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?\Z")


def exact_decimal(value: object) -> Decimal:
    """value as an exact Decimal (a float by its shortest repr: 99.9 stays 99.9), at most 15 significant digits."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | float):
        value = repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        if not _DECIMAL.match(value):
            raise ValueError(f"{quoted(value)} is not a decimal number (ASCII digits)")
        try:
            value = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal parses
            raise ValueError(f"{quoted(value)} is not a decimal number") from None
    if not isinstance(value, Decimal):
        raise ValueError(f"{quoted(value)} is not a number")
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    # Not normalize(): it rounds to the context's 28 digits first, and 99.99...9 (60 nines) would become 100.
    digits = len("".join(map(str, value.as_tuple().digits)).strip("0")) or 1
    if digits > MAX_DECIMAL_DIGITS or (value and abs(value.adjusted()) > 300):
        raise ValueError(f"{_shorten(str(value))} has {digits} significant digits: at most {MAX_DECIMAL_DIGITS} "
                         "fit a float64 exactly, which Prometheus and promtool compute with")
    return value


# --- names -----------------------------------------------------------------------------------------------

METRIC_NAME = re.compile(r"\A[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL_NAME = re.compile(r"\A[a-zA-Z_][a-zA-Z0-9_]*\Z")
# A Kubernetes name (RFC 1123 label): it also names files and Kubernetes resources.
SLUG = re.compile(r"\A[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\Z")
CAMEL_CASE = re.compile(r"\A[A-Z][a-zA-Z0-9]*\Z")
# Kubernetes limits a DNS label to 63 characters; that also keeps every file name made of slugs well
# below the 255 bytes file systems allow.
MAX_SLUG_LENGTH = 63
# Names that only appear inside files: long enough for anything readable, short enough for any tool.
MAX_NAME_LENGTH = 200


def check_metric_name(text: str) -> str:
    if not isinstance(text, str) or not METRIC_NAME.match(text):
        raise ValueError(f"invalid metric name {quoted(text)}: use [a-zA-Z_:][a-zA-Z0-9_:]*")
    _max_length("metric name", text, MAX_NAME_LENGTH)
    return text


def check_label_name(text: str) -> str:
    if not isinstance(text, str) or not LABEL_NAME.match(text) or text.startswith("__"):
        raise ValueError(f"invalid label name {quoted(text)}: use [a-zA-Z_][a-zA-Z0-9_]*, not starting with '__'")
    _max_length("label name", text, MAX_NAME_LENGTH)
    return text


def check_annotation_name(text: str) -> str:
    """An annotation's name: promtool refuses a rule whose annotation is not named as a label is."""
    if not isinstance(text, str) or not LABEL_NAME.match(text):
        raise ValueError(f"invalid annotation name {quoted(text)}: use [a-zA-Z_][a-zA-Z0-9_]*")
    _max_length("annotation name", text, MAX_NAME_LENGTH)
    return text


def check_slug(text: str) -> str:
    if not isinstance(text, str) or not SLUG.match(text):
        raise ValueError(f"invalid name {quoted(text)}: use lower-case letters, digits and '-'")
    _max_length("name", text, MAX_SLUG_LENGTH,
                "Kubernetes names and the file names made from them allow no more")
    return text


def check_camel_case(text: str, what: str, example: str) -> str:
    if not isinstance(text, str) or not CAMEL_CASE.match(text):
        raise ValueError(f"{what} {quoted(text)} must be CamelCase, like {example!r}")
    _max_length(what, text, MAX_NAME_LENGTH)
    return text


def _max_length(what: str, text: str, limit: int, why: str = "") -> None:
    if len(text) > limit:
        reason = f": {why}" if why else ""
        raise ValueError(f"{what} {_shorten(text)!r} is {len(text)} characters long; the limit is {limit}{reason}")


# --- text --------------------------------------------------------------------------------------------------

# C0 and C1 control characters other than tab and newline, and lone surrogates (not encodable as UTF-8).
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_UNPRINTABLE_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\x85]")


def check_text(text: str, *, one_line: bool = False) -> str:
    """text without control characters (tab and newline allowed unless one_line) and valid as UTF-8."""
    bad = (_UNPRINTABLE_ONE_LINE if one_line else _UNPRINTABLE).search(text)
    if bad:
        raise ValueError(f"{_shorten(text)!r} contains the control character {bad.group()!r} at offset {bad.start()}")
    return text


def check_one_line(text: str) -> str:
    """text if it holds no control character (line breaks included), as a label value: for a name written into
    Prometheus' or Alertmanager's configuration, where a NUL or a CR LF breaks the tools that read it back."""
    return check_text(text, one_line=True)


# --- Go templates (what Prometheus expands in an alert's labels and annotations) ---------------------------

# Inside an action: a string ("...", with escapes, on one line), a raw string (`...`, any lines), a character
# constant ('x'), the right delimiter, or a quote that starts a string never terminated.
_ACTION_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|\'(?:[^\'\\\n]|\\.)*\'|\}\}|["`\']')
# A comment opens right after the left delimiter (or its trim marker) and closes right before the right one.
_COMMENT_OPEN = re.compile(r"(?:-[ \t\r\n])?/\*")
_COMMENT_CLOSE = re.compile(r"\*/(?:[ \t\r\n]-)?\}\}")


def template_problem(text: str) -> str | None:
    """Why Go's text/template cannot parse text for want of a closing '}}', or None: an action left open, a
    string in one left unterminated, a comment not closed right before '}}'. Not a parser: promtool checks the
    rest (names, pipelines) in `monitoring validate`; these are the mistakes that swallow the rest of the text.

        template_problem("{{ $value ")   # "the template action is not closed with '}}' (the action opened at offset 0)"
    """
    if not ('"' in text or "'" in text or "`" in text or "/*" in text):
        # Without strings or comments, each action ends at the first '}}' after its '{{': all are closed when the
        # last '{{' has one after it (the common case, checked for every alert made).
        last = text.rfind("{{")
        if last == -1 or text.find("}}", last + 2) != -1:
            return None
    start = text.find("{{")
    while start != -1:
        end, problem = _action_end(text, start + 2)
        if problem is not None:
            return f"{problem} (the action opened at offset {start})"
        start = text.find("{{", end)
    return None


def _action_end(text: str, at: int) -> tuple[int, str | None]:
    """(offset after the '}}' closing the action whose '{{' ends at `at`, None), or (at, the problem)."""
    if comment := _COMMENT_OPEN.match(text, at):
        # Go ends a comment at its first '*/', which must be followed by the right delimiter.
        close = _COMMENT_CLOSE.match(text, text.find("*/", comment.end()))
        if "*/" not in text[comment.end():] or close is None:
            return at, "the template comment is not closed with '*/}}'"
        return close.end(), None
    for token in _ACTION_TOKEN.finditer(text, at):
        if token.group() == "}}":
            return token.end(), None
        if len(token.group()) == 1:  # a quote the patterns of whole strings did not take: never terminated
            return at, f"the string opened with {token.group()!r} at offset {token.start()} is not terminated"
    return at, "the template action is not closed with '}}'"


def check_template(text: str) -> str:
    """text if every '{{' in it has its '}}' (see template_problem); the ValueError quotes text."""
    if "{{" in text and (problem := template_problem(text)) is not None:
        raise ValueError(f"{_shorten(text)!r}: {problem}")
    return text


# --- secrets: file paths and URLs --------------------------------------------------------------------------

# user:password@ of a URL: everything up to the last '@' before its path, query or fragment, as Go's url.Parse
# reads it (a password may hold an '@').
_URL_WITH_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s'\"]*@")
_TOKEN_PREFIX = re.compile(r"(?i)\A(?:bearer\s|basic\s|xox[abposr]-|gh[pousr]_|github_pat_|glpat-|sk-|sk_live_|"
                           r"eyJ|AKIA|AIza|glsa_|glc_|hooks\.slack\.com)")
_TOKEN_SHAPE = re.compile(r"\A[A-Za-z0-9_+=-]{16,}\Z")


# user:password@host without a scheme, as an Alertmanager address or a static target may be written
# ('admin:pw@am:9093'): a user name, a colon, and the password up to the last '@' before the host. Each run is
# bounded, so that a long value without an '@' is scanned in linear time. A "host" of digits alone is none (PromQL's
# `job:rate5m@1700000000`, a rule name at a timestamp).
_USER = r"[\w.~%!$&*+,;=-]"
_USERINFO_WITHOUT_SCHEME = re.compile(
    rf"(?<!{_USER})({_USER}{{1,256}}:[^\s/?#'\"]{{0,1024}})@(?=\[|[\w.-]{{0,256}}[A-Za-z_.-])")


def strip_userinfo(text: str, mask: str = "***") -> str:
    """text with the user:password@ part of every address in it replaced by mask ('***@'): of a URL
    ('https://***@grafana'), and of a host:port written without a scheme ('***@am:9093'). Every message that shows
    a value passes it through here (quoted, one_line, DefinitionError, the command's errors and warnings).

        strip_userinfo("admin:hunter2@am:9093")   # '***@am:9093'
    """
    text = _URL_WITH_USERINFO.sub(lambda found: f"{found.group(1)}{mask}@", text)
    return _USERINFO_WITHOUT_SCHEME.sub(f"{mask}@", text) if "@" in text else text


# Whitespace and control characters (C0, DEL, C1): what would break a header, a URL or a one-line message.
_UNSAFE_CHARACTER = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def unsafe_character(text: str) -> re.Match[str] | None:
    """The first whitespace or control character of text, or None.

        unsafe_character("token\n").start()   # 5
    """
    return _UNSAFE_CHARACTER.search(text)


def split_base_url(url: str) -> SplitResult:
    """urlsplit of a base URL given on the command line or in the environment; ValueError, whose message never
    shows the URL (it may carry credentials), when it holds a space or a control character, or does not parse (a
    malformed IPv6 host, a port that is not a number from 0 to 65535).

        split_base_url("https://grafana.example.com").hostname   # 'grafana.example.com'
    """
    if unsafe_character(url):
        raise ValueError("contains a space or a control character (the value is not shown)")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number from 0 to 65535 raises here
    except ValueError as exc:
        raise ValueError(f"does not parse: {exc} (the value is not shown)") from None
    return parts


# urlsplit drops tab, CR and LF anywhere and the control characters and spaces in front (as browsers do): a
# message would show another URL than the one given ('ab\ncd' as 'abcd'). Each stands in as a private-use
# character while the URL is cut, and is put back after.
_URL_STAND_INS = {code: 0xE000 + code for code in range(0x21)}
_URL_PUT_BACK = {stand_in: code for code, stand_in in _URL_STAND_INS.items()}


def safe_url(url: str) -> str:
    """A URL fit for a message: as given, without userinfo, query or fragment (which may carry tokens)."""
    kept = url.translate(_URL_STAND_INS)
    try:
        parts = urlsplit(kept)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return strip_userinfo(url.split("?")[0])
    netloc = f"***@{host}{port}" if "@" in parts.netloc else parts.netloc
    return urlunsplit((parts.scheme, netloc, parts.path, "", "")).translate(_URL_PUT_BACK)


def looks_like_secret(text: str) -> bool:
    """True for a URL or a token-shaped string: what someone pastes into a *_file field by mistake."""
    stripped = text.strip()
    if "://" in stripped or _TOKEN_PREFIX.match(stripped):
        return True
    has_digit = any(c.isdigit() for c in stripped)
    has_alpha = any(c.isalpha() for c in stripped)
    return bool(_TOKEN_SHAPE.match(stripped)) and has_digit and has_alpha


def check_file_path(text: str) -> str:
    """A path to a file holding a secret; the value itself is never quoted, as it may be the secret."""
    if looks_like_secret(text):
        raise ValueError("this looks like a secret value, not a file path: put the secret in a file and give "
                         "its path (the value is not shown)")
    if not text or text != text.strip() or _UNPRINTABLE_ONE_LINE.search(text):
        raise ValueError("a file path must be non-empty, without surrounding spaces or control characters "
                         "(the value is not shown)")
    if len(text) > 4096:
        raise ValueError("a file path is at most 4096 characters (the value is not shown)")
    return text


# --- read-only mappings ------------------------------------------------------------------------------------

_K = TypeVar("_K")
_V = TypeVar("_V")
_CHANGED = "a definition is immutable once made: make a changed copy with model_copy(update=...)"


class FrozenDict(dict[_K, _V]):
    """A dict that refuses every change: how a definition holds a mapping (labels, annotations) once validated,
    so that the only way to change one is to make a new definition, which is validated. Otherwise a dict: it
    reads as fast, equals a dict with the same items, and JSON writers take it as one; dict(it), it.copy() and
    `it | other` are plain dicts, to change.

    Made by dict's own constructor (no Python code runs per item): a definition's validator makes one for each
    of its mappings, and a stack holds hundreds of thousands."""

    # What a refused change says ("alert labels cannot be changed: ..."): set once made, by the definition.
    __slots__ = ("_problem",)

    def _refused(self, *_: object, **__: object) -> NoReturn:
        raise TypeError(getattr(self, "_problem", _CHANGED))

    __setitem__ = __delitem__ = __ior__ = update = pop = popitem = clear = setdefault = _refused

    @classmethod
    def fromkeys(cls, keys: Iterable[_K], value: Any = None) -> FrozenDict[_K, Any]:  # type: ignore[override]
        return cls(dict.fromkeys(keys, value))  # dict's would set each key, which is refused

    # Copies and pickles rebuild it through the constructor: the default for a dict subclass sets item by item.
    def __reduce__(self) -> tuple[Callable[..., FrozenDict[_K, _V]], tuple[object, ...]]:
        return frozen_dict, (dict(self), getattr(self, "_problem", None))

    def __copy__(self) -> FrozenDict[_K, _V]:
        return self  # immutable, as a tuple: a copy would be the same

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict[_K, _V]:
        items = {copy.deepcopy(key, memo): copy.deepcopy(value, memo) for key, value in self.items()}
        return frozen_dict(items, getattr(self, "_problem", None))


def frozen_dict(items: Mapping[_K, _V], problem: str | None = None) -> FrozenDict[_K, _V]:
    """A FrozenDict of items; a refused change says `problem`."""
    made: FrozenDict[_K, _V] = FrozenDict(items)
    if problem is not None:
        made._problem = problem
    return made


# --- helpers -----------------------------------------------------------------------------------------------

# How much of a long value is searched for passwords before it is cut for a message: more than the longest
# userinfo strip_userinfo recognises, so that a cut never shows the beginning of one it would have masked.
_SEARCHED = 1400


def _shorten(text: str, limit: int = 60) -> str:
    """text for a message, cut at limit characters, its addresses' passwords masked first (a cut never leaves a
    password's beginning, which masking would no longer recognise)."""
    text = strip_userinfo(text[:_SEARCHED])
    return text if len(text) <= limit else f"{text[:limit]}…"


def quoted(value: object) -> str:
    """A value for a message: repr, cut at 80 characters (a wrong value may be a megabyte of text), with the
    password of every address in it masked (see strip_userinfo) before the cut.

        quoted("admin:hunter2@am:9093")   # "'***@am:9093'"
    """
    text = strip_userinfo((repr(value[:_SEARCHED]) if isinstance(value, str) else repr(value))[:_SEARCHED])
    return text if len(text) <= 80 else f"{text[:80]}…"
