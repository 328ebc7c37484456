"""[tool.monitoring.kubernetes] in pyproject.toml: the Kubernetes output turned on or off per project, its settings
over the stack's (key by key), and bad settings as one line naming pyproject.toml:line and the key."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from monitoring.cli import main
from tests.test_bad_input import read_tree
from tests.test_bad_kubernetes_input import KUBE_PRELUDE

STACK_MODULE = KUBE_PRELUDE + '''
plain = ok_stack(services=(ok_service(jobs=(pod_job(),)),))
own = kube_stack(namespace="observability", labels={"release": "prom", "team": "platform"})
'''


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stack: str, kubernetes: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(f'''\
        [project]
        name = "shop-monitoring"

        [tool.monitoring]
        stack = "kubestack:{stack}"
        ''') + kubernetes, encoding="utf-8")
    (tmp_path / "kubestack.py").write_text(STACK_MODULE, encoding="utf-8")
    sys.modules.pop("kubestack", None)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def _resource(out: Path, name: str) -> dict:
    return yaml.safe_load((out / "kubernetes" / name).read_text(encoding="utf-8"))


def test_pyproject_turns_the_output_on_for_a_plain_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path, monkeypatch, "plain", textwrap.dedent('''
        [tool.monitoring.kubernetes]
        namespace = "monitoring"
        labels = { release = "kube-prometheus-stack" }
        '''))
    assert main(["generate"]) == 0
    monitor = _resource(project / "out", "podmonitor-app.yaml")
    assert monitor["metadata"]["namespace"] == "monitoring"
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    kustomization = _resource(project / "out", "kustomization.yaml")
    assert "podmonitor-app.yaml" in kustomization["resources"]


def test_pyproject_settings_win_key_by_key_over_the_stacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path, monkeypatch, "own", '\n[tool.monitoring.kubernetes]\nnamespace = "monitoring"\n')
    assert main(["generate"]) == 0
    metadata = _resource(project / "out", "podmonitor-app.yaml")["metadata"]
    assert metadata["namespace"] == "monitoring"  # the project's
    assert metadata["labels"]["release"] == "prom" and metadata["labels"]["team"] == "platform"  # the stack's


def test_pyproject_true_uses_the_stacks_settings_and_false_turns_the_output_off(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path, monkeypatch, "own", "kubernetes = true\n")
    assert main(["generate"]) == 0
    assert _resource(project / "out", "podmonitor-app.yaml")["metadata"]["namespace"] == "observability"
    (project / "pyproject.toml").write_text(
        (project / "pyproject.toml").read_text().replace("kubernetes = true", "kubernetes = false"))
    assert main(["generate"]) == 0
    assert not (project / "out" / "kubernetes").exists()
    assert (project / "out" / "prometheus" / "prometheus.yml").exists()


BAD = [
    ("a namespace that is not a DNS-1123 label", '[tool.monitoring.kubernetes]\nnamespace = "Monitoring"\n',
     "[tool.monitoring.kubernetes] namespace (pyproject.toml:8): Kubernetes name 'Monitoring' must be a DNS-1123"),
    ("a label value with a space", '[tool.monitoring.kubernetes]\nlabels = { release = "kube prometheus" }\n',
     "[tool.monitoring.kubernetes] labels (pyproject.toml:8): Kubernetes label value 'kube prometheus'"),
    ("a label key with two slashes", '[tool.monitoring.kubernetes.labels]\n"a/b/c" = "x"\n',
     "[tool.monitoring.kubernetes] labels (pyproject.toml:7): Kubernetes label key 'a/b/c' must be [prefix/]name"),
    ("a setting a project may not give", '[tool.monitoring.kubernetes]\nteam_routing = []\n',
     "[tool.monitoring.kubernetes] team_routing (pyproject.toml:8): unknown setting"),
    ("a switch that is neither a boolean nor a table", 'kubernetes = "yes"\n',
     "[tool.monitoring.kubernetes] (pyproject.toml:6): must be true, false or a table of settings, not 'yes'"),
    ("a Secret name in capitals", '[tool.monitoring.kubernetes]\nalertmanager_secret = "AM"\n',
     "[tool.monitoring.kubernetes] alertmanager_secret (pyproject.toml:8): Kubernetes object name 'AM'"),
]


@pytest.mark.parametrize(("description", "setting", "message"), BAD, ids=[c[0] for c in BAD])
def test_a_bad_setting_is_one_line_naming_pyproject_and_the_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        description: str, setting: str, message: str) -> None:
    project = _project(tmp_path, monkeypatch, "plain", "")
    assert main(["generate"]) == 0
    before = read_tree(project / "out")
    capsys.readouterr()
    text = (project / "pyproject.toml").read_text()
    # A switch goes in [tool.monitoring] itself, which the file ends with; a table after a blank line.
    pyproject = text + setting if setting.startswith("kubernetes") else f"{text}\n{setting}"
    (project / "pyproject.toml").write_text(pyproject)
    assert main(["generate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert message.replace("pyproject.toml:", f"{project / 'pyproject.toml'}:") in err, err
    assert read_tree(project / "out") == before
