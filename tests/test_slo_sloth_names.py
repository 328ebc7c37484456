"""`SLO(naming="sloth")`: Sloth's series labels, so that dashboards built for Sloth's rules keep working.

Proven against Sloth's published output (examples/_gen) for the imported examples: every series Sloth records
is recorded here under the same name with the same labels, in the rule files and at run time under promtool;
the alerts page and ticket at the same moments as Sloth's (test_slo_import's parity test runs both namings); and
the dashboard, lint's known series, the inhibit rule and the generated tests follow the naming.

Sloth's examples were generated with an extra label `cmd: examplesgen.sh` (Sloth's --extra-labels), which is
not part of the spec and so not compared; sloth_slo_info's sloth_mode, sloth_spec and sloth_version describe the
generator, so only their presence is compared.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring import SLO
from monitoring.checks.tools import Tool
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.render.series_labels import series_text
from monitoring.slo import promtool_tests as slo_tests
from monitoring.slo import rules as slo_rules
from monitoring.slo.naming import SLOTH_INFO, SLOTH_INFO_LABELS
from tests.conftest import shared_reference
from tests.slo_imports import import_slos, imported_stack, prove
from tests.test_slo_import import PARITY

EXTRA = "cmd"  # the label Sloth's examplesgen.sh adds to every rule
GENERATOR = tuple(SLOTH_INFO_LABELS)  # sloth_mode, sloth_spec, sloth_version


def _imported(tmp_path: Path, name: str) -> tuple[SLO, ...]:
    return import_slos(tmp_path, shared_reference(f"sloth/examples/{name}"), naming="sloth")


def _published(name: str) -> list[dict[str, Any]]:
    """Sloth's recording rules for an example, PrometheusRule resources unwrapped."""
    found = []
    for document in yaml.safe_load_all(shared_reference(f"sloth/examples/_gen/{name}").read_text()):
        for group in (document or {}).get("spec", document or {}).get("groups", []):
            found += [rule for rule in group["rules"] if "record" in rule]
    return found


def _key(rule: dict[str, Any]) -> tuple[str, str]:
    return rule["record"], rule["labels"]["sloth_id"]


def _compared(record: str, labels: dict[str, str]) -> dict[str, str]:
    kept = {k: str(v) for k, v in labels.items() if k != EXTRA}
    if record == SLOTH_INFO:
        kept = {k: v for k, v in kept.items() if k not in GENERATOR}
    return kept


@pytest.mark.parametrize("name", PARITY)
def test_every_series_sloth_records_is_recorded_with_its_labels(tmp_path: Path, name: str) -> None:
    slos = _imported(tmp_path, name)
    stacks = {s.service: imported_stack(tuple(o for o in slos if o.service == s.service)) for s in slos}
    ours = {_key(r): r for slo in slos for g in slo_rules.render(stacks[slo.service], slo)["groups"]
            for r in g["rules"] if "record" in r}
    published = _published(name)
    assert published
    for rule in published:
        mine = ours.get(_key(rule))
        assert mine is not None, f"{_key(rule)} is not recorded"
        assert _compared(rule["record"], mine["labels"]) == _compared(rule["record"], rule["labels"]), _key(rule)
        if rule["record"] == SLOTH_INFO:
            assert set(GENERATOR) <= set(mine["labels"])
    # What is recorded besides Sloth's series: the bad and total event rates that weight the ratios by traffic.
    extra = {record for record, _ in set(ours) - {_key(r) for r in published}}
    assert all(re.fullmatch(r"slo:sli_(bad|total)_events:rate\w+", record) for record in extra), extra


# Series whose expression divides an SLI series keep its sloth_window at run time (Sloth's `group_left` keeps it
# too): the current burn rate reads the 5m ratio, the period ones the period's.
INHERITED = {"slo:current_burn_rate:ratio": "5m", "slo:period_burn_rate:ratio": "30d",
             "slo:period_error_budget_remaining:ratio": "30d"}


@pytest.mark.integration
def test_at_run_time_the_series_carry_the_same_labels_as_sloths(tmp_path: Path, promtool: Tool) -> None:
    files = []
    for name in PARITY:
        slos = _imported(tmp_path / name, name)
        published = _published(name)
        sloth_rules = tmp_path / f"{name}.sloth.rules.yml"
        groups = []
        for document in yaml.safe_load_all(shared_reference(f"sloth/examples/_gen/{name}").read_text()):
            groups += (document or {}).get("spec", document or {}).get("groups", [])
        sloth_rules.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
        ours_rules = tmp_path / f"{name}.ours.rules.yml"
        stacks = {s.service: imported_stack(tuple(o for o in slos if o.service == s.service)) for s in slos}
        ours_rules.write_text(yaml.safe_dump({"groups": [g for slo in slos for g in slo_rules.render(
            stacks[slo.service], slo)["groups"]]}, sort_keys=False))
        inputs = []
        for slo in slos:
            series = slo_tests.sli_series(slo)
            inputs += [{"series": s, "values": "0+1x40"} for s in series.bad]
            inputs += [{"series": s, "values": "0+100x40"} for s in series.good + series.total]
        checks = []
        for rule in published:
            dropped = [EXTRA, *(GENERATOR if rule["record"] == SLOTH_INFO else ())]
            labels = _compared(rule["record"], rule["labels"])
            if rule["record"] in INHERITED:
                labels["sloth_window"] = INHERITED[rule["record"]]
            checks.append({"expr": f'max without ({", ".join(dropped)}) ({rule["record"]}'
                                   f'{{sloth_id="{rule["labels"]["sloth_id"]}"}}) * 0 + 1',
                           "eval_time": "30m",
                           "exp_samples": [{"labels": series_text("", labels), "value": 1}]})
        for side, rules in (("sloth", sloth_rules), ("ours", ours_rules)):
            test = tmp_path / f"{name}.{side}.test.yml"
            test.write_text(yaml.safe_dump({"rule_files": [rules.name], "evaluation_interval": "1m",
                                            "tests": [{"interval": "1m", "input_series": inputs,
                                                       "promql_expr_test": checks}]}, sort_keys=False))
            files.append(str(test))
    proc = promtool.run("test", "rules", *files)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert proc.stdout.count("SUCCESS") == len(files)


def test_dashboard_inhibit_rule_known_series_and_tests_follow_the_naming(tmp_path: Path) -> None:
    slos = _imported(tmp_path, "getting-started.yml")
    [slo] = slos
    assert slo.labels["tier"] == "2"  # tier is not reserved under Sloth's labels: kept as the spec wrote it
    stack = imported_stack(slos)
    files = render_files(stack, GenerateContext("tests"))
    board = next(text for path, text in files.items() if path.endswith("myservice-slos.json"))
    assert 'sloth_service=\\"myservice\\", sloth_slo=\\"requests-availability\\"' in board
    assert 'on (sloth_service, sloth_slo)' in board
    assert ' service=\\"myservice\\"' not in board and '{service=\\"myservice\\"' not in board
    inhibit = yaml.safe_load(files["alertmanager/alertmanager.yml"])["inhibit_rules"]
    assert {"source_matchers": ['sloth_severity="page"'], "target_matchers": ['sloth_severity="ticket"'],
            "equal": ["sloth_service", "sloth_slo"]} in inhibit
    assert SLOTH_INFO in stack.known_series()
    # Its name is Sloth's, declared by the naming (not guessed from the name): recording-name lint accepts it.
    assert SLOTH_INFO in stack.fixed_record_names()
    plain = tuple(s.model_copy(update={"naming": "default", "labels": {}}) for s in slos)
    assert SLOTH_INFO not in imported_stack(plain).fixed_record_names()
    tests = yaml.safe_load(files["prometheus/tests/myservice.slo.requests-availability.test.yml"])["tests"]
    fired = [a for t in tests for check in t["alert_rule_test"] for a in check["exp_alerts"]]
    assert fired and all(a["exp_labels"]["sloth_severity"] in ("page", "ticket") and "tier" in a["exp_labels"]
                         and a["exp_labels"]["sloth_id"] == "myservice-requests-availability" for a in fired)


@pytest.mark.integration
def test_sloth_named_slos_generate_validate_and_pass_their_tests(tmp_path: Path, promtool: Tool) -> None:
    slos = _imported(tmp_path, "getting-started.yml") + _imported(tmp_path / "wifi", "home-wifi.yml")
    # home-wifi's queries are not sum(rate(...)): generated and validated, with no planned test (a warning).
    assert prove(tmp_path, imported_stack(slos), promtool) == 1


def test_the_cli_option_writes_the_naming_into_the_module(tmp_path: Path) -> None:
    from monitoring.cli import main

    spec = shared_reference("sloth/examples/getting-started.yml")
    assert main(["import-slo", "--naming", "sloth", str(spec), "--directory", str(tmp_path / "slos")]) == 0
    text = (tmp_path / "slos" / "slos_myservice.py").read_text()
    assert 'naming="sloth"' in text and '"tier": "2"' in text and "spec_tier" not in text


@pytest.mark.parametrize(("fields", "message"), [
    ({"labels": {"sloth_id": "x"}}, "labels: 'sloth_id' is set by the SLO itself"),
    ({"group_by": ("sloth_window",)}, "group_by: 'sloth_window' is set by the SLO itself"),
])
def test_sloths_own_labels_are_reserved_under_its_naming(fields: dict[str, Any], message: str) -> None:
    from monitoring.errors import DefinitionError
    from monitoring.model.slo import QuerySLI

    by = "by (sloth_window) " if "group_by" in fields else ""
    sli = QuerySLI(errors=f"sum {by}(rate(x_total[{{{{window}}}}]))", total=f"sum {by}(rate(y_total[{{{{window}}}}]))")
    with pytest.raises(DefinitionError) as raised:
        SLO(name="s", service="a", objective="99", naming="sloth", sli=sli, **fields)
    assert message in str(raised.value)
    SLO(name="s", service="a", objective="99", sli=sli, **fields)  # free under the default naming
