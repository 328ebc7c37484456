"""`monitoring import-slo`: Sloth specs in, readable Python out, and the same alerts at the same moments.

Parity: for Sloth's own examples, the imported SLOs and Sloth's published rules (examples/_gen) get identical
promtool input, and both must page and ticket exactly when the exact replay of the imported SLO says.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from monitoring import SLO, Service, Stack
from monitoring.checks.tools import Tool
from monitoring.cli import main
from monitoring.render.promtool_timing import choose_step, eval_time
from monitoring.slo import promtool_tests as slo_tests
from monitoring.slo import rules as slo_rules
from monitoring.slo import spec_python, specs
from monitoring.slo.naming import NamingStyle
from tests.conftest import shared_reference
from tests.test_slo_stacks import routing

# Sloth's examples this importer reads (the others use Sloth's Go plugins, or are OpenSLO: named errors below).
SUPPORTED = ("getting-started.yml", "k8s-getting-started.yml", "k8s-multifile.yml", "multifile.yml",
             "no-alerts.yml", "home-wifi.yml")
# Queries of the sum(rate(<selector>[window])) form, so that the replay can plan series for them.
PARITY = ("getting-started.yml", "k8s-getting-started.yml", "k8s-multifile.yml", "multifile.yml")


def _example(name: str) -> Path:
    return shared_reference(f"sloth/examples/{name}")


def _import(tmp_path: Path, *names: str, naming: NamingStyle = "default") -> list[ModuleType]:
    files = spec_python.render(specs.read_files([_example(n) for n in names], naming=naming))
    modules = []
    for file_name in spec_python.write(files, tmp_path / "slos"):
        spec = importlib.util.spec_from_file_location(file_name.stem, file_name)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append(module)
    return modules


def _slos(tmp_path: Path, name: str, naming: NamingStyle = "default") -> tuple[SLO, ...]:
    return tuple(slo for module in _import(tmp_path, name, naming=naming) for slo in getattr(module, "SLOS", ()))


def _stack(slos: tuple[SLO, ...]) -> Stack:
    """A stack of the SLOs' one service (Sloth's multi-service examples reuse SLO names across services, which
    one stack does not allow)."""
    [service] = {s.service for s in slos}
    return Stack(name="imported", services=(Service(name=service),), routing=routing(), slos=slos)


def _by_service(slos: tuple[SLO, ...]) -> list[tuple[SLO, ...]]:
    return [tuple(s for s in slos if s.service == name) for name in sorted({s.service for s in slos})]


@pytest.mark.parametrize("name", SUPPORTED)
def test_every_supported_example_imports_into_python_that_defines_the_slos(tmp_path: Path, name: str) -> None:
    slos = _slos(tmp_path, name)
    documents = [d for d in yaml.safe_load_all(_example(name).read_text()) if d]
    expected = sum(len((d.get("spec") or d)["slos"]) for d in documents)
    assert len(slos) == expected
    for path in (tmp_path / "slos").glob("*.py"):
        text = path.read_text()
        compile(text, str(path), "exec")
        assert "{{.window}}" not in text and "{{window}}" in text
    for group in _by_service(slos):
        _stack(group)  # the imported SLOs make a valid stack


def test_the_getting_started_example_reads_as_written(tmp_path: Path) -> None:
    [slo] = _slos(tmp_path, "getting-started.yml")
    assert (slo.name, slo.service, str(slo.objective), slo.period) == (
        "requests-availability", "myservice", "99.9", "30d")
    assert slo.alerting.page.severity == "pageteam"
    assert slo.alerting.page.labels == {"routing_key": "myteam"}
    assert slo.alerting.ticket.severity == "slack"
    assert slo.alerting.summary == "High error rate on 'myservice' requests responses"
    assert slo.labels == {"owner": "myteam", "repo": "myorg/myservice", "spec_tier": "2"}
    text = (tmp_path / "slos" / "slos_myservice.py").read_text()
    assert "label tier is reserved here; kept as spec_tier" in text


def test_disabled_alerts_stay_disabled(tmp_path: Path) -> None:
    slos = _slos(tmp_path, "no-alerts.yml")
    assert slos and all(slo.plan.tiers == () for slo in slos)


@pytest.mark.parametrize(("name", "message"), [
    ("plugin-getting-started.yml", "slos[0].sli.plugin is not supported: SLI plugins are Go code run by Sloth"),
    ("slo-plugin-getting-started.yml", "slo_plugins is not supported"),
    ("contrib-slo-plugins.yml", "slos[0].plugins is not supported"),
    ("openslo-getting-started.yml", "apiVersion is not supported: 'openslo/v1alpha': this importer reads OpenSLO "
                                    "openslo/v1"),
])
def test_unsupported_features_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                        message: str) -> None:
    assert main(["import-slo", str(_example(name)), "--directory", str(tmp_path / "slos")]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "slos").exists()


def _sloth_rules(name: str) -> dict[str, object]:
    """Sloth's published rules for an example, as one plain rule file (PrometheusRule resources unwrapped)."""
    groups = []
    for document in yaml.safe_load_all(_example(f"_gen/{name}").read_text()):
        if document:
            groups += (document.get("spec") or document)["groups"]
    return {"groups": groups}


def _firing(selector: str, at: str, firing: bool) -> dict[str, object]:
    return {"expr": f"count(ALERTS{{alertstate=\"firing\", {selector}}}) or vector(0)", "eval_time": at,
            "exp_samples": [{"labels": "{}", "value": 1 if firing else 0}]}


# How the alerts of each naming say which SLO and tier they belong to.
ALERT_LABELS = {"default": 'service="{service}", slo="{slo}", tier="{tier}"',
                "sloth": 'sloth_service="{service}", sloth_slo="{slo}", sloth_severity="{tier}"'}


@pytest.mark.integration
@pytest.mark.parametrize("naming", sorted(ALERT_LABELS))
@pytest.mark.parametrize("name", PARITY)
def test_imported_slos_page_and_ticket_when_sloths_rules_do(tmp_path: Path, promtool: Tool, name: str,
                                                            naming: NamingStyle) -> None:
    slos = _slos(tmp_path, name, naming)
    stacks = {group[0].service: _stack(group) for group in _by_service(slos)}
    (tmp_path / "sloth.rules.yml").write_text(yaml.safe_dump(_sloth_rules(name), sort_keys=False))
    ours_rules = {"groups": [g for slo in slos for g in slo_rules.render(stacks[slo.service], slo)["groups"]]}
    (tmp_path / "ours.rules.yml").write_text(yaml.safe_dump(ours_rules, sort_keys=False))
    tests: dict[str, list[dict[str, object]]] = {"ours": [], "sloth": []}
    fired = set()
    [step] = {choose_step(slo_tests.slo_windows(slo)) for slo in slos}  # one evaluation interval per file
    for slo in slos:
        series = slo_tests.sli_series(slo)
        for planned in slo_tests.plan(slo, step):
            inputs = slo_tests._input_series(series, planned)
            for side, labels in (("ours", ALERT_LABELS[naming]), ("sloth", ALERT_LABELS["sloth"])):
                checks = [_firing(labels.format(service=slo.service, slo=slo.name, tier=tier), eval_time(step, at),
                                  firing)
                          for at, tier, firing in planned.checks]
                tests[side].append({"name": f"{slo.service}/{slo.name}: {planned.case.name}",
                                    "interval": f"{step // 1000}s", "input_series": inputs,
                                    "promql_expr_test": checks})
            fired |= {tier for _, tier, firing in planned.checks if firing}
    assert fired == {"page", "ticket"}  # both tiers are seen firing, and silent
    files = []
    # promtool evaluates groups by name unless told; Sloth's alerts group sorts before its recordings, which would
    # put its alerts one evaluation behind. Evaluate its groups in file order, as ours (one group) are.
    order = {"ours": [], "sloth": [g["name"] for g in _sloth_rules(name)["groups"]]}
    for side in ("ours", "sloth"):
        path = tmp_path / f"{side}.test.yml"
        document = {"rule_files": [f"{side}.rules.yml"], "evaluation_interval": f"{step // 1000}s",
                    **({"group_eval_order": order[side]} if order[side] else {}), "tests": tests[side]}
        path.write_text(yaml.safe_dump(document, sort_keys=False))
        files.append(str(path))
    proc = promtool.run("test", "rules", *files)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert proc.stdout.count("SUCCESS") == 2


@pytest.mark.parametrize("name", ["multifile.yml", "k8s-multifile.yml"])
@pytest.mark.parametrize("naming", ["default", "sloth"])
def test_services_that_share_an_alerting_name_make_one_stack(tmp_path: Path, name: str, naming: NamingStyle) -> None:
    """Sloth names an SLO's alerts after alerting.name alone, which specs of several services share: imported,
    each SLO's alerts get a name of their own, with a note, so that the project generates."""
    imported = specs.read_files([_example(name)], naming=naming)
    slos = tuple(slo for service in imported.services.values() for slo in service.slos)
    assert len({s.service for s in slos}) > 1
    stack = Stack(name="imported", services=tuple(Service(name=s) for s in sorted({s.service for s in slos})),
                  routing=routing(), slos=slos)
    stack.check()
    names = [alert for slo in stack.slos for alert in slo.plan.alert_names.values()]
    assert len(names) == len(set(names))
    assert any("is that of SLOs of other services too" in note for note in imported.notes)
