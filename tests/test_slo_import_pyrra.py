"""`import-slo` for Pyrra's ServiceLevelObjective CRD: every published example imports (or is a named error),
generates, validates and passes its generated tests; and its alerts behave as rules written the way Pyrra writes
them (its windows, factors and `for`) under identical promtool input: they page at the same evaluation on a full
outage, and neither pages nor tickets at a steady burn rate of 1 (where Pyrra's floating-point threshold lets its
own ticket fire at exactly 1, only its page is compared: see `_float_noise`).

Ticket timing on an outage is not compared: Pyrra holds each ticket pair for its own time (1h and 3h at 28
days), the ticket tier here holds for its fastest pair's (1h), so here a ticket can come earlier (noted on import).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring import SLO
from monitoring.checks.tools import Tool
from monitoring.errors import InputFileError
from monitoring.render.promtool_timing import choose_step, eval_time, values_text
from monitoring.render.series_labels import example_labels, parse_selector, series_text
from monitoring.slo import promtool_tests as slo_tests
from monitoring.slo import rules as slo_rules
from monitoring.slo import specs
from monitoring.slo.pyrra_specs import pyrra_windows
from monitoring.slo.simulation import Phase, Traffic, simulate
from monitoring.units import duration_ms, format_duration
from tests.conftest import shared_reference
from tests.slo_imports import import_slos, imported_stack, prove

IMPORTED = ("caddy-response-latency.yaml", "nginx.yaml", "parca-grpc-queryrange-errors.yaml",
            "prometheus-http.yaml", "prometheus-operator.yaml", "pyrra-connect-errors.yaml",
            "pyrra-filesystem-errors.yaml", "pyrra-kubernetes-errors.yaml", "thanos-grpc.yaml", "thanos-http.yaml")
# A boolean gauge (probe_success): its samples are no counters, so it is proven by its generated tests only.
BOOLEAN = ("prometheus-probe-success.yaml",)
# Their generated tests run in the proof below: a latency SLI whose fastest pair cannot fire at 90%, a grouped
# 7-day SLO, and the grouped boolean gauge (every other example's alerts are compared with Pyrra's rules below).
PROVEN = ("caddy-response-latency.yaml", "prometheus-http.yaml", *BOOLEAN)
NOT_YET = {
    "pyrra-connect-latency.yaml": ":14: spec.indicator.latencyNative is not supported",
}


SEVERITIES = {"page": "critical", "ticket": "warning"}  # Pyrra's severities of the two tiers


def _example(name: str) -> Path:
    return shared_reference(f"pyrra/examples/{name}")


def _documents(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(_example(name).read_text()) if d]


def test_every_example_imports_or_is_a_named_error() -> None:
    for name in (*IMPORTED, *BOOLEAN):
        imported = specs.read_files([_example(name)])
        names = sorted(s.name for service in imported.services.values() for s in service.slos)
        assert names == sorted(d["metadata"]["name"] for d in _documents(name))
    for name, message in NOT_YET.items():
        with pytest.raises(InputFileError) as raised:
            specs.read_files([_example(name)])
        assert str(raised.value).startswith(str(_example(name))) and message in str(raised.value)


def test_pyrras_windows_scale_with_the_period() -> None:
    """Pyrra's table at 28 days (1h/5m for 2m at 14 ... 4d/6h for 3h at 1), scaled and rounded to the minute."""
    hour = 3_600_000
    assert pyrra_windows(28) == [("page", hour, 300_000, 120_000, 14), ("page", 6 * hour, 1_800_000, 900_000, 7),
                                 ("ticket", 24 * hour, 2 * hour, hour, 2), ("ticket", 96 * hour, 6 * hour, 3 * hour, 1)]
    # 7 days: 15m/1m15s rounds to 15m/1m; the 30s `for` rounds half away from zero to 1m.
    assert [tuple(format_duration(v) for v in w[1:4]) for w in pyrra_windows(7)] == [
        ("15m", "1m", "1m"), ("1h30m", "8m", "4m"), ("6h", "30m", "15m"), ("1d", "1h30m", "45m")]


def test_the_import_reads_as_pyrra_means_it(tmp_path: Path) -> None:
    errors, latency = import_slos(tmp_path, _example("nginx.yaml"))
    assert (errors.service, errors.period, str(errors.objective)) == ("monitoring", "28d", "99.9")
    # The total selector's equality matchers are the rules' labels, as in Pyrra; `service` is reserved here.
    assert errors.labels == {"ingress": "lastfm", "namespace": "lastfm", "spec_service": "lastfm"}
    assert [(str(p.tier), p.window.long, p.window.short, p.threshold_text) for p in errors.plan.pairs] == [
        ("page", "1h", "5m", "14 * 0.001"), ("page", "6h", "30m", "7 * 0.001"),
        ("ticket", "1d", "2h", "2 * 0.001"), ("ticket", "4d", "6h", "1 * 0.001")]
    assert (errors.alerting.page.for_, errors.alerting.ticket.for_) == ("2m", "1h")
    # At 90% the 14x pair would need an error ratio of 1.4: it is left out, and the page holds for 15m.
    assert [p.window.long for p in latency.plan.pairs] == ["6h", "1d", "4d"]
    assert latency.alerting.page.for_ == "15m"
    notes = "\n".join(specs.read_files([_example("nginx.yaml")]).notes)
    assert "1h/5m pair at burn rate 14 can never fire for this objective" in notes
    assert "metadata.labels.prometheus is a label of Pyrra's PrometheusRule object" in notes
    [grouped] = import_slos(tmp_path, _example("pyrra-connect-errors.yaml"))
    assert grouped.group_by == ("spec_service", "method")
    [probe] = import_slos(tmp_path / "probe", _example("prometheus-probe-success.yaml"))
    assert (probe.sli.type, probe.sli.gauge, probe.group_by) == ("boolean", "probe_success", ("target",))


@pytest.mark.integration
def test_imported_pyrra_slos_generate_validate_and_pass_their_tests(tmp_path: Path, promtool: Tool) -> None:
    stack = imported_stack(import_slos(tmp_path, *map(_example, PROVEN)))
    assert prove(tmp_path, stack, promtool) == len(PROVEN)


# --- Pyrra's approach, written out: what its rules for an example would do under the same series. ------------

def _pyrra_group(document: dict[str, Any]) -> dict[str, Any]:
    """The burn-rate recordings and alerts Pyrra writes for an SLO: a ratio per window, and per window pair
    `short > factor * (1 - target) and long > factor * (1 - target)` held for the pair's `for`."""
    name, spec = document["metadata"]["name"], document["spec"]
    target = repr(float(spec["target"]) / 100)
    (kind, indicator), = spec["indicator"].items()
    by = f" by ({', '.join(sorted(indicator.get('grouping', [])))})" if indicator.get("grouping") else ""
    total = indicator["total"]["metric"]

    def burnrate(window: str) -> str:
        rate = f"sum{by} (rate({total}[{window}]))"
        if kind == "ratio":
            return f"sum{by} (rate({indicator['errors']['metric']}[{window}])) / {rate}"
        return f"({rate} - sum{by} (rate({indicator['success']['metric']}[{window}]))) / {rate}"

    windows = pyrra_windows(int(spec["window"][:-1]) * (7 if spec["window"].endswith("w") else 1))
    durations = sorted({d for _, long, short, _, _ in windows for d in (long, short)})
    rules: list[dict[str, Any]] = [{"record": f"pyrra:burnrate{format_duration(d)}",
                                    "expr": burnrate(format_duration(d)), "labels": {"slo": name}} for d in durations]
    for tier, long, short, hold, factor in windows:
        condition = f"> ({factor} * (1-{target}))"
        rules.append({"alert": "PyrraErrorBudgetBurn",
                      "expr": f'pyrra:burnrate{format_duration(short)}{{slo="{name}"}} {condition} and '
                              f'pyrra:burnrate{format_duration(long)}{{slo="{name}"}} {condition}',
                      "for": format_duration(hold),
                      "labels": {"severity": SEVERITIES[tier],
                                 "long": format_duration(long), "short": format_duration(short)}})
    return {"name": f"pyrra-{name}", "rules": rules}


def _series(document: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """(bad, good, total) input series the example's selectors read; a grouped SLO gets one group, whose labels
    the first series chooses and the others share."""
    (kind, indicator), = document["spec"]["indicator"].items()
    grouping = indicator.get("grouping", [])
    total_name, total_matchers = parse_selector(indicator["total"]["metric"])
    first_name, first_matchers = parse_selector(indicator["success" if kind == "latency" else "errors"]["metric"])
    first = example_labels(first_matchers)
    assert first is not None
    first = {**dict.fromkeys(grouping, "group-a"), **first}
    group = {label: first[label] for label in grouping}
    same_metric = kind == "ratio" and first_name == total_name
    other = example_labels(total_matchers, first_matchers if same_metric else None)
    assert other is not None
    first_series, other_series = [series_text(first_name, first)], [series_text(total_name, {**other, **group})]
    if kind == "latency":
        return [], first_series, other_series
    return (first_series, other_series, []) if same_metric else (first_series, [], other_series)


def _float_noise(document: dict[str, Any]) -> bool:
    """Whether Pyrra's own factor-1 threshold, 1 * (1 - target) in floating point, lies below the exact error
    budget (99.9%: 1 - 0.9990000000000001 = 0.00099999999999989), so that its ticket fires at an exact burn of 1."""
    target = document["spec"]["target"]
    return 1 * (1 - float(target) / 100) < float(Fraction(100 - Fraction(target)) / 100)


def _firing(selector: str, at: str, firing: bool) -> dict[str, Any]:
    return {"expr": f'clamp_max(count(ALERTS{{alertstate="firing", {selector}}}), 1) or vector(0)', "eval_time": at,
            "exp_samples": [{"labels": "{}", "value": 1 if firing else 0}]}


def _cases(slo: SLO, step: int) -> list[tuple[str, str, str, str, list[tuple[int, str, bool]]]]:
    """(name, bad, good, total values, checks): a full outage after hours of healthy traffic, as the generated
    tests plan it, and a steady burn rate of exactly 1 until the slowest short window is full."""
    outage = next(c for c in slo_tests.plan(slo, step) if c.case.name.startswith("page: 100% errors"))
    # The page only: Pyrra holds each ticket pair for its own time, the ticket tier here for its fastest pair's.
    pages = [check for check in outage.checks if check[1] == "page"]
    cases = [(outage.case.name, outage.bad, outage.good, outage.total, pages)]
    steps = -(-max(p.window.short_ms for p in slo.plan.pairs) // step) + 4
    events = 10_000
    traffic = Traffic(step, steps, (Phase(0, events, Fraction(slo.error_budget)),))
    assert not any(on for timeline in simulate(slo.plan, traffic).values() for on in timeline.firing)
    bad, total = traffic.counters
    good = [t - b + bad[0] for t, b in zip(total, bad, strict=True)]
    checks = [(at, str(tier), False) for at in sorted({1, steps // 2, steps - 1}) for tier in slo.plan.tiers]
    cases.append(("steady burn rate of 1", values_text(list(bad)), values_text(good), values_text(list(total)),
                  checks))
    return cases


@pytest.mark.integration
def test_imported_alerts_fire_when_pyrras_own_rules_do(tmp_path: Path, promtool: Tool) -> None:
    files, fired = [], set()
    for name in IMPORTED:
        slos = {s.name: s for s in import_slos(tmp_path / name, _example(name))}
        stack = imported_stack(tuple(slos.values()))
        for document in _documents(name):
            slo = slos[document["metadata"]["name"]]
            step = choose_step({duration_ms(w) for w in (*slo.rate_windows, slo.period)})
            ours, pyrra = tmp_path / f"{slo.name}.ours.rules.yml", tmp_path / f"{slo.name}.pyrra.rules.yml"
            ours.write_text(yaml.safe_dump(slo_rules.render(stack, slo), sort_keys=False))
            pyrra.write_text(yaml.safe_dump({"groups": [_pyrra_group(document)]}, sort_keys=False))
            bad_series, good_series, total_series = _series(document)
            for rules, selector in ((ours, lambda tier, s=slo: f'alertname="{s.alert_name(tier)}"'),
                                    (pyrra, lambda tier: f'alertname="PyrraErrorBudgetBurn", '
                                                         f'severity="{SEVERITIES[tier]}"')):
                tests = []
                for case, bad, good, total, checks in _cases(slo, step):
                    if rules == pyrra and case.startswith("steady") and _float_noise(document):
                        checks = [check for check in checks if check[1] == "page"]
                    inputs = ([{"series": s, "values": bad} for s in bad_series]
                              + [{"series": s, "values": good} for s in good_series]
                              + [{"series": s, "values": total} for s in total_series])
                    tests.append({"name": f"{slo.name}: {case}", "interval": format_duration(step),
                                  "input_series": inputs,
                                  "promql_expr_test": [_firing(selector(tier), eval_time(step, at), on)
                                                       for at, tier, on in checks]})
                    fired |= {(slo.name, tier) for _, tier, on in checks if on}
                path = rules.with_suffix(".test.yml")
                path.write_text(yaml.safe_dump({"rule_files": [rules.name], "evaluation_interval":
                                                format_duration(step), "tests": tests}, sort_keys=False))
                files.append(str(path))
    assert {slo for slo, tier in fired if tier == "page"} == {d["metadata"]["name"] for n in IMPORTED
                                                             for d in _documents(n)}
    noisy = {d["metadata"]["name"] for n in IMPORTED for d in _documents(n) if _float_noise(d)}
    assert noisy == {"caddy-response-latency", "nginx-api-errors", "nginx-api-latency"}
    proc = promtool.run("test", "rules", *files)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert proc.stdout.count("SUCCESS") == len(files)
