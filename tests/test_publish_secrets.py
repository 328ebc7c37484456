"""The Grafana token never appears in stdout or stderr: hostile echoes, bad tokens, TLS failures.

docs/publishing.md promises that the token "never appears in any output"; these tests are that promise.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import monitoring
from monitoring import PublishRequest, cli
from monitoring.errors import ConfigError
from monitoring.grafana.publish import run
from monitoring.grafana.publish.client import ClientSettings
from monitoring.grafana.publish.config import GrafanaConfig
from monitoring.grafana.publish.secrets import Redactor, variants
from monitoring.project import Project
from tests.grafana_server import running_grafana

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "tests.stacks.example:stack"
TOKEN = "glsa_Zk3pQ9xW7mT2vR8nL4bY6cH1dF5gJ0sA"
FAST = ClientSettings(connect_timeout=2, read_timeout=5, retries=0, backoff_factor=0, backoff_jitter=0)
ENCODINGS = {
    "raw": lambda t: t,
    "repr": lambda t: repr(t),
    "json": lambda t: json.dumps(t),
    "base64": lambda t: base64.b64encode(t.encode()).decode(),
    "urlsafe base64": lambda t: base64.urlsafe_b64encode(t.encode()).decode(),
    "url-encoded": lambda t: quote(t, safe=""),
    "form-encoded": lambda t: quote_plus(t),
    "header": lambda t: f"Authorization: Bearer {t}",
}


def spellings(token: str) -> list[str]:
    """What must never show: the token raw and in every encoding the echoes use."""
    return sorted({token, *(encode(token) for encode in ENCODINGS.values())}, key=len)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = Project(project_dir=tmp_path_factory.mktemp("secrets"), stack=SOURCE)
    monitoring.generate(project)
    return project


def publish(project: Project, argv: list[str], env: dict[str, str],
            client_settings: ClientSettings = FAST) -> tuple[int, str, str]:
    """The command as the CLI runs it, gate skipped (it is tested elsewhere), both streams captured."""
    args = cli.build_parser().parse_args([*argv, "--out", str(project.out_dir)])
    request = PublishRequest(grafana_url=args.grafana_url, ca_cert=args.ca_cert, insecure=args.insecure,
                             dry_run=args.dry_run, force=args.force, prune=args.prune, concurrency=args.concurrency)
    original = run.gate
    run.gate = lambda *a, **k: ([], [])  # type: ignore[assignment]
    try:
        report = run.publish_out(project.out_dir, request, project.project_dir, env=env,
                                 client_settings=client_settings)
    finally:
        run.gate = original  # type: ignore[assignment]
    out, err = cli.publish_lines(report, project.regenerate, cli.Style(False))
    return int(not report.ok), "".join(f"{line}\n" for line in out), "".join(f"{line}\n" for line in err)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(encoding=st.sampled_from(sorted(ENCODINGS)), before=st.integers(0, 400), after=st.integers(0, 400),
       status=st.sampled_from([400, 401, 403, 404, 409, 412, 500, 502]),
       content_type=st.sampled_from(["application/json", "text/html", "text/plain"]),
       filler=st.sampled_from(["x", "é", " ", "<b>", "\n", "A"]))
def test_hostile_echoes_never_print_the_token(project: Project, encoding: str, before: int,
                                              after: int, status: int, content_type: str, filler: str) -> None:
    """The token at every offset of the echo (so every cut point), in every encoding."""
    def echo(header: str) -> tuple[int, str, str]:
        token = header.partition(" ")[2]
        text = filler * before + ENCODINGS[encoding](token) + filler * after
        body = json.dumps({"message": text, "status": text}) if content_type == "application/json" else text
        return status, content_type, body

    with running_grafana(tokens={TOKEN: "Admin"}, hostile_echo=echo) as grafana:
        for command_name in ("diff", "publish"):
            code, out, err = publish(project, [command_name], {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN})
            printed = out + err
            assert code == 1, printed
            for secret in spellings(TOKEN):
                assert secret not in printed, (encoding, secret, printed[:500])
            assert TOKEN[:12] not in printed  # not even a prefix of it, wherever a message was cut


@pytest.mark.parametrize("bad", [TOKEN + "\n", TOKEN + "\r", TOKEN + "\r\n", " " + TOKEN,
                                 TOKEN[:10] + "\t" + TOKEN[10:],
                                 TOKEN + "\x00", TOKEN + "\x85"])
def test_tokens_with_whitespace_or_control_characters_are_refused_at_start_up(bad: str) -> None:
    with pytest.raises(ConfigError) as error:
        GrafanaConfig.from_env({"GRAFANA_URL": "http://127.0.0.1:1", "GRAFANA_TOKEN": bad})
    message = str(error.value)
    assert message.startswith("GRAFANA_TOKEN contains") and "the value is not shown" in message
    assert "\n" not in message and TOKEN[:8] not in message


def test_bad_token_through_the_cli_is_one_line_without_the_token(project: Project,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GRAFANA_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("GRAFANA_TOKEN", TOKEN + "\r\n")
    status = cli.main(["publish", "--out", str(project.out_dir)], project=project)
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.count("\n") == 1 and "GRAFANA_TOKEN contains a carriage return" in captured.err
    assert TOKEN not in captured.out + captured.err


def test_certificate_failures_are_not_retried(project: Project, tmp_path: Path) -> None:
    import subprocess

    for args in (["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
                  "-days", "1", "-subj", "/CN=127.0.0.1"],):
        subprocess.run(["openssl", *args], cwd=tmp_path, check=True, capture_output=True)
    retrying = ClientSettings(connect_timeout=2, read_timeout=5, retries=6, backoff_factor=0, backoff_jitter=0)
    with running_grafana(tokens={TOKEN: "Admin"}, tls=(tmp_path / "cert.pem", tmp_path / "key.pem")) as grafana:
        status, out, err = publish(project, ["diff"], {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN},
                                   client_settings=retrying)
    printed = out + err
    assert status == 1, printed
    assert "TLS verification failed" in printed
    assert "retried" not in printed  # the retry report stays silent: nothing was retried
    assert TOKEN not in printed


TOKENS = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp")), min_size=8,
                 max_size=40)


@given(TOKENS, st.text(max_size=50), st.text(max_size=50), st.integers(1, 120))
@settings(max_examples=200, deadline=None, derandomize=True)
def test_redact_before_cut_never_leaves_the_secret(secret: str, before: str, after: str, limit: int) -> None:
    assume(secret[:4] not in before + after)
    redactor = Redactor([secret])
    for form in variants(secret):
        text = redactor.cut(before + form + after, limit)
        assert secret not in text and form not in text
