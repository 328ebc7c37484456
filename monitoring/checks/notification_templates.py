"""The notification templates of an Alertmanager configuration, parsed and run by amtool as Alertmanager runs them.

`amtool check-config` reads a Slack title or a PagerDuty description as a plain string: a template that does not
parse (`{{ .Status `), calls a function Alertmanager lacks, or reads a field its data has not, passes it, and
every notification through that receiver then fails when Alertmanager sends it. Here each templated field
becomes a template file of its own (as Alertmanager parses each field whole, `define` blocks and all), and
`amtool template render` parses them and runs every one against its example alerts, in one process; the first
failure names the receiver and the field.

amtool 0.25 renders without Alertmanager's default templates (`slack.default.title`, `__subject`...), which
Alertmanager always has: a field that calls one of those gets an empty stand-in of the same name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from monitoring.checks.report import CheckResult, process_output
from monitoring.checks.tools import Tool

# The fields Alertmanager templates (its configuration's <tmpl_string>s) of each kind of notifier the tool writes;
# "details.*" is every value of a map, "links[].href" a field of each item of a list.
TEMPLATED: Mapping[str, tuple[str, ...]] = {
    "slack_configs": ("channel", "username", "color", "title", "title_link", "pretext", "text", "footer",
                      "fallback", "callback_id", "icon_emoji", "icon_url", "image_url", "thumb_url",
                      "fields[].title", "fields[].value", "actions[].text", "actions[].url"),
    "pagerduty_configs": ("client", "client_url", "description", "severity", "class", "component", "group",
                          "details.*", "links[].href", "links[].text", "images[].src", "images[].alt",
                          "images[].href"),
    "email_configs": ("to", "from", "hello", "html", "text", "headers.*"),
    "opsgenie_configs": ("message", "description", "source", "details.*", "entity", "actions", "tags", "note",
                         "priority"),
    "webhook_configs": (),
}
# Alertmanager's default templates: named like these, a template a field calls is Alertmanager's own.
_DEFAULT_NAME = re.compile(r"\A(?:__\w+|[a-z]+\.default\.\w+)\Z")
_CALLED = re.compile(r"\{\{-?\s*template\s+\"([^\"]+)\"")
_FAILED_IN = re.compile(r"template: field-(\d+)\.tmpl:\d+(?::\d+)?: (.*)", re.DOTALL)


def templated_fields(config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, template) of each templated field that holds a template ("{{"): where is
    "receivers[0] 'chat' slack_configs[0].title"."""
    receivers = config.get("receivers")
    for r, receiver in enumerate(receivers if isinstance(receivers, list) else []):
        if not isinstance(receiver, dict):
            continue
        for kind, fields in TEMPLATED.items():
            notifiers = receiver.get(kind)
            for n, notifier in enumerate(notifiers if isinstance(notifiers, list) else []):
                if not isinstance(notifier, dict):
                    continue
                for path in fields:
                    for where, value in _values(notifier, path):
                        if isinstance(value, str) and "{{" in value:
                            yield f"receivers[{r}] {receiver.get('name')!r} {kind}[{n}].{where}", value


def _values(notifier: Mapping[str, Any], path: str) -> Iterator[tuple[str, Any]]:
    """The values a field path names in one notifier's settings, each with its path."""
    head, _, rest = path.partition(".")
    if head.endswith("[]"):
        items = notifier.get(head[:-2])
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                yield f"{head[:-2]}[{i}].{rest}", item.get(rest)
    elif rest == "*":
        found = notifier.get(head)
        for key, value in sorted(found.items() if isinstance(found, dict) else (), key=lambda kv: str(kv[0])):
            yield f"{head}.{key}", value
    else:
        yield head, notifier.get(head)


def check_templates(amtool: Tool, configs: Sequence[tuple[str, Mapping[str, Any]]], scratch: Path) -> CheckResult:
    """Every templated field of the configurations ((shown, configuration): each read from the file it names),
    rendered by amtool in one process: ok when each parses and runs on amtool's example alerts. The templates go
    to a file in `scratch`, a directory amtool can read (that of validate's checking copies), which must not
    exist yet."""
    fields = [(f"{shown}: {where}", text) for shown, config in configs for where, text in templated_fields(config)]
    checked = (f"{', '.join(shown for shown, _ in configs)}: {len(fields)} notification "
               f"template{'' if len(fields) == 1 else 's'}")
    if not fields:
        return CheckResult("amtool template render", True, checked)
    scratch.mkdir()
    for name, text in _template_files(fields).items():
        (scratch / name).write_text(text, encoding="utf-8")
    calls = "".join(f'{{{{ template "{_name(i)}" . }}}}' for i in range(len(fields)))
    proc = amtool.run("template", "render", f"--template.glob={scratch / '*.tmpl'}",
                      f"--template.text={calls}{_RENDERED_CALL}")
    if proc.returncode == 0 and (proc.stdout or "").rstrip("\n").endswith(_RENDERED):
        return CheckResult("amtool template render", True, checked)
    if proc.returncode == 0:
        return CheckResult("amtool template render", False, checked, "\n".join(filter(None, [
            process_output(proc), "amtool exited 0 without printing what the templates render to: not the output "
                                  "of the real amtool"])))
    return CheckResult("amtool template render", False, checked, _failure(process_output(proc), fields))


# Rendered after the fields': what amtool prints last when every template ran. Spelled so that it is there only
# once rendered: a program that echoes its arguments does not print it.
_RENDERED_CALL = '{{ printf "%s-%s" "templates" "rendered" }}'
_RENDERED = "templates-rendered"


def _name(index: int) -> str:
    """The template of the index-th field: its file's name, as Go names a template parsed from a file."""
    return f"field-{index}.tmpl"


def _template_files(fields: list[tuple[str, str]]) -> dict[str, str]:
    """Each field's template as a file of its own, whole, as Alertmanager parses a field (its `define` blocks
    included), and a file of empty stand-ins for the default templates they call."""
    files = {_name(index): template for index, (_, template) in enumerate(fields)}
    called = {name for _, template in fields for name in _CALLED.findall(template) if _DEFAULT_NAME.match(name)}
    files["alertmanager-defaults.tmpl"] = "".join(f'{{{{ define "{name}" }}}}{{{{ end }}}}' for name in sorted(called))
    return files


def _failure(output: str, fields: list[tuple[str, str]]) -> str:
    """amtool's complaint, said of the field whose template it is about (by the file it names)."""
    found = _FAILED_IN.search(output)
    if found is None:
        return output
    index, problem = int(found.group(1)), " ".join(found.group(2).split())
    if index >= len(fields):
        return output
    problem = re.sub(r'executing "field-\d+\.tmpl" ', "", problem)  # the name is this module's, not the user's
    return (f"{fields[index][0]}: the template does not render ({problem}): every notification through this "
            "receiver would fail")
