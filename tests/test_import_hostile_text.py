"""Text of imported files that would be code, secrets or lossy literals in the generated Python.

Each input below is written into a fresh project, imported, and the project generated: the modules import,
`monitoring generate` runs none of the input's text (the payloads would create a marker file), every literal
reads back as exactly the input's text, and no secret of the input is in any file, note or message.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from monitoring.errors import InputFileError
from monitoring.imports import import_files
from monitoring.imports.pysource import string
from monitoring.imports.write import write_import
from monitoring.slo import spec_python, specs

MARKER = "PWNED"
# Python that creates the marker file in the working directory, should it ever run.
PAYLOAD = f"__import__('pathlib').Path('{MARKER}').touch()"
# Ways out of a comment or a docstring: every line break Python knows, a closing triple quote, a bad escape.
ESCAPES = ["\n", "\r", "\r\n", '"""', "'''", "\\N", "\\"]


def _hostile_keys() -> list[str]:
    return [f"x{escape}{PAYLOAD}{escape}#" for escape in ESCAPES] + [f'x"""; {PAYLOAD}; """']


def _rules(_: Path) -> dict:
    group = {"name": "g", "rules": [{"record": "job:up:sum", "expr": "sum by (job) (up)"}]}
    group.update({key: 1 for key in _hostile_keys()})
    return {"groups": [group]}


def _prometheus(_: Path) -> dict:
    job = {"job_name": "api", "static_configs": [{"targets": ["api:8080"]}]}
    job.update({key: 1 for key in _hostile_keys()})
    sd_only = {"job_name": f"k8s\n{PAYLOAD}", "kubernetes_sd_configs": [{"role": "pod"}]}
    return {"global": {"scrape_interval": "30s", **{key: 1 for key in _hostile_keys()}},
            "scrape_configs": [job, sd_only]}


def _alertmanager(_: Path) -> dict:
    receiver = {"name": "team", **{key: 1 for key in _hostile_keys()}}
    return {"route": {"receiver": "team"}, "receivers": [receiver], **{key: 1 for key in _hostile_keys()}}


def _dashboard(_: Path) -> dict:
    title = 'Evil """; ' + PAYLOAD + '; """ \\N ' + PAYLOAD + ' "'
    panel = {"type": "piechart", "title": "p", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
             "targets": [{"refId": "A", "expr": "up"}]}
    return {"title": title, "uid": "evil", "schemaVersion": 39, "panels": [panel]}


CASES = {"rules.yml": _rules, "prometheus.yml": _prometheus, "alertmanager.yml": _alertmanager,
         "evil.json": _dashboard}


def _write_input(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / "input" / name
    path.parent.mkdir(exist_ok=True)
    text = json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def _run(project: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *argv], cwd=project, capture_output=True, text=True, check=False)


def _import_project(tmp_path: Path, inputs: list[Path]) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    result = import_files(inputs)
    write_import(result, project, force=True)
    (project / "pyproject.toml").write_text(f'[tool.monitoring]\nstack = "{result.stack}"\n', encoding="utf-8")
    return project


def _compiles(project: Path) -> None:
    """Every generated module parses: a comment or a docstring that input text ended would not."""
    for module in project.rglob("*.py"):
        ast.parse(module.read_text(encoding="utf-8"), str(module))


@pytest.mark.parametrize("name", sorted(CASES))
def test_input_text_never_becomes_code(tmp_path: Path, name: str) -> None:
    path = _write_input(tmp_path, name, CASES[name](tmp_path))
    project = _import_project(tmp_path, [path])
    _compiles(project)
    imported = _run(project, "-c", "import imported.stack")
    assert imported.returncode == 0, imported.stderr
    generated = _run(project, "-m", "monitoring", "generate")
    assert generated.returncode == 0, generated.stderr
    for loader in project.glob("dashboards/*.dashboard.py"):
        assert _run(project, str(loader)).returncode == 0
    assert not (project / MARKER).exists()


# Annotation texts the generated literals must give back exactly.
TEXTS = ["first\nsecond\x00third", "a\r\nb\r\n", "\nleading and trailing\n\n", 'say "hi" and \'bye\'',
         "back\\slash\\", 'ends in a quote"', '"""triple"""\n', "\x1b[31mred\x7f\u2028\u0085", "tab\tand\x0bvt"]


def test_literals_read_back_as_the_input_text(tmp_path: Path) -> None:
    annotations = {"summary": "s", "description": "d", **{f"text_{i}": text for i, text in enumerate(TEXTS)}}
    rules = {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0", "labels": {"severity": "critical"},
                                                 "annotations": annotations}]}]}
    project = _import_project(tmp_path, [_write_input(tmp_path, "texts.yml", rules)])
    module = next(project.glob("imported/texts.py"))
    spec = importlib.util.spec_from_file_location("texts_under_test", module)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    alert = loaded.service.rule_groups[0].rules[0]
    assert [alert.annotations[f"text_{i}"] for i in range(len(TEXTS))] == TEXTS


SECRETS = ["RemoteWritePassw0rdX", "OAuthClientSecret123", "K8sApiPassw0rd", "K8sBearerTokenXYZ", "SigV4SecretKey9",
           "ProxyHeaderSecret7", "HttpHeaderSecret6", "SmtpCramSecret999", "WechatSecret777", "GlobalOauthSecret555",
           "EmailAuthSecret321", "HeaderKey888", "DiscordTokenABC", "TeamsSecretDEF", "PushoverUserKey1",
           "WebexClientSecret2", "SnsSecretKey3", "QueryToken6"]


def _secret_prometheus() -> dict:
    remote = {"url": "https://prom-push.example.com/api/v1/write",
              "basic_auth": {"username": "tenant1", "password": SECRETS[0]},
              "sigv4": {"region": "eu-west-1", "access_key": "AKIDEXAMPLE", "secret_key": SECRETS[4]},
              "proxy_connect_header": {"Proxy-Authorization": [SECRETS[5]]},
              "http_headers": {"X-Scope": {"secrets": [SECRETS[6]]}}}
    api = {"job_name": "api", "static_configs": [{"targets": ["api:8080"]}],
           "oauth2": {"client_id": "c", "client_secret": SECRETS[1], "token_url": "https://auth.example.com/t"}}
    k8s = {"job_name": "k8s", "kubernetes_sd_configs": [{
        "role": "pod", "api_server": f"https://admin:{SECRETS[2]}@k8s.example.com",
        "authorization": {"credentials": SECRETS[3]}}]}
    read = {"url": f"https://read.example.com/api?access_token={SECRETS[-1]}"}
    return {"global": {"scrape_interval": "30s"}, "remote_write": [remote], "remote_read": [read],
            "scrape_configs": [api, k8s]}


def _secret_alertmanager() -> dict:
    glob = {"smtp_smarthost": "smtp.example.com:587", "smtp_from": "am@example.com", "smtp_auth_secret": SECRETS[7],
            "wechat_api_secret": SECRETS[8], "http_config": {"oauth2": {"client_id": "x",
                                                                        "client_secret": SECRETS[9]}}}
    team = {"name": "team", "email_configs": [{"to": "ops@example.com", "auth_secret": SECRETS[10],
                                               "headers": {"X-Api-Key": SECRETS[11]}}]}
    other = {"name": "other",
             "discord_configs": [{"webhook_url": f"https://discord.com/api/webhooks/1/{SECRETS[12]}"}],
             "msteams_configs": [{"webhook_url": f"https://outlook.office.com/webhook/{SECRETS[13]}"}],
             "pushover_configs": [{"user_key": SECRETS[14], "token_file": "/etc/am/pushover"}],
             "webex_configs": [{"room_id": "r",
                                "http_config": {"oauth2": {"client_id": "c", "client_secret": SECRETS[15]}}}],
             "sns_configs": [{"sigv4": {"secret_key": SECRETS[16]}, "topic_arn": "t"}]}
    return {"global": glob, "route": {"receiver": "team"}, "receivers": [team, other]}


@pytest.mark.parametrize("name, data", [("prometheus.yml", _secret_prometheus()),
                                        ("alertmanager.yml", _secret_alertmanager())])
def test_secrets_kept_as_notes_are_redacted(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                            data: dict) -> None:
    from monitoring.cli import main

    path = _write_input(tmp_path, name, data)
    project = tmp_path / "project"
    project.mkdir()
    status = main(["import", "--force", "--package", "imported", "--directory", str(project), str(path)])
    said = capsys.readouterr()
    written = "".join(p.read_text(encoding="utf-8") for p in project.rglob("*") if p.is_file())
    assert status == 0, said.err
    assert "<secret>" in written  # the notes are there, without their secrets
    leaked = [s for s in SECRETS if s in written or s in said.out or s in said.err]
    assert leaked == []


def _slo_module(tmp_path: Path, data: dict) -> str:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    files = spec_python.render(specs.read_files([path]))
    for text in files.values():
        ast.parse(text)
    return "".join(files.values())


def test_pyrra_notes_cannot_end_the_module_docstring(tmp_path: Path) -> None:
    labels = {key: "1" for key in _hostile_keys()}
    spec = {"apiVersion": "pyrra.dev/v1alpha1", "kind": "ServiceLevelObjective",
            "metadata": {"name": "api-errors", "namespace": "shop", "labels": labels},
            "spec": {"target": "99.5", "window": "2w", "indicator": {"ratio": {
                "errors": {"metric": 'http_requests_total{job="api",code=~"5.."}'},
                "total": {"metric": 'http_requests_total{job="api"}'}}}}}
    text = _slo_module(tmp_path, spec)
    namespace: dict[str, object] = {}
    exec(compile(text, "slos_shop.py", "exec"), namespace)  # running it must define SLOS and do nothing else
    assert len(namespace["SLOS"]) == 1
    assert not Path(MARKER).exists()


def test_a_sloth_period_that_is_no_name_is_refused_at_its_line(tmp_path: Path) -> None:
    rows = {speed: {"errorBudgetPercent": 10, "shortWindow": "5m", "longWindow": "1h"} for speed in ("quick", "slow")}
    spec = {"apiVersion": "sloth.slok.dev/v1", "kind": "AlertWindows",
            "spec": {"sloPeriod": f"x = 1; {PAYLOAD}; y", "page": rows, "ticket": rows}}
    path = tmp_path / "windows.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    with pytest.raises(InputFileError, match=rf"^{path}:\d+: spec.sloPeriod .* is not a period") as raised:
        specs.read_files([path])
    assert "\n" not in str(raised.value)


# The characters that decide between the literal forms, so that every form is tried with each of them.
_TRICKY = st.text(alphabet=st.sampled_from(["a", " ", "\n", "\r", '"', "'", "\\", "\x00", "\t", "\u2028"]))


@given(st.text() | _TRICKY)
@example("a\nb\n")
@example("\\'")
def test_a_string_literal_evaluates_to_its_text(text: str) -> None:
    source = string(text)
    source.encode("utf-8")  # written into a module as UTF-8: no lone surrogate may stay raw
    assert ast.literal_eval(source) == text
