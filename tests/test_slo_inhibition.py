"""A page inhibits the ticket of its own SLO, and of its own group only: proven on a real Alertmanager, fed the
generated alertmanager.yml and the alerts Prometheus would send."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from monitoring import conventions
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.slo import rules as slo_rules
from tests.binaries import binary_missing
from tests.e2e.harness import HTTP_TIMEOUT, LOOPBACK, Process, free_port, get_json, wait_for
from tests.test_slo_stacks import availability, stack_with

GROUPED = availability(group_by=("route",))


def test_the_inhibit_rule_holds_every_label_an_slo_groups_by() -> None:
    [rule] = slo_rules.inhibit_rules(stack_with(GROUPED, availability(name="plain")))
    assert rule["equal"] == ["service", "slo", "route"]


def _alert(tier: str, route: str) -> dict[str, Any]:
    plan = GROUPED.plan
    return {"labels": {"alertname": plan.alert_names[tier], "service": GROUPED.service, "slo": GROUPED.name,
                       "tier": tier, "severity": "critical" if tier == "page" else "warning", "route": route}}


@pytest.fixture
def alertmanager(tmp_path: Path) -> str:
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if binary is None:
        binary_missing("prometheus-alertmanager not found on PATH: `apt-get install prometheus-alertmanager`")
    files = render_files(stack_with(GROUPED), GenerateContext("tests:stack"))
    config = tmp_path / "alertmanager.yml"
    config.write_text(files[conventions.ALERTMANAGER_CONFIG], encoding="utf-8")
    assert yaml.safe_load(config.read_text())["inhibit_rules"]
    port = free_port()
    process = Process("alertmanager", [binary, f"--config.file={config}", f"--storage.path={tmp_path / 'data'}",
                                       f"--web.listen-address={LOOPBACK}:{port}", "--cluster.listen-address="],
                      tmp_path / "alertmanager.log").start()
    url = f"http://{LOOPBACK}:{port}"
    try:
        wait_for("Alertmanager ready", lambda: requests.get(f"{url}/-/ready", timeout=HTTP_TIMEOUT).ok, 60,
                 process.describe)
        yield url
    finally:
        process.stop()


@pytest.mark.integration
def test_a_page_of_one_group_leaves_the_tickets_of_the_others(alertmanager: str) -> None:
    sent = [_alert("page", "/pay"), _alert("ticket", "/pay"), _alert("ticket", "/cart")]
    response = requests.post(f"{alertmanager}/api/v2/alerts", json=sent, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text

    def states() -> dict[tuple[str, str], str] | None:
        found = {(a["labels"]["tier"], a["labels"]["route"]): a["status"]["state"]
                 for a in get_json(f"{alertmanager}/api/v2/alerts")}
        return found if found.get(("ticket", "/pay")) == "suppressed" else None

    found = wait_for("the /pay ticket inhibited", states, 30, lambda: "")
    assert found == {("page", "/pay"): "active", ("ticket", "/pay"): "suppressed", ("ticket", "/cart"): "active"}
