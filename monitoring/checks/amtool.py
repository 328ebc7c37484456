"""amtool checks: the config, and the stack's route expectations."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from monitoring.checks import patterns, yaml_files
from monitoring.checks.background import map_at_most
from monitoring.checks.report import CheckResult, process_output
from monitoring.checks.tools import AMTOOL_CONFIG_SUCCESS, Tool, confirmed
from monitoring.errors import OutputError

# amtool takes one label set per process: a few at once overlap their start-up.
_AT_ONCE = 4


class Expectation(Protocol):
    """A route expectation: a model RouteTest, or a RouteExpectation read back from the manifest."""

    @property
    def labels(self) -> Mapping[str, str]: ...

    @property
    def receivers(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class RouteExpectation:
    """A RouteTest as the manifest records it: checking one needs no model."""

    labels: Mapping[str, str]
    receivers: tuple[str, ...]


def expectations(checks: Mapping[str, object]) -> tuple[RouteExpectation, ...]:
    """The route expectations out/manifest.json records (see monitoring.checks.context)."""
    recorded = checks.get("route_tests", ())
    return tuple(RouteExpectation(t["labels"], tuple(t["receivers"])) for t in recorded)  # type: ignore[union-attr]


def check_config(amtool: Tool, config_path: Path, *more: tuple[str, Path], problems: Sequence[str] = (),
                 shown: str | None = None) -> CheckResult:
    """amtool check-config over config_path (named shown, when it is a checking copy) and more (what, path)
    configurations, in one process; problems found before it ran (see `checking_copy`) fail it too."""
    proc = amtool.run("check-config", str(config_path), *(str(path) for _, path in more))
    checked = ", ".join([shown or str(config_path), *(what for what, _ in more)])
    passed, output = confirmed(proc, AMTOOL_CONFIG_SUCCESS, 1 + len(more))  # "Checking 'file'  SUCCESS" for each
    details = "\n".join(filter(None, [*problems, output]))
    return CheckResult("amtool check-config", passed and not problems, checked, details)


def checking_copy(path: Path, shown: str, out_dir: Path, into: Path) -> tuple[Path, list[str]]:
    """The configuration amtool check-config is to read for the one at path (shown so in messages): path itself
    when it names no templates, the case of every configuration generate writes; else a copy under into
    without each templates pattern amtool must not read, and one problem for each left out. amtool reads every
    file a pattern matches: a FIFO would make it wait for ever, /dev/zero fill memory, and a file outside out/
    is none the checks have seen. The patterns kept are made absolute, read from path's directory as amtool
    reads them."""
    text = yaml_files.read_text(path)
    try:
        config = yaml_files.load(text) if "templates" in text else None
    except (yaml_files.error(), RecursionError):
        return path, []  # not YAML: amtool says so, and reads no template
    patterns_found = config.get("templates") if isinstance(config, dict) else None
    if not patterns_found:
        return path, []
    if not isinstance(patterns_found, list) or not all(isinstance(p, str) for p in patterns_found):
        raise OutputError(f"{shown}: templates is not a list of strings, not as generate writes it: "
                          f"{yaml_files.REGENERATE}")
    kept, problems = [], []
    for index, pattern in enumerate(patterns_found):
        problem = patterns.problem(f"templates[{index}]", pattern, path.parent, out_dir, "amtool")
        if problem is None:
            kept.append(patterns.full_pattern(pattern, path.parent))
        else:
            problems.append(f"{shown}: {problem}")
    copy = into / f"{len(list(into.iterdir()))}-{path.name}"
    copy.write_text(yaml_files.dump({**config, "templates": kept}), encoding="utf-8")
    return copy, problems


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n"})


def label_matcher(name: str, value: str) -> str:
    r"""name="value" as amtool reads a label from its command line: quoted, its backslashes, double quotes and
    newlines escaped. Unquoted, a value with a double quote does not parse.

        assert label_matcher("team", 'say "hi"') == r'team="say \"hi\""'
    """
    return f'{name}="{value.translate(_ESCAPES)}"'


# A line Alertmanager's tools log (logfmt, from 0.27 on), such as a matcher's parser warning amtool prints on stdout.
_LOG_RECORD = re.compile(r"time=\S+ level=\S+ ")


def answer_line(stdout: str) -> str:
    """amtool's answer on stdout: its first line that is not a log record (amtool 0.27 and later log warnings there,
    before the answer).

        assert answer_line('time=2026-12-02T07:19:34Z level=WARN source=parse.go:183 msg="..."\nplain\n') == "plain"
    """
    return next((line.strip() for line in stdout.split("\n") if not _LOG_RECORD.match(line)), "")


def route_tests(amtool: Tool, config_path: Path, tests: Sequence[Expectation]) -> CheckResult:
    """Each expectation through `amtool config routes test`; amtool takes one label set per process, so a few
    run at once."""

    def run(test: Expectation) -> str | None:
        items = sorted(test.labels.items())
        labels = [f"{k}={v}" for k, v in items]
        receivers = ",".join(test.receivers)
        proc = amtool.run("config", "routes", "test", f"--config.file={config_path}",
                          f"--verify.receivers={receivers}", *(label_matcher(k, v) for k, v in items))
        # The receivers amtool resolved, as --verify.receivers compares them; stderr only repeats a flag warning. A
        # run that exits 0 without printing them is no amtool's.
        resolved = answer_line(proc.stdout or "")
        if proc.returncode == 0 and resolved == receivers:
            return None
        return f"{' '.join(labels)}: expected {receivers}, got {resolved or process_output(proc) or 'nothing'}"

    failures = [failure for failure in map_at_most(run, tests, _AT_ONCE) if failure is not None]
    checked = f"{len(tests)} route expectations" if tests else "no route expectations declared"
    return CheckResult("amtool config routes test", not failures, checked, "\n".join(failures))
