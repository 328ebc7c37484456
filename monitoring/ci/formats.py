"""The four ways `monitoring ci` reports: text for people, json (one documented schema), junit, github."""

from __future__ import annotations

import json
from collections.abc import Callable
from xml.etree import ElementTree

from monitoring.ci.report import CIReport, Finding


def text(report: CIReport) -> str:
    lines = []
    for step in report.steps:
        lines.append(f"== {step.name}: {step.status}")
        for case in step.cases:
            lines.append(f"{'ok  ' if case.passed else 'FAIL'} {case.name}: {case.message}")
            lines += [f"    {_place(f)}{f.message}" for f in case.findings]
    lines.append(f"ci {report.status}")
    return "\n".join(lines)


def _place(found: Finding) -> str:
    return f"[{found.file}:{found.line}] " if found.file and found.file not in found.message else ""


def as_json(report: CIReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False)


def junit(report: CIReport) -> str:
    """JUnit XML: a testsuite per step, a testcase per check and per promtool test."""
    cases = [c for s in report.steps for c in s.cases]
    root = ElementTree.Element("testsuites", name="monitoring ci", tests=str(len(cases)),
                               failures=str(sum(not c.passed for s in report.steps if s.error is None
                                                for c in s.cases)),
                               errors=str(sum(s.error is not None for s in report.steps)))
    for step in report.steps:
        suite = ElementTree.SubElement(
            root, "testsuite", name=step.name, tests=str(len(step.cases)),
            failures=str(0 if step.error else sum(not c.passed for c in step.cases)),
            errors=str(int(step.error is not None)), time=f"{step.seconds:.3f}")
        for case in step.cases:
            element = ElementTree.SubElement(suite, "testcase", classname=f"monitoring.{step.name.split()[0]}",
                                             name=case.name, time=f"{case.seconds:.3f}")
            if not case.passed:
                kind = "error" if step.error is not None else "failure"
                problem = ElementTree.SubElement(element, kind, message=case.message)
                problem.text = "\n".join(f"{_place(f)}{f.message}" for f in case.findings)
            if case.findings and case.findings[0].file:
                ElementTree.SubElement(element, "properties").append(
                    ElementTree.Element("property", name="definition",
                                        value=f"{case.findings[0].file}:{case.findings[0].line}"))
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode")


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(report: CIReport) -> str:
    """GitHub Actions workflow commands: an error annotation per finding, at the Python definition behind it."""
    lines = []
    for step in report.steps:
        for case in step.cases:
            for found in case.findings:
                where = f"file={_escape_property(found.file)},line={found.line}," if found.file else ""
                title = _escape_property(f"monitoring {step.name}: {case.name}")
                lines.append(f"::error {where}title={title}::{_escape_data(found.message)}")
    lines.append(f"monitoring ci {report.status}: " + ", ".join(f"{s.name} {s.status}" for s in report.steps))
    return "\n".join(lines)


FORMATS: dict[str, Callable[[CIReport], str]] = {"text": text, "json": as_json, "junit": junit, "github": github}


def render(report: CIReport, format_name: str) -> str:
    """The report in one of FORMATS; ValueError naming the choices for anything else.

        print(render(run_ci(Project.find()), "junit"))
    """
    if format_name not in FORMATS:
        raise ValueError(f"unknown format {format_name!r}: use one of {', '.join(FORMATS)}")
    return FORMATS[format_name](report)
