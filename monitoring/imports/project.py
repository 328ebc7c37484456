"""One import: classify the input files, map each onto the model, and write the Python package."""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from monitoring import conventions
from monitoring.errors import InputFileError
from monitoring.grafana import legacy_dashboard
from monitoring.grafana.variables import substitute
from monitoring.imports import alertmanager, catalog, dashboards, rules, scrape
from monitoring.imports.findings import Findings
from monitoring.imports.pysource import LINE_LENGTH, Call, Name, assignment, comment_text, source
from monitoring.imports.redact import redact_text
from monitoring.imports.source import SourceFile, read
from monitoring.model.metrics import Catalog
from monitoring.model.service import Service


@dataclass
class ImportResult:
    """What an import produced: files to write (path relative to the project -> text) and its warnings.

        result = import_files([Path("alertmanager.yml")])
        result.files["imported/routing.py"]  # the Routing, as Python
    """

    files: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    stack: str = ""
    services: dict[str, str] = field(default_factory=dict)  # service name -> the rule file it came from


@dataclass
class _Inputs:
    rule_files: list[rules.RuleFile] = field(default_factory=list)
    scrape: scrape.ScrapeImport | None = None
    routing: alertmanager.RoutingImport | None = None
    dashboards: list[dashboards.DashboardImport] = field(default_factory=list)


def import_files(paths: list[Path], *, package: str = "imported", name: str | None = None,
                 dashboards_dir: str = "dashboards", strict: bool = False,
                 metadata: Mapping[str, str] | None = None) -> ImportResult:
    """Read every input file and return the Python package (and dashboard files) that define the same things.
    metadata (metric family -> type, as `metric_types` reads it from a running Prometheus) overrules what the
    expressions and the names say about each metric's type.

        import_files([Path("rules/api.yml"), Path("alertmanager.yml")], package="imported")
    """
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", package) or keyword.iskeyword(package):
        raise InputFileError(f"--package {package!r}: must be a Python module name such as 'imported'")
    findings = Findings(strict=strict)
    inputs = _Inputs()
    alert_names: set[str] = set()
    for path in paths:
        _classify(read(path), inputs, findings, alert_names)
    _distinct_dashboards(inputs.dashboards)
    stack_name = _slug(name or package)
    result = ImportResult(stack=f"{package}.stack:stack")
    result.files = _write(inputs, package, stack_name, dashboards_dir, findings, metadata)
    taken: list[str] = []
    for rule_file in inputs.rule_files:  # the same names _write gives the services
        taken.append(_unique_slug(rule_file.name, taken))
        result.services[taken[-1]] = rule_file.source
    result.warnings = findings.warnings
    result.counts = {
        "rule files": len(inputs.rule_files),
        "rules": sum(len(g.rules) for f in inputs.rule_files for g in f.groups),
        "scrape jobs": len(inputs.scrape.jobs) if inputs.scrape else 0,
        "receivers": len(inputs.routing.routing.receivers) if inputs.routing else 0,
        "dashboards": len(inputs.dashboards),
    }
    return result


def _distinct_dashboards(imported: list[dashboards.DashboardImport]) -> None:
    """Two dashboards of one uid (given, or made from the title as generate makes it) would be one in Grafana, and
    generate refuses them: refused here, naming both files, before anything is written."""
    seen: dict[str, dashboards.DashboardImport] = {}
    for dashboard in imported:
        uid = dashboard.uid or conventions.dashboard_uid(dashboard.title)
        first = seen.setdefault(uid, dashboard)
        if first is not dashboard:
            raise InputFileError(f"{dashboard.source}:1: dashboard {dashboard.title!r} has the uid {uid!r} of "
                                 f"dashboard {first.title!r} ({first.source}): give one of them another uid")


def _classify(source: SourceFile, inputs: _Inputs, findings: Findings, alert_names: set[str]) -> None:
    first = source.documents[0] if source.documents else None
    if source.path.suffix == ".json" or dashboards.is_dashboard(first):
        imported = dashboards.import_dashboard(source)
        for note in imported.notes:
            if note.startswith(legacy_dashboard.DROPPED_NOTE):
                findings.unsupported(f"{source.name}:1", f"dashboard {imported.title!r}: {note}",
                                     "not imported")
        inputs.dashboards.append(imported)
    elif rules.is_rule_document(first):
        inputs.rule_files += rules.rule_files(source, findings, alert_names)
    elif alertmanager.is_alertmanager_config(first):
        if inputs.routing is not None:
            raise source.error(1, f"a second alertmanager.yml (the first was {inputs.routing.source})")
        inputs.routing = alertmanager.import_config(source, findings)
    elif scrape.is_prometheus_config(first):
        if inputs.scrape is not None:
            raise source.error(1, f"a second prometheus.yml (the first was {inputs.scrape.source})")
        inputs.scrape = scrape.import_config(source, findings)
    else:
        raise source.error(getattr(first, "line", 1), "not a rule file, prometheus.yml, alertmanager.yml or "
                                                      "Grafana dashboard JSON")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "imported"


def _identifier(text: str, taken: set[str], upper: bool = False) -> str:
    ident = re.sub(r"[^a-zA-Z0-9]+", "_", text).strip("_")
    ident = ident.upper() if upper else ident.lower()
    if not ident or ident[0].isdigit() or keyword.iskeyword(ident):
        ident = f"{'G' if upper else 'm'}_{ident}"
    base, n = ident, 2
    while ident in taken:
        ident, n = f"{base}_{n}", n + 1
    taken.add(ident)
    return ident


def _header(what: str, sources: list[str], notes: list[str]) -> list[str]:
    # File names, rule group names and kept values are input text: escaped, they cannot end the docstring or
    # the comment; a note is redacted where it is built, and again here in case a URL carries userinfo.
    doc = comment_text(f"{what}: imported by `{conventions.TOOL} import` from {', '.join(sources)}.", docstring=True)
    lines = [f'"""{doc}"""', ""]
    if notes:
        lines += ["# Not imported (the model has no field for these; they are not in the generated output):"]
        lines += [f"#   {comment_text(redact_text(note))}" for note in notes] + [""]
    return lines


def _imports(names: set[str]) -> str:
    ordered = sorted(names, key=str.lower)
    line = f"from monitoring import {', '.join(ordered)}"
    if len(line) <= LINE_LENGTH:
        return line
    return "from monitoring import (\n" + "".join(f"    {name},\n" for name in ordered) + ")"


def _write(inputs: _Inputs, package: str, stack_name: str, dashboards_dir: str,
           findings: Findings, metadata: Mapping[str, str] | None = None) -> dict[str, str]:
    files: dict[str, str] = {}
    modules = {"stack", "routing", "scrape", "catalog", "dashboards"}
    usage, described = catalog.Usage(), {}
    recorded = set()
    for rule_file in inputs.rule_files:
        for group in rule_file.groups:
            for rule in group.rules:
                before = set(usage.order)
                usage.add(rule.expr, f"{type(rule).__name__} {rule.name!r}")
                usage.templated(rule.expr, [*(getattr(rule, "annotations", None) or {}).values(),
                                            getattr(rule, "summary", ""), getattr(rule, "description", "")])
                described.update({n: f"{type(rule).__name__} {rule.name!r}" for n in set(usage.order) - before})
            recorded.update(group.recorded_series)
    for imported in inputs.dashboards:
        for expr in imported.exprs:
            before = set(usage.order)
            try:
                usage.add(substitute(expr), f"dashboard {imported.title!r}")
            except ValueError:
                continue
            described.update({n: f"dashboard {imported.title!r}" for n in set(usage.order) - before})
    metrics, metric_notes = catalog.infer(usage, recorded, described, metadata)
    owner = _metric_owners(inputs, metrics)
    services: list[tuple[str, str]] = []  # (module, variable)
    for index, rule_file in enumerate(inputs.rule_files):
        module = _identifier(rule_file.name, modules)
        service_name = _unique_slug(rule_file.name, [s for s, _ in services])
        own = [m for m in metrics if owner.get(m.name) == index]
        files[f"{package}/{module}.py"] = _service_module(rule_file, service_name, own, metric_notes)
        services.append((service_name, f"{module}.service"))
    shared = [m for m in metrics if m.name not in owner]
    if shared:
        files[f"{package}/catalog.py"] = _catalog_module(shared, metric_notes)
    if inputs.scrape:
        files[f"{package}/scrape.py"] = _scrape_module(inputs.scrape, [s for s, _ in services])
    if inputs.routing:
        files[f"{package}/routing.py"] = "\n".join([*_header("Alertmanager routing", [inputs.routing.source],
                                                                inputs.routing.notes),
                                                     _imports(_classes(inputs.routing.routing)), "", "",
                                                     assignment("routing", inputs.routing.routing), ""])
    model_dashboards = [d for d in inputs.dashboards if d.dashboard is not None]
    if model_dashboards:
        body = tuple(d.dashboard for d in model_dashboards)
        classes = set().union(*(_classes(d) for d in body))
        files[f"{package}/dashboards.py"] = "\n".join([
            *_header("Dashboards", [d.source for d in model_dashboards], []), _imports(classes), "", "",
            assignment("DASHBOARDS", body), ""])
    for imported in inputs.dashboards:
        if imported.json is not None:
            files.update(_json_dashboard(imported, dashboards_dir, set(files)))
    files[f"{package}/__init__.py"] = f'"""Definitions imported by `{conventions.TOOL} import`."""\n'
    files[f"{package}/stack.py"] = _stack_module(inputs, stack_name, services, bool(model_dashboards), bool(shared))
    return files


def _unique_slug(text: str, taken: list[str]) -> str:
    slug, n = _slug(text), 2
    base = slug
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _metric_owners(inputs: _Inputs, metrics: list[catalog.AnyMetric]) -> dict[str, int]:
    """The rule file each metric belongs to, when exactly one selects it; the rest go to the shared catalog."""
    users: dict[str, set[int]] = {}
    series = {s: m.name for m in metrics for s in m.series_names()}
    for index, rule_file in enumerate(inputs.rule_files):
        usage = catalog.Usage()
        for group in rule_file.groups:
            for rule in group.rules:
                usage.add(rule.expr)
        for name in usage.order:
            if name in series:
                users.setdefault(series[name], set()).add(index)
    return {name: next(iter(indexes)) for name, indexes in users.items() if len(indexes) == 1}


def _classes(value: object) -> set[str]:
    """The model class names a value's source code calls."""
    from pydantic import BaseModel

    found: set[str] = set()
    if isinstance(value, BaseModel):
        found.add(type(value).__name__)
        for key in type(value).model_fields:
            found |= _classes(getattr(value, key))
    elif isinstance(value, tuple | list):
        for item in value:
            found |= _classes(item)
    elif isinstance(value, dict):
        for item in value.values():
            found |= _classes(item)
    return found


def _service_module(rule_file: rules.RuleFile, service_name: str, metrics: list, notes: list[str]) -> str:
    taken: set[str] = {"METRICS", "service"}
    lines: list[str] = []
    names = []
    for group in rule_file.groups:
        ident = _identifier(group.name, taken, upper=True)
        names.append(Name(ident))
        lines += [assignment(ident, group), ""]
    service = Call("Service", (), (("name", service_name), *((("metrics", Name("METRICS")),) if metrics else ()),
                                    ("rule_groups", tuple(names))))
    classes = {"Service"} | _classes(tuple(rule_file.groups)) | _classes(tuple(metrics))
    own_notes = [n for n in notes if n.split(":")[0] in {m.name for m in metrics}]
    text = [*_header(f"Service {service_name!r}", [rule_file.source], rule_file.notes), _imports(classes), "", ""]
    if metrics:
        said = comment_text(f" {'; '.join(own_notes)}.") if own_notes else ""
        text += [f"# Inferred from the expressions below.{said}",
                 assignment("METRICS", tuple(metrics)), "", ""]
    return "\n".join(text + lines[:-1] + ["", "", assignment("service", service), ""]).replace("\n\n\n\n", "\n\n\n")


def _catalog_module(metrics: list, notes: list[str]) -> str:
    shared = Catalog(name="imported", description="Metrics that several imported rule files or dashboards select.",
                     metrics=tuple(metrics))
    own_notes = [n for n in notes if n.split(":")[0] in {m.name for m in metrics}]
    return "\n".join([*_header("The shared metric catalog, inferred from the expressions", ["the imported files"],
                               own_notes),
                      _imports(_classes(shared)), "", "", assignment("catalog", shared), ""])


def _scrape_module(imported: scrape.ScrapeImport, taken: list[str]) -> str:
    jobs = []
    for job in imported.jobs:
        name = _unique_slug(job.name, taken)
        taken.append(name)
        jobs.append(Service(name=name, scrape_jobs=(job,)))
    return "\n".join([*_header("Scrape jobs, one service each", [imported.source], imported.notes),
                      _imports(_classes(tuple(jobs))), "", "", assignment("SERVICES", tuple(jobs)), ""])


def _json_dashboard(imported: dashboards.DashboardImport, directory: str, taken: set[str]) -> dict[str, str]:
    stem = _slug(imported.uid or imported.title)
    while f"{directory}/{stem}.json" in taken:
        stem += "-2"
    data = orjson.dumps(imported.json, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"
    paragraphs = [f"Dashboard {imported.title!r}, imported by `{conventions.TOOL} import` from {imported.source}.",
                  f"Kept as Grafana JSON ({stem}.json, checked to be a dashboard on import) because {imported.reason}.",
                  *(f"{note[0].upper()}{note[1:]}." for note in imported.notes)]
    # The title and the notes are the dashboard's text: escaped so that they cannot end the docstring.
    doc = "\n\n".join(comment_text(paragraph, docstring=True) for paragraph in paragraphs)
    loader = "\n".join([
        f'"""{doc}',
        '"""',
        "",
        "import json",
        "from pathlib import Path",
        "",
        f'dashboard = json.loads(Path(__file__).with_name("{stem}.json").read_text(encoding="utf-8"))',
        ""])
    return {f"{directory}/{stem}.json": data, f"{directory}/{stem}.dashboard.py": loader}


def _stack_module(inputs: _Inputs, stack_name: str, services: list[tuple[str, str]], has_dashboards: bool,
                  has_catalog: bool) -> str:
    modules = sorted({variable.split(".")[0] for _, variable in services} | ({"catalog"} if has_catalog else set())
                     | ({"scrape"} if inputs.scrape else set()) | ({"routing"} if inputs.routing else set())
                     | ({"dashboards"} if has_dashboards else set()))
    service_items: list[object] = [Name(v) for _, v in services]
    if inputs.scrape:
        service_items.append(Name("*scrape.SERVICES"))
    if not service_items:
        service_items.append(Name(f'Service(name="{stack_name}")'))
    settings = dict(inputs.scrape.settings) if inputs.scrape else {}
    kwargs: list[tuple[str, object]] = [("name", stack_name)]
    kwargs += [(k, tuple(v) if isinstance(v, list) else v) for k, v in settings.items()]
    kwargs.append(("runbook_url_pattern", None))
    kwargs.append(("services", tuple(service_items)))
    if has_catalog:
        kwargs.append(("catalogs", (Name("catalog.catalog"),)))
    if inputs.routing:
        kwargs.append(("routing", Name("routing.routing")))
    else:
        default = 'Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),))'
        kwargs.append(("routing", Name(default)))
    if has_dashboards:
        kwargs.append(("dashboards", Name("dashboards.DASHBOARDS")))
    names = {"Stack"} | ({"Service"} if not services and not inputs.scrape else set()) | _classes(settings)
    names |= set() if inputs.routing else {"Receiver", "Route", "Routing"}
    lines = [f'"""The stack imported by `{conventions.TOOL} import`. Point [tool.monitoring] stack at it."""', "",
             _imports(names)]
    if modules:
        lines.append(f"from . import {', '.join(modules)}")
    lines += ["", ""]
    if not inputs.routing:
        lines.append("# No alertmanager.yml was imported: every alert goes to one receiver without integrations.")
    lines += [source(Call("Stack", (), tuple(kwargs)), "", "stack = "), ""]
    return "\n".join(lines)

