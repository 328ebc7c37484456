"""Go's regular expressions (RE2 syntax, Go's regexp/syntax) read with Python's re.

Prometheus, Alertmanager and prometheus-adapter read every regular expression a user writes (relabel_configs,
`=~` matchers and selectors, seriesFilters, name.matches) with Go's regexp. Python's re reads most of them the
same way, but not all:
- Go refuses lookaround, backreferences, atomic groups, possessive quantifiers, `\\Z` and counts above 1000,
  which Python takes;
- both take `$` (the end of the text in Go; also before a final newline in Python), `{,3}` (text in Go, a
  count in Python), `\\s` (no vertical tab in Go), `\\d`, `\\w` and `\\b` (ASCII in Go) and `\\1` (an octal
  escape or an error in Go, a backreference in Python), and read them differently;
- only Go takes `\\z`, `\\Q...\\E`, `[[:alpha:]]`, `\\x{263a}`, `\\123`, `(?<name>...)` and flags in mid-pattern.

`translate` gives the Python pattern that matches what Go's matches, or a GoRegexpError (a `re.error`) that says
what Go refuses, or what this cannot read (`\\p{Greek}`, the `U` flag):

    anchored("5..|timeout").match("503")          # a match, as Prometheus' =~ finds one
    translate("^(.*)_total$")                     # '^(.*)_total\\\\Z'
"""

from __future__ import annotations

import re
from functools import lru_cache

# Go's Perl classes (ASCII) and POSIX classes, as code point ranges.
_Ranges = tuple[tuple[int, int], ...]
_PERL: dict[str, _Ranges] = {"d": ((0x30, 0x39),), "s": ((0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)),
                             "w": ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))}
_POSIX: dict[str, _Ranges] = {
    "alnum": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)), "alpha": ((0x41, 0x5A), (0x61, 0x7A)),
    "ascii": ((0x00, 0x7F),), "blank": ((0x09, 0x09), (0x20, 0x20)), "cntrl": ((0x00, 0x1F), (0x7F, 0x7F)),
    "digit": ((0x30, 0x39),), "graph": ((0x21, 0x7E),), "lower": ((0x61, 0x7A),), "print": ((0x20, 0x7E),),
    "punct": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)), "space": ((0x09, 0x0D), (0x20, 0x20)),
    "upper": ((0x41, 0x5A),), "word": _PERL["w"], "xdigit": ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
}
_MAX_CODE_POINT = 0x10FFFF


def _complement(ranges: _Ranges) -> _Ranges:
    gaps, start = [], 0
    for low, high in ranges:
        if low > start:
            gaps.append((start, low - 1))
        start = high + 1
    return (*gaps, (start, _MAX_CODE_POINT)) if start <= _MAX_CODE_POINT else tuple(gaps)


# The characters outside ASCII that Go's case folding (unicode.SimpleFold) joins to an ASCII letter.
_FOLDS_BEYOND_ASCII = {ord("k"): 0x212A, ord("s"): 0x017F}


def _folded(ranges: _Ranges) -> _Ranges:
    """ASCII ranges with every letter's other case and its folds beyond ASCII, merged."""
    points = {point for low, high in ranges for point in range(low, high + 1)}
    for point in list(points):
        letter = chr(point)
        if letter.isascii() and letter.isalpha():
            lower = ord(letter.lower())
            points |= {lower, ord(letter.upper())}
            if lower in _FOLDS_BEYOND_ASCII:
                points.add(_FOLDS_BEYOND_ASCII[lower])
    merged: list[tuple[int, int]] = []
    for point in sorted(points):
        if merged and merged[-1][1] + 1 == point:
            merged[-1] = (merged[-1][0], point)
        else:
            merged.append((point, point))
    return tuple(merged)


def _class_text(ranges: _Ranges) -> str:
    """The ranges as the inside of a Python class."""
    return "".join(f"\\U{low:08x}" if low == high else f"\\U{low:08x}-\\U{high:08x}" for low, high in ranges)


_WORD = "[0-9A-Za-z_]"
# Go's \b and \B look at ASCII word characters whatever the flags: (?-i:...) keeps (?i) from folding the Kelvin
# sign into them.
_BOUNDARY = f"(?-i:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))"
_NOT_BOUNDARY = f"(?-i:(?<={_WORD})(?={_WORD})|(?<!{_WORD})(?!{_WORD}))"
_SIMPLE_ESCAPES = {"a": "\\x07", "f": "\\f", "n": "\\n", "r": "\\r", "t": "\\t", "v": "\\v"}
_REPEAT = re.compile(r"\{(0|[1-9]\d*)(,(0|[1-9]\d*)?)?\}")  # Go reads `{01}` as text: no leading zeros
_NAME = re.compile(r"[A-Za-z0-9_]+")
_FLAG_GROUP = re.compile(r"\(\?([A-Za-z-]*)\)")
_MAX_REPEAT = 1000  # Go refuses a larger count
# Groups Python's re reads and Go refuses, and what each is.
_UNSUPPORTED_GROUPS = (("(?=", "lookahead"), ("(?!", "negative lookahead"), ("(?<=", "lookbehind"),
                       ("(?<!", "negative lookbehind"), ("(?>", "an atomic group"), ("(?P=", "a backreference"),
                       ("(?P>", "a recursion"), ("(?(", "a conditional"), ("(?#", "a comment"))


class GoRegexpError(re.error):
    """A regular expression Go's regexp refuses, or one whose Go meaning this module cannot write for Python's re.

        try:
            translate("(?=a)b")
        except GoRegexpError as exc:
            print(exc)   # lookahead '(?=': Go's regexp (RE2 syntax) has none at position 0
    """


def translate(pattern: str, *, angle_names: bool = True) -> str:
    """The Python pattern that matches exactly what Go's regexp matches for `pattern` (searched or anchored the same
    way by the caller); GoRegexpError when Go refuses it or it cannot be written so. `angle_names=False` refuses
    `(?<name>...)`, which Go reads from 1.22 on only: Prometheus 2.42 and Alertmanager 0.25 refuse it."""
    return _Translator(pattern, angle_names).whole()


@lru_cache(maxsize=4096)
def compiled(pattern: str) -> re.Pattern[str]:
    """translate(pattern), compiled: a regular expression Go compiles as it is (prometheus-adapter's seriesFilters
    and name.matches), searched with `.search`. Kept per pattern: a stack's patterns repeat."""
    return re.compile(translate(pattern))


@lru_cache(maxsize=4096)
def anchored(pattern: str) -> re.Pattern[str]:
    """A regular expression as Prometheus and Alertmanager compile it (relabel regex, `=~` and `!~` matchers):
    `^(?:pattern)$`, so that `.match` is a match of the whole value. The pattern must also stand on its own, as
    PromQL's matchers make it (relabelling and Alertmanager would take `a)|(b`, which the wrapping closes), and
    it is read wrapped, as Go reads it: an unterminated `\\Q` takes the wrapping's `)$` for text."""
    translate(pattern, angle_names=False)
    return re.compile(translate(f"^(?:{pattern})$", angle_names=False))


class _Translator:
    def __init__(self, pattern: str, angle_names: bool) -> None:
        self.text, self.at, self.angle_names = pattern, 0, angle_names
        self.flags = ""  # Go's flags in force here, of i, m and s: a group's own end with it
        self.names: set[str] = set()  # of the named groups so far

    def fail(self, problem: str, at: int | None = None) -> GoRegexpError:
        return GoRegexpError(problem, self.text, self.at if at is None else at)  # re.error adds the position

    def whole(self) -> str:
        out = self.group_body()
        if self.at < len(self.text):
            raise self.fail("unexpected ')'")
        return out

    # --- alternations and groups -----------------------------------------------------------------------------------
    def group_body(self) -> str:
        """Up to the group's ')' (not taken). A flag group in mid-pattern, `(?i)`, holds for the rest of the group,
        every later alternative included: each alternative's rest is wrapped in Python's scoped `(?i:...)`."""
        out: list[str] = []
        wrappers: list[str] = []  # the scoped flags opened in this alternative, outermost first
        last: int | None = None  # where in out the alternative's last atom is
        while self.at < len(self.text) and self.text[self.at] != ")":
            char = self.text[self.at]
            if char == "|":
                self.at += 1
                out += [")" * len(wrappers), "|", *wrappers]
                last = None
                continue
            if self.text.startswith("(?", self.at) and (python := self._flag_group()) is not None:
                if python:
                    wrappers.append(f"(?{python}:")
                    out.append(wrappers[-1])
                self._repeat_last(out, last)  # Go repeats the atom before the flags: `a(?i)*` is `a*`
                continue
            if self.text.startswith("\\Q", self.at):  # text up to \E: a repetition after it takes its last character
                end = self.text.find("\\E", self.at + 2)
                literal = self.text[self.at + 2:] if end < 0 else self.text[self.at + 2:end]
                self.at = len(self.text) if end < 0 else end + 2
                if literal:
                    out.append(re.escape(literal[:-1]))
                    last = len(out)
                    out.append(self.repeated(re.escape(literal[-1])))
                else:
                    self._repeat_last(out, last)  # `a\Q\E*` is `a*`
                continue
            last = len(out)
            out.append(self.repeated(self.atom()))
        out.append(")" * len(wrappers))
        return "".join(out)

    def _flag_group(self) -> str | None:
        """A `(?flags)` at the position, taken (the flags in force changed): Python's scoped flags for it; None when
        the group is something else."""
        found = _FLAG_GROUP.match(self.text, self.at)
        if found is None:
            return None
        python = self._flags(found.group(1), found.start())
        self.at = found.end()
        return python

    def _flags(self, flags: str, at: int) -> str:
        """Python's spelling of Go's flags, which are put in force."""
        on, _, off = flags.partition("-")
        if flags.endswith("-") or "-" in off or any(f not in "imsU" for f in on + off) \
                or len(set(on + off)) < len(on + off):
            raise self.fail(f"invalid flags '(?{flags}'", at)
        if "U" in on + off:
            raise self.fail("the U flag (ungreedy) cannot be checked here", at)
        self.flags = "".join(sorted((set(self.flags) | set(on)) - set(off)))
        return on + (f"-{off}" if off else "")  # '' for `(?)`, which changes nothing

    def group(self) -> str:
        start, outer = self.at, self.flags
        self.at += 1  # the '('
        prefix = "("
        if self.text.startswith("?", self.at):
            for opening, what in _UNSUPPORTED_GROUPS:
                if self.text.startswith(opening, start):
                    raise self.fail(f"{what} {opening!r}: Go's regexp (RE2 syntax) has none", start)
            named = re.compile(r"\?P?<").match(self.text, self.at)
            scoped = re.compile(r"\?([A-Za-z-]*):").match(self.text, self.at)
            if named is not None:
                if named.group() == "?<" and not self.angle_names:
                    raise self.fail("a group named as '(?<name>': Go before 1.22 (Prometheus 2.42, Alertmanager 0.25) "
                                    "refuses it; write '(?P<name>'", start)
                name = _NAME.match(self.text, named.end())
                if name is None or not self.text.startswith(">", name.end()):
                    raise self.fail("invalid named capture", start)
                # Go takes a name twice and resolves it to the first group: a later one stays a group, unnamed.
                prefix = "(" if name.group() in self.names else f"(?P<{name.group()}>"
                self.names.add(name.group())
                self.at = name.end() + 1
            elif scoped is not None:
                prefix = f"(?{self._flags(scoped.group(1), start)}:"  # `(?:` when there are none
                self.at = scoped.end()
            else:
                raise self.fail("invalid or unsupported Perl syntax '(?'", start)
        body = self.group_body()
        self.flags = outer
        if self.at >= len(self.text):
            raise self.fail("missing closing ')'", start)
        self.at += 1
        return f"{prefix}{body})"

    # --- atoms and repetition ------------------------------------------------------------------------------------
    def atom(self) -> str:
        char = self.text[self.at]
        if char == "(":
            return self.group()
        if char == "[":
            return self.char_class()
        if char == "\\":
            return self.escape()
        if char in "*+?" or (char == "{" and _REPEAT.match(self.text, self.at)):
            raise self.fail(f"missing argument to repetition operator {char!r}")
        self.at += 1
        if char == "$":
            return "$" if "m" in self.flags else "\\Z"  # Python's $ also matches before a final newline
        if char in "^.":
            return char
        return re.escape(char)  # `{` that is not a count is text in Go

    def _repeat_last(self, out: list[str], last: int | None) -> None:
        """A repetition after something that is no atom (flags, an empty quote) repeats the atom before it."""
        if self._quantifier_next():
            if last is None:
                raise self.fail("missing argument to repetition operator")
            out[last] = self.repeated(f"(?:{out[last]})")

    def _quantifier_next(self) -> bool:
        return self.at < len(self.text) and (self.text[self.at] in "*+?" or bool(_REPEAT.match(self.text, self.at)))

    def repeated(self, atom: str) -> str:
        if atom in ("^", "$", "\\A", "\\Z") and self._quantifier_next():
            atom = f"(?:{atom})"  # Go repeats an assertion (`$*`); Python only a group of one
        counted = False
        while self.at < len(self.text):
            char = self.text[self.at]
            count = _REPEAT.match(self.text, self.at) if char == "{" else None
            if char not in "*+?" and count is None:
                break
            if counted:
                raise self.fail("invalid nested repetition operator")
            if count is not None:
                low, high = int(count.group(1)), count.group(3)
                if low > _MAX_REPEAT or (high and (int(high) > _MAX_REPEAT or int(high) < low)):
                    raise self.fail(f"invalid repeat count {count.group()!r}")
                atom += count.group()
                self.at = count.end()
            else:
                atom += char
                self.at += 1
            if self.text.startswith("?", self.at):  # lazy
                atom += "?"
                self.at += 1
            counted = True
        return atom

    # --- escapes -------------------------------------------------------------------------------------------------
    def escape(self, in_class: bool = False) -> str:
        start = self.at
        self.at += 1
        if self.at >= len(self.text):
            raise self.fail("trailing backslash at end of expression", start)
        char = self.text[self.at]
        self.at += 1
        if not char.isascii():
            raise self.fail(f"invalid escape sequence '\\{char}'", start)
        if not char.isalnum():
            return re.escape(char)
        if char in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[char]
        if char in "01234567":
            return self._octal(char, start)
        if char == "x":
            return self._hex(start)
        if char.lower() in _PERL:
            ranges = _PERL[char.lower()] if char.islower() else self._negated(_PERL[char.lower()])
            return _class_text(ranges) if in_class else f"[{_class_text(ranges)}]"
        if not in_class:
            simple = {"A": "\\A", "z": "\\Z", "b": _BOUNDARY, "B": _NOT_BOUNDARY}.get(char)
            if simple is not None:
                return simple
        if char in "pP":
            raise self.fail(f"the class '\\{char}' cannot be checked here", start)
        raise self.fail(f"invalid escape sequence '\\{char}'", start)

    def _negated(self, ranges: _Ranges) -> _Ranges:
        """A negated class (`\\W`, `[:^lower:]`) as Go makes it: under (?i) the class is case-folded first, so that
        `(?i)\\W` leaves out the Kelvin sign, which folds to k."""
        return _complement(_folded(ranges) if "i" in self.flags else ranges)

    def _octal(self, first: str, start: int) -> str:
        """Go reads \\0 to \\7 followed by octal digits (three at most) as a character; a lone \\1 to \\7 would be a
        backreference, which it refuses."""
        digits = first
        while len(digits) < 3 and self.at < len(self.text) and self.text[self.at] in "01234567":
            digits += self.text[self.at]
            self.at += 1
        if len(digits) == 1 and first != "0":
            raise self.fail(f"invalid escape sequence '\\{first}' (Go's regexp has no backreferences)", start)
        return f"\\U{int(digits, 8):08x}"  # up to \\777: more than \\x's two digits hold

    def _hex(self, start: int) -> str:
        braced = re.compile(r"\{([0-9A-Fa-f]+)\}").match(self.text, self.at)
        plain = re.compile(r"[0-9A-Fa-f]{2}").match(self.text, self.at)
        found = braced or plain
        if found is None:
            raise self.fail("invalid escape sequence '\\x'", start)
        value = int(found.group(1) if braced else found.group(), 16)
        if value > 0x10FFFF:
            raise self.fail("invalid escape sequence: code point out of range", start)
        self.at = found.end()
        return f"\\U{value:08x}"

    # --- character classes ---------------------------------------------------------------------------------------
    def char_class(self) -> str:
        start = self.at
        self.at += 1
        negated = self.text.startswith("^", self.at)
        self.at += negated
        parts: list[str] = []
        first = True
        while True:
            if self.at >= len(self.text):
                raise self.fail("missing closing ']'", start)
            char = self.text[self.at]
            if char == "]" and not first:
                self.at += 1
                break
            first = False
            posix = re.compile(r"\[:(\^?)([a-z]+):\]").match(self.text, self.at)
            if posix is not None:
                if posix.group(2) not in _POSIX:
                    raise self.fail(f"invalid character class range {posix.group()!r}", self.at)
                ranges = _POSIX[posix.group(2)]
                parts.append(_class_text(self._negated(ranges) if posix.group(1) else ranges))
                self.at = posix.end()
                continue
            low, single = self._class_member()
            if self.text.startswith("-", self.at) and not self.text.startswith("-]", self.at) \
                    and self.at + 1 < len(self.text):
                self.at += 1
                high, single_high = self._class_member()
                if not (single and single_high):  # `[\d-z]`
                    raise self.fail("invalid character class range", start)
                parts.append(f"{low}-{high}")
            else:
                parts.append(low)
        body = "".join(parts)
        if not body:
            raise self.fail("missing closing ']'", start)
        return f"[{'^' if negated else ''}{body}]"

    def _class_member(self) -> tuple[str, bool]:
        """One member of a class as Python's class reads it, and whether it is one character (not a Perl class's
        ranges): a character is escaped where Python's class would read it otherwise, or warn."""
        char = self.text[self.at]
        if char == "\\":
            perl = self.text[self.at + 1:self.at + 2].lower() in _PERL
            return self.escape(in_class=True), not perl
        self.at += 1
        return ("\\" + char if char in "\\]^-[&|~" else char), True
