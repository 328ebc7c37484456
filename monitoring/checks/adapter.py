"""prometheus-adapter configurations and HPA manifests, checked offline.

The adapter's queries are templates; they are checked by filling in its variables the way the adapter does for a
request (<<.Series>> the series name, <<.LabelMatchers>> the resource matchers, <<.GroupBy>> the resource labels)
and parsing the result as PromQL. An HPA's Pods and Object metrics must each be exported by a rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import promql_parser

from monitoring import conventions, go_regexp, promql
from monitoring.checks import yaml_files
from monitoring.checks.report import CheckResult
from monitoring.errors import MonitoringError
from monitoring.output.manifest import Manifest

_SERIES_NAME = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)")


class AutoscalingError(MonitoringError):
    """An HPA names a metric the adapter does not export, or an adapter rule is unusable."""


def _resource_labels(rule: dict[str, Any]) -> list[str]:
    resources = rule.get("resources") or {}
    labels = list((resources.get("overrides") or {}).keys())
    if not labels and resources.get("template"):
        labels = ["namespace", "pod"]  # a template maps <<.Resource>> back to labels named like resources
    return labels or ["namespace"]


def _series_name(rule: dict[str, Any]) -> str:
    match = _SERIES_NAME.match(str(rule.get("seriesQuery", "")))
    return match.group(1) if match else "series"


# Go's regexp.Expand, which prometheus-adapter applies to `name.as`: `$name` or `${name}` where a name is the
# longest run of letters, digits and underscores (so `$1_per_second` is the group named "1_per_second", not
# `${1}_per_second`); a name of ASCII digits without a leading zero is a group number; a group the pattern lacks,
# or that did not take part in the match, expands to ""; `$$` is a `$`; a `$` without a name is kept as it is.
GoReference = tuple[str, int]  # (name, number), the number -1 unless the name is a group number


def _go_name_length(text: str) -> int:
    """Go's unicode.IsLetter, unicode.IsDigit or '_': Python's isalpha is Unicode category L, isdecimal is Nd."""
    length = 0
    while length < len(text) and (text[length].isalpha() or text[length].isdecimal() or text[length] == "_"):
        length += 1
    return length


def _go_number(name: str) -> int:
    """The group number a name stands for, -1 for none: ASCII digits, below 1e9, no leading zero (as Go reads it)."""
    number = 0
    for char in name:
        if not "0" <= char <= "9" or number >= 100_000_000:
            return -1
        number = number * 10 + ord(char) - ord("0")
    return -1 if name[0] == "0" and len(name) > 1 else number


def _go_extract(text: str) -> tuple[GoReference, str] | None:
    """The reference at the start of text (the `$` already read) and the text after it; None when malformed."""
    braced = text.startswith("{")
    body = text[1:] if braced else text
    length = _go_name_length(body)
    if length == 0 or (braced and body[length:length + 1] != "}"):
        return None
    name = body[:length]
    return (name, _go_number(name)), body[length + (1 if braced else 0):]


def go_template(template: str) -> list[str | GoReference]:
    """A `name.as` template as Go's Expand reads it: literal text and group references, in order."""
    parts: list[str | GoReference] = []
    while "$" in template:
        before, template = template.split("$", 1)
        parts.append(before)
        if template.startswith("$"):
            parts.append("$")
            template = template[1:]
            continue
        extracted = _go_extract(template)
        if extracted is None:
            parts.append("$")  # Go keeps a malformed reference's `$` as text and reads on after it
            continue
        reference, template = extracted
        parts.append(reference)
    parts.append(template)
    return [part for part in parts if part != ""]


def _go_group(pattern: re.Pattern[str], reference: GoReference) -> int | str | None:
    """The group a reference names in pattern, or None when the pattern has no such group."""
    name, number = reference
    if number >= 0:
        return number if number <= pattern.groups else None
    return name if name in pattern.groupindex else None


def go_expand(template: str, match: re.Match[str]) -> str:
    """What Go's regexp ExpandString makes of template for match."""
    out = []
    for part in go_template(template):
        if isinstance(part, str):
            out.append(part)
        elif (group := _go_group(match.re, part)) is not None:
            out.append(match.group(group) or "")
    return "".join(out)


def go_pattern(text: str) -> re.Pattern[str]:
    """A Go (RE2) regular expression as prometheus-adapter compiles it, unanchored (see monitoring.go_regexp)."""
    return go_regexp.compiled(text)


@dataclass(frozen=True)
class RuleNaming:
    """How one adapter rule names its metrics (docs/config.md, "Discovery" and "Naming")."""

    index: int
    series_query: str
    series: str | None  # the one metric the seriesQuery selects; None when Prometheus's answer decides
    matches: re.Pattern[str]  # name.matches, also a filter on the series' names
    template: str  # name.as, or its default
    filters: tuple[tuple[re.Pattern[str], bool], ...]  # seriesFilters: (regex, whether a name must match it)

    def exported(self) -> str | None:
        """The name HPAs see for the rule's one series; None when discovery decides or the series is filtered out."""
        if self.series is None or not all(bool(r.search(self.series)) == must for r, must in self.filters):
            return None
        match = self.matches.search(self.series)
        return None if match is None else go_expand(self.template, match)

    def could_export(self, metric: str) -> bool:
        """Whether some discovered series could be named metric: every group stands for any text."""
        if self.series is not None:
            return False
        shape = "".join(re.escape(part) if isinstance(part, str)
                        else "" if _go_group(self.matches, part) is None else ".*"
                        for part in go_template(self.template))
        return re.fullmatch(shape, metric, re.DOTALL) is not None


def _rule_error(rule: dict[str, Any], index: int, problem: str) -> AutoscalingError:
    return AutoscalingError(f"rules[{index}] (seriesQuery {str(rule.get('seriesQuery', ''))!r}): {problem}")


def _compiled(rule: dict[str, Any], index: int, field: str, text: Any) -> re.Pattern[str]:
    try:
        return go_pattern(str(text))
    except re.error as exc:
        raise _rule_error(rule, index, f"{field} {str(text)!r} is not a regular expression: {exc}") from None


def _selected_series(rule: dict[str, Any], index: int) -> str | None:
    """The metric name a seriesQuery selects by name or `__name__="..."`; None for a regex or no name at all."""
    query = str(rule.get("seriesQuery") or "")
    try:
        tree = promql.parse(query)
    except ValueError:
        tree = None
    if not isinstance(tree, promql_parser.VectorSelector):
        raise _rule_error(rule, index, "seriesQuery is not a series selector")
    return promql.selector_name(tree)


def _series_filters(rule: dict[str, Any], index: int) -> tuple[tuple[re.Pattern[str], bool], ...]:
    filters = []
    for entry in rule.get("seriesFilters") or []:
        if not isinstance(entry, dict) or bool(entry.get("is")) == bool(entry.get("isNot")):
            raise _rule_error(rule, index, "each seriesFilters entry needs exactly one of is and isNot")
        must = bool(entry.get("is"))
        filters.append((_compiled(rule, index, "seriesFilters", entry["is" if must else "isNot"]), must))
    return tuple(filters)


def rule_naming(rule: dict[str, Any], index: int) -> RuleNaming:
    """The rule's naming as the adapter builds it; AutoscalingError where the adapter would refuse the rule."""
    name = rule.get("name") or {}
    matches = _compiled(rule, index, "name.matches", name.get("matches") or ".*")
    template = str(name.get("as") or "")
    if not template:
        # The adapter's defaults: the whole match without groups, the one group with one; otherwise it refuses.
        if matches.groups > 1:
            raise _rule_error(rule, index, "name.matches has several groups, so name.as is required")
        template = f"${matches.groups}"
    return RuleNaming(index, str(rule.get("seriesQuery") or ""), _selected_series(rule, index), matches, template,
                      _series_filters(rule, index))


def exported_name(rule: dict[str, Any]) -> str | None:
    """The metric name HPAs see for a rule with a concrete series (None when it depends on discovery)."""
    return rule_naming(rule, 0).exported()


def rule_problems(rule: dict[str, Any], index: int) -> list[str]:
    problems = []
    for key in ("seriesQuery", "metricsQuery"):
        if not rule.get(key):
            problems.append(f"rules[{index}]: {key} is required")
    if problems:
        return problems
    labels = _resource_labels(rule)
    query = (str(rule["metricsQuery"]).replace("<<.Series>>", _series_name(rule))
             .replace("<<.LabelMatchers>>", ",".join(f'{label}=~"a|b"' for label in labels))
             .replace("<<.GroupBy>>", ", ".join(labels)))
    for key, text in (("seriesQuery", str(rule["seriesQuery"])), ("metricsQuery", query)):
        try:
            promql.parse(text)
        except ValueError as exc:
            problems.append(f"rules[{index}].{key} {text!r}: {exc}")
    if "<<" in query:
        problems.append(f"rules[{index}].metricsQuery uses a template variable other than <<.Series>>, "
                        "<<.LabelMatchers>> and <<.GroupBy>>")
    return problems


def rule_namings(config: dict[str, Any]) -> list[RuleNaming]:
    return [rule_naming(rule, index) for index, rule in enumerate(config.get("rules") or [])]


def exported_names(config: dict[str, Any]) -> set[str]:
    """The names the rules with a concrete series export (discovery rules' names depend on Prometheus)."""
    return {name for naming in rule_namings(config) if (name := naming.exported())}


def hpa_metrics(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """(type, metric name) of every Pods and Object metric of an autoscaling/v2 HPA."""
    found = []
    for metric in (manifest.get("spec") or {}).get("metrics") or []:
        kind = metric.get("type")
        if kind in ("Pods", "Object"):
            body = metric.get(kind.lower()) or {}
            name = (body.get("metric") or {}).get("name") or body.get("metricName")
            found.append((kind, str(name)))
    return found


@dataclass(frozen=True)
class HpaCheck:
    """What check_hpa_manifests found short of a failure."""

    checked: int  # HPAs
    undecided: tuple[str, ...] = ()  # one line per metric that only a discovery rule could export


def _documents(path: Path, data: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """(where, document) for each document, and each item of a List (`kubectl get hpa -o yaml` prints one)."""
    if isinstance(data, dict) and str(data.get("kind", "")).endswith("List") and "items" in data:
        if not isinstance(data["items"], list):
            raise AutoscalingError(f"{path}: {where}items is not a list, not a List as Kubernetes reads it")
        for index, item in enumerate(data["items"]):
            yield from _documents(path, item, f"{where}items[{index}].")
    else:
        yield where, data


def _hpas(paths: list[Path], named: bool) -> Iterator[tuple[Path, dict[str, Any]]]:
    from monitoring.checks.out_shapes import HPA

    for path in paths:
        for document in _load(path):
            for where, manifest in _documents(path, document):
                if not isinstance(manifest, dict) or manifest.get("kind") != "HorizontalPodAutoscaler":
                    continue
                problem = _shape_problem(manifest, HPA) if named else None
                if problem:
                    raise AutoscalingError(f"{path}: {where}{problem}, not an HPA as Kubernetes reads it")
                yield path, manifest


def _undecided(namings: list[RuleNaming], metric: str) -> str | None:
    """Why no answer can be given offline for a metric that a discovery rule could export, or None."""
    rules = [n for n in namings if n.could_export(metric)]
    if not rules:
        return None
    return ("; ".join(f"rules[{n.index}] names the series Prometheus returns for {n.series_query!r}" for n in rules)
            + ", so whether it is exported depends on them")


def check_hpa_manifests(paths: list[Path], adapter_config: Path, *, named: bool = True) -> HpaCheck:
    """The HPAs checked and the metrics only discovery could tell about; AutoscalingError (one line) for the first
    metric no rule could export, for files a user `named` holding no HPA, or (files a user `named`) for a file of
    another shape than Kubernetes and the adapter read. out/'s own files are not judged here: validate names one
    edited into another shape as it does any file of out/."""
    from monitoring.checks.out_shapes import ADAPTER

    config = next(iter(_load(adapter_config)), None) or {}  # an empty file has no rules
    problem = _shape_problem(config, ADAPTER) if named else None
    if problem:
        raise AutoscalingError(f"{adapter_config}: {problem}, not a prometheus-adapter configuration")
    try:
        namings = rule_namings(config)
    except AutoscalingError as exc:
        raise AutoscalingError(f"{adapter_config}: {exc}") from None
    exported = {name for naming in namings if (name := naming.exported())}
    checked, undecided = 0, []
    for path, manifest in _hpas(paths, named):
        checked += 1
        name = (manifest.get("metadata") or {}).get("name", "?")
        for kind, metric in hpa_metrics(manifest):
            if metric in exported:
                continue
            where = f"hpa {name!r} in {path}: {kind} metric {metric!r}"
            if reason := _undecided(namings, metric):
                undecided.append(f"{where}: cannot tell offline: {reason}")
                continue
            raise AutoscalingError(
                f"{where} is not exported by the adapter configuration {adapter_config} "
                f"(it exports: {_exports_text(exported, namings)}){_empty_names(namings)}")
    if named and not checked:
        # A check of nothing must not pass: a wrong file or an empty `kubectl get` would otherwise look fine.
        raise AutoscalingError(f"no HorizontalPodAutoscaler in {', '.join(str(p) for p in paths)}: nothing to check")
    return HpaCheck(checked, tuple(undecided))


def _empty_names(namings: list[RuleNaming]) -> str:
    """A note on rules whose series get an empty name, most often `$1_suffix` written for `${1}_suffix`."""
    empty = [n for n in namings if n.series is not None and n.exported() == ""]
    return "".join(f"; rules[{n.index}] names {n.series!r} '' with name.as {n.template!r} (Go reads a $name as "
                   "long as letters, digits and _ go on: write ${1}_x for group 1 then _x)" for n in empty)


def _exports_text(exported: set[str], namings: list[RuleNaming]) -> str:
    discovered = [f"names from the series of {n.series_query!r}" for n in namings if n.series is None]
    return ", ".join(sorted(exported) + discovered) or "nothing"


def _shape_problem(data: Any, shape: Any) -> str | None:
    """Where a document departs from shape ("spec.metrics is not a list"), or None."""
    from monitoring.checks.shapes import document_problem

    found = document_problem(data, shape)
    return None if found is None else found[0]


def _load(path: Path) -> list[Any]:
    try:
        return list(yaml_files.load_all(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise AutoscalingError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise AutoscalingError(f"{path} is not UTF-8 text") from None
    except yaml_files.error() as exc:
        raise AutoscalingError(f"{path} is not YAML: {str(exc).splitlines()[0]}") from None


def check_adapter(manifest: Manifest, out_dir: Path) -> list[CheckResult]:
    """The generated adapter config's queries parse, and every generated HPA's metrics are exported."""
    config_path = out_dir / conventions.ADAPTER_CONFIG
    if not config_path.exists():
        return []
    rules = (_load(config_path)[0] or {}).get("rules") or []
    problems = [p for i, r in enumerate(rules) for p in rule_problems(r, i)]
    results = [CheckResult("prometheus-adapter rules", not problems, f"{len(rules)} rules in {config_path}",
                           "\n".join(problems))]
    hpas = sorted((out_dir / conventions.HPA_DIR).glob("*.yml"))
    try:
        found = check_hpa_manifests(hpas, config_path, named=False)
        results.append(CheckResult("hpa metrics exported", True, f"{found.checked} HPAs",
                                   warnings="\n".join(found.undecided)))
    except AutoscalingError as exc:
        results.append(CheckResult("hpa metrics exported", False, f"{len(hpas)} HPAs", str(exc)))
    return results
