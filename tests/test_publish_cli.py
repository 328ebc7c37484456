"""`monitoring publish` and `diff` end to end: the gate (fresh out/, validation), configuration from the
environment, TLS verification, and the local Grafana over loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import monitoring
from monitoring import PublishRequest, cli
from monitoring.checks import validate as validate_module
from monitoring.checks.report import CheckResult
from monitoring.grafana.publish import run
from monitoring.grafana.publish.client import ClientSettings, GrafanaClient, GrafanaError, build_session
from monitoring.grafana.publish.config import ConfigError, GrafanaConfig
from monitoring.grafana.publish.desired import load_desired
from monitoring.output.manifest import Manifest
from monitoring.project import Project
from tests.grafana_server import FakeGrafana, running_grafana

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "tests.stacks.example:stack"
TOKEN = "glsa_cli_token_0a1b2c3d"
FAST = ClientSettings(connect_timeout=1.0, read_timeout=1.0, retries=3, backoff_factor=0.005, backoff_jitter=0.0)


@pytest.fixture
def grafana() -> Iterator[FakeGrafana]:
    with running_grafana(tokens={TOKEN: "Admin"}) as server:
        yield server


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A project in tmp_path whose out/ is freshly generated from the example stack."""
    project = Project(project_dir=tmp_path, stack=SOURCE)
    monitoring.generate(project)
    return project


def run_cli(project: Project, argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """What `monitoring publish|diff` does, with the test's environment and fast retries."""
    args = cli.build_parser().parse_args([*argv, "--out", str(project.out_dir)])
    request = PublishRequest(grafana_url=args.grafana_url, ca_cert=args.ca_cert, insecure=args.insecure,
                             dry_run=args.dry_run, force=args.force, prune=args.prune, concurrency=args.concurrency)
    report = run.publish_out(project.out_dir, request, project.project_dir, env=env, client_settings=FAST)
    out, err = cli.publish_lines(report, project.regenerate, cli.Style(False))
    return int(not report.ok), "".join(f"{line}\n" for line in out), "".join(f"{line}\n" for line in err)


def env_for(grafana: FakeGrafana) -> dict[str, str]:
    return {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN}


def test_the_library_returns_a_report_and_prints_nothing(promtool, amtool, grafana: FakeGrafana, project,
                                                        capfd: pytest.CaptureFixture[str]) -> None:
    progress: list[tuple[str, int, int]] = []
    report = monitoring.publish(project, PublishRequest(), env=env_for(grafana), client_settings=FAST,
                                progress=lambda *call: progress.append(call))

    assert capfd.readouterr() == ("", "")
    desired = load_desired(project.out_dir)
    assert report.ok and report.gate_passed and report.checks and not report.stale
    assert report.plan is not None and report.plan.writes == len(desired.dashboards) + len(desired.folders)
    assert report.outcome is not None and report.outcome.done["created"] == len(desired.dashboards)
    assert ("publishing", len(desired.dashboards), len(desired.dashboards)) in progress

    dry = monitoring.publish(project, PublishRequest(dry_run=True), env=env_for(grafana), client_settings=FAST)
    assert capfd.readouterr() == ("", "")
    assert dry.ok and dry.plan is not None and dry.plan.clean and dry.outcome is None


def test_publish_then_diff_through_the_command(promtool, amtool, grafana: FakeGrafana, project) -> None:
    desired = load_desired(project.out_dir)
    assert desired.dashboards, "the example stack generates dashboards"

    status, out, err = run_cli(project, ["publish"], env_for(grafana))

    assert status == 0, out + err
    assert f"published: {len(desired.dashboards)} created" in out
    for dashboard in desired.dashboards:
        assert grafana.dashboard_folder(dashboard.uid) == dashboard.folder_uid
        assert grafana.last_save(dashboard.uid)["message"] == "published by monitoring"  # tmp_path is no git repo
    grafana.reset_counts()

    status, out, _ = run_cli(project, ["diff"], env_for(grafana))

    assert status == 0
    assert out.rstrip().endswith("diff: nothing to change")
    assert grafana.writes() == 0


def test_publish_and_diff_import_neither_the_model_nor_grafanalib(promtool, amtool, grafana: FakeGrafana,
                                                                 project) -> None:
    """The commands in a fresh process read out/ alone: after `publish` and `diff` ran, neither the stack nor
    anything of the model, pydantic, jsonschema, grafanalib or PyYAML was imported (as for `validate`)."""
    code = ("import json, sys\n"
            "from pathlib import Path\n"
            "from monitoring.cli import main\n"
            "from monitoring.project import Project\n"
            "project = Project(project_dir=Path(sys.argv[1]), stack=sys.argv[2])\n"
            "statuses = [main([command], project=project) for command in ('publish', 'diff')]\n"
            "loaded = sorted(m for m in sys.modules\n"
            "                if m.split('.')[0] in ('pydantic', 'jsonschema', 'grafanalib', 'yaml')\n"
            "                or m.startswith(('monitoring.model', 'tests.stacks')))\n"
            "print(json.dumps({'statuses': statuses, 'loaded': loaded}))\n")
    done = subprocess.run([sys.executable, "-c", code, str(project.project_dir), SOURCE], capture_output=True,
                          text=True, check=True, cwd=ROOT, env={**os.environ, **env_for(grafana)})
    report = json.loads(done.stdout.splitlines()[-1])
    assert report == {"statuses": [0, 0], "loaded": []}, done.stderr
    assert all(grafana.dashboard(d.uid) for d in load_desired(project.out_dir).dashboards)  # publish wrote them


def test_a_stale_out_is_refused_before_any_request(grafana: FakeGrafana, project) -> None:
    config = project.out_dir / "prometheus" / "prometheus.yml"
    config.write_text(config.read_text() + "# edited by hand\n")

    status, out, _ = run_cli(project, ["publish"], env_for(grafana))

    assert status == 1
    assert "changed prometheus/prometheus.yml" in out
    assert f"refusing to publish: {project.out_dir} is stale: run `{project.regenerate}`" in out
    assert grafana.count() == 0


def test_failed_validation_is_refused_before_any_request(promtool, amtool, grafana: FakeGrafana, project,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(manifest: Manifest, out_dir: Path) -> list[CheckResult]:
        return [CheckResult("test/always-fails", ok=False, checked="everything", details="a reason")]

    monkeypatch.setattr(validate_module, "EXTRA_CHECKS", [*validate_module.EXTRA_CHECKS, failing])

    status, out, _ = run_cli(project, ["publish"], env_for(grafana))

    assert status == 1
    assert "FAIL test/always-fails: everything\n    a reason\n" in out
    assert "refusing to publish: validation failed" in out
    assert grafana.count() == 0


@pytest.mark.parametrize(("env", "argv", "message"), [
    ({}, [], "monitoring: error: no Grafana URL: set GRAFANA_URL or pass --grafana-url"),
    ({"GRAFANA_URL": "https://grafana.example.com"}, [], "monitoring: error: no Grafana credentials"),
    ({"GRAFANA_URL": "https://admin:hunter22@grafana.example.com", "GRAFANA_TOKEN": "t"}, [],
     "monitoring: error: the Grafana URL must not contain credentials"),
    ({"GRAFANA_URL": "https://grafana.example.com", "GRAFANA_TOKEN": "t"}, ["--concurrency", "0"],
     "monitoring: error: --concurrency 0 must be from 1 to 64"),
    # Each request at once is a thread and a pooled connection: a huge number would take minutes and gigabytes.
    ({"GRAFANA_URL": "https://grafana.example.com", "GRAFANA_TOKEN": "t"}, ["--concurrency", "100000000"],
     "monitoring: error: --concurrency 100000000 must be from 1 to 64"),
])
def test_configuration_errors_exit_2_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys,
                                                   env: dict, argv: list[str], message: str) -> None:
    for name in ("GRAFANA_URL", "GRAFANA_TOKEN", "GRAFANA_USER", "GRAFANA_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    status = cli.main(["publish", "--out", str(tmp_path / "out"), *argv])

    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.startswith(message) and captured.err.count("\n") == 1
    assert "hunter22" not in captured.out + captured.err


def test_commit_message_names_the_git_commit() -> None:
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    assert run.commit_message(ROOT) == f"published by monitoring from {sha.strip()}"


# --- TLS --------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A private CA and a server certificate for 127.0.0.1 that it signed."""
    directory = tmp_path_factory.mktemp("tls")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=127.0.0.1")
    (directory / "server.ext").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                          "keyUsage=critical,digitalSignature,keyEncipherment\n"
                                          "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
    return {name: directory / name for name in ("ca.pem", "server.pem", "server.key")}


@pytest.fixture
def tls_grafana(certificates: dict[str, Path]) -> Iterator[FakeGrafana]:
    with running_grafana(tokens={TOKEN: "Admin"}, tls=(certificates["server.pem"], certificates["server.key"])) \
            as server:
        yield server


def client(grafana: FakeGrafana, **options: object) -> GrafanaClient:
    config = GrafanaConfig.from_env(env_for(grafana), **options)  # type: ignore[arg-type]
    return GrafanaClient(build_session(config, FAST), config.url, FAST)


def test_tls_is_verified_by_default(tls_grafana: FakeGrafana) -> None:
    with pytest.raises(GrafanaError) as error:
        client(tls_grafana).get_folder("x")
    assert str(error.value).startswith(f"folder x: TLS verification failed for {tls_grafana.url}: ")
    assert "--ca-cert" in str(error.value)
    assert tls_grafana.count() == 0  # nothing reached the API, credentials included


def test_ca_cert_adds_a_trusted_ca(tls_grafana: FakeGrafana, certificates: dict[str, Path]) -> None:
    assert client(tls_grafana, ca_cert=str(certificates["ca.pem"])).get_folder("x") is None
    assert tls_grafana.count("GET", "/api/folders/x") == 1


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_insecure_must_be_asked_for(tls_grafana: FakeGrafana) -> None:
    assert client(tls_grafana, insecure=True).health()["database"] == "ok"


def test_a_ca_cert_that_is_not_a_certificate_is_a_config_error(tmp_path: Path) -> None:
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate\n")
    config = GrafanaConfig.from_env({"GRAFANA_URL": "https://g", "GRAFANA_TOKEN": "t"}, ca_cert=str(bogus))
    with pytest.raises(ConfigError, match=r"^--ca-cert '.*ca.pem': not a readable PEM certificate"):
        build_session(config)
