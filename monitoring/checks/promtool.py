"""promtool checks, one process per command for all files."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from monitoring import conventions
from monitoring.checks import block_yaml, out_shapes, patterns, yaml_files
from monitoring.checks.background import map_at_most, usable_cpus
from monitoring.checks.report import CheckResult, process_output
from monitoring.checks.tools import PROMTOOL_SUCCESS, Tool, confirmed
from monitoring.errors import OutputError

T = TypeVar("T")

_KUBERNETES_SD = "kubernetes_sd_configs"
# Fields whose file promtool insists exists; on the checking machine they usually do not.
_FILE_FIELDS = ("password_file", "credentials_file", "bearer_token_file", "ca_file", "cert_file", "key_file")


def _placeholders(node: Any, directory: Path, replaced: list[tuple[str, str, str]]) -> None:
    """Point every referenced secret or certificate file that does not exist here at an empty placeholder;
    replaced gets (field, file, placeholder) for each, in the document's order."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _FILE_FIELDS and isinstance(value, str) and not Path(value).exists():
                placeholder = directory / f"placeholder-{len(replaced)}"
                placeholder.write_text("placeholder\n")
                node[key] = str(placeholder)
                replaced.append((key, value, str(placeholder)))
            else:
                _placeholders(value, directory, replaced)
    elif isinstance(node, list):
        for item in node:
            _placeholders(item, directory, replaced)


def _waiting_sd_files(config: dict[str, Any], directory: Path) -> list[str]:
    """Leave out of the copy each file_sd pattern that matches something other than a regular file here (a FIFO,
    a device, a directory), and a file_sd config left without any: promtool reads what the patterns match, and
    would wait on a FIFO until it is stopped. One problem for each, the pattern read as Prometheus reads it (a
    relative one from the directory of the configuration, here the copy's; see monitoring.checks.patterns). The
    patterns may lead outside out/: they name the targets of the machine Prometheus runs on."""
    problems = []
    for job in config.get("scrape_configs") or []:
        kept_configs = []
        for sd in job.get("file_sd_configs") or []:
            kept = []
            for pattern in sd.get("files") or []:
                odd = patterns.odd_match(patterns.matches(pattern, directory))
                if odd is None:
                    kept.append(pattern)
                else:
                    problems.append(f"scrape job {job.get('job_name')!r}: file_sd pattern {pattern!r} matches "
                                    f"{odd}, which is not a regular file: Prometheus would wait on it or fail")
            if kept:
                kept_configs.append({**sd, "files": kept})
        if "file_sd_configs" in job:
            job["file_sd_configs"] = kept_configs
            if not kept_configs:
                del job["file_sd_configs"]
    return problems


@dataclass
class ConfigCopy:
    """The checking copy of prometheus.yml (see `check_config`), written under a directory of its own, and what
    it leaves out. Make it with `config_copy`, check it with `check_config_copy`."""

    config_path: Path
    copy: Path
    config: dict[str, Any]
    rule_files: list[str]
    notes: list[str] = field(default_factory=list)
    text: str = ""  # prometheus.yml's text, its placeholders in place: what the copy is cut from
    problems: list[str] = field(default_factory=list)  # found before promtool runs (see _waiting_sd_files)
    rule_problems: list[str] = field(default_factory=list)  # of the rule_files patterns (see _rule_file_problems)

    def write(self) -> None:
        """Write `config` to the copy: prometheus.yml's own lines without those of what was left out, when that
        reads back as `config` (the layout generate writes), else as PyYAML writes it."""
        cut = _cut(self.text, self.config)
        self.copy.write_text(cut if cut is not None else yaml_files.dump(self.config))


def config_copy(out_dir: Path, into: Path) -> ConfigCopy:
    """Write the checking copy of out_dir's prometheus.yml, and its placeholders, under into."""
    config_path = out_dir / conventions.PROMETHEUS_CONFIG
    text = yaml_files.read_text(config_path)
    config = yaml_files.read_mapping(config_path, text)
    # Before anything indexes it: what this module and the Kubernetes comparison read, in the shapes generate
    # writes; one edited into another (a number where the file_sd configs were) is one line naming the field.
    shape = out_shapes.document_problem(config, out_shapes.PROMETHEUS) if config else "empty"
    if shape is not None:
        raise OutputError(f"{config_path}: {shape}, not as generate writes it: {yaml_files.REGENERATE}")
    # `check rules` parses every rule file already: listing them here too would make promtool parse them twice.
    rule_files = config.pop("rule_files", None) or []
    replaced: list[tuple[str, str, str]] = []
    _placeholders(config, into, replaced)
    for key, file, placeholder in replaced:
        text = text.replace(f" {key}: {file}\n", f" {key}: {placeholder}\n", 1)
    made = ConfigCopy(config_path, into / "prometheus.yml", config, rule_files, text=text,
                      problems=_waiting_sd_files(config, into),
                      rule_problems=_rule_file_problems(rule_files, config_path, out_dir))
    if replaced:
        made.notes.append(f"{len(replaced)} secret/certificate files absent here were replaced by placeholders")
    made.write()
    return made


def _cut(text: str, config: dict[str, Any]) -> str | None:
    """text without the top-level keys config lacks, and without the scrape jobs it lacks (each "- " entry of
    scrape_configs, at the margin, is one job); None unless that reads back exactly as config."""
    kept_jobs = [job.get("job_name") for job in config.get("scrape_configs") or []]
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    key = ""
    keep = True
    for line in lines:
        if line[0] not in " -#":  # a top-level key
            key = line.partition(":")[0]
            keep = key in config
        elif key == "scrape_configs" and line.startswith("- "):
            name = line.removeprefix("- job_name: ").rstrip("\n")
            keep = bool(kept_jobs) and name == kept_jobs[0]
            if keep:
                kept_jobs.pop(0)
        if keep:
            out.append(line)
    cut = "".join(out)
    return cut if block_yaml.load(cut) == config else None


def check_config_copy(promtool: Tool, made: ConfigCopy) -> CheckResult:
    """`promtool check config` on a copy made by `config_copy` (rewritten without the Kubernetes jobs when this
    promtool cannot parse them)."""
    config, notes = made.config, list(made.notes)
    proc = promtool.run("check", "config", str(made.copy))
    if proc.returncode != 0 and _KUBERNETES_SD in process_output(proc):
        skipped = [job["job_name"] for job in config["scrape_configs"] if _KUBERNETES_SD in job]
        config["scrape_configs"] = [job for job in config["scrape_configs"] if _KUBERNETES_SD not in job]
        made.write()
        proc = promtool.run("check", "config", str(made.copy))
        notes.append(
            f"jobs {', '.join(skipped)} left out: this promtool cannot parse kubernetes_sd_configs, "
            "so the model validated them (see kubernetes scrape jobs)"
        )
    jobs = len(config["scrape_configs"])
    if made.rule_files:
        notes.append(f"its {len(made.rule_files)} rule_files patterns are left to `promtool check rules`")
    checked = f"{made.config_path}: global, alerting and {jobs} scrape jobs"
    if notes:
        checked += f" ({'; '.join(notes)})"
    passed, output = confirmed(proc, PROMTOOL_SUCCESS)
    details = "\n".join(filter(None, [*made.problems, output, *made.rule_problems]))
    return CheckResult("promtool check config", passed and not made.rule_problems and not made.problems,
                       checked, details)


def _rule_file_problems(rule_files: list[str], config_path: Path, out_dir: Path) -> list[str]:
    """What promtool would have said of the rule_files patterns, which the copy leaves out: each must match a
    file. And what it would not: Prometheus loads every file a pattern matches, so one that leads outside out/
    loads rules no check has seen, and one that matches a FIFO or a device waits or fills memory."""
    found, base = [], config_path.parent
    for index, pattern in enumerate(rule_files):
        problem = patterns.problem(f"rule_files[{index}]", pattern, base, out_dir, "Prometheus")
        if problem is not None:
            found.append(f"{config_path}: {problem}")
        elif not patterns.matches(pattern, base):
            found.append(f"rule_files pattern {pattern!r} matches no file")
    return found


def check_config(promtool: Tool, out_dir: Path) -> CheckResult:
    """`promtool check config` on a checking copy of prometheus.yml.

    The copy differs from the file in four documented ways: it lists no rule_files (`check rules` checks
    them; here each pattern must match a file, stay inside out/ and match regular files only), secret and
    certificate files that do not exist on this machine point at placeholders, a file_sd pattern that matches
    what is not a regular file here is left out (and fails the check), and, only when this promtool cannot parse
    kubernetes_sd_configs (Debian's 2.42), the Kubernetes jobs are left out; the model validated those.
    """
    with tempfile.TemporaryDirectory(dir=promtool.mount) as tmp:
        return check_config_copy(promtool, config_copy(out_dir, Path(tmp)))


def check_rules(promtool: Tool, rule_files: list[Path], extracted: list[Path] | None = None,
                what: str = "") -> CheckResult:
    """`promtool check rules` over rule_files and extracted ones (e.g. PrometheusRules' groups, named by what)."""
    everything = [*rule_files, *(extracted or [])]
    if not everything:
        return CheckResult("promtool check rules", True, "no rule files")
    proc = promtool.run("check", "rules", "--lint=all", "--lint-fatal", *map(str, everything))
    checked = f"{len(rule_files)} rule files" + (f" and {len(extracted or [])} {what}" if extracted else "")
    checked += ", --lint=all --lint-fatal"
    passed, output = confirmed(proc, PROMTOOL_SUCCESS, len(everything))  # "SUCCESS: n rules found" for each
    return CheckResult("promtool check rules", passed, checked, output)


# Test files per `promtool test rules` process. A generated SLO test file takes promtool one to a few seconds:
# one process for every file of a stack of hundreds of SLOs would take longer than a tool may run (tools.TIMEOUT),
# so the files go in runs of at most this many, as many runs at once as there are CPUs to run them.
TESTS_PER_RUN = 16


def batches_of_tests(files: Sequence[T]) -> list[list[T]]:
    """The files in order, in runs of at most TESTS_PER_RUN, no more runs than it takes to keep the CPUs busy."""
    size = max(1, min(TESTS_PER_RUN, -(-len(files) // usable_cpus())))
    return [list(files[start:start + size]) for start in range(0, len(files), size)]


def run_tests(promtool: Tool, test_files: list[Path], what: str = "") -> CheckResult:
    """`promtool test rules` over every file: in runs of at most TESTS_PER_RUN files, side by side on the CPUs
    this process may use, their output in the files' order."""
    if not test_files:
        return CheckResult("promtool test rules", False, "no test files")
    def run(files: list[Path]) -> tuple[bool, str]:
        return confirmed(promtool.run("test", "rules", *map(str, files)), PROMTOOL_SUCCESS, len(files))

    runs = map_at_most(run, batches_of_tests(test_files), usable_cpus())
    checked = f"{len(test_files)} test files" + (f" ({what})" if what else "")
    return CheckResult("promtool test rules", all(passed for passed, _ in runs), checked,
                       "\n\n".join(filter(None, (output for _, output in runs))))
