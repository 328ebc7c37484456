# ruff: noqa: RUF001 - Unicode in free text is the point
"""The same definitions give the same out/, byte for byte and mode for mode, manifest included, whatever the
process that generates it: its hash seed, number of rendering processes, locale, time zone, umask, working
directory, and where out/ is. Definitions given as sets (which iterate in an order of the hash seed) included."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring import Counter, ScrapeJob, StaticConfig
from monitoring.errors import DefinitionError
from monitoring.output.files import write_tree

ROOT = Path(__file__).resolve().parent.parent

STACK = '''
from monitoring import (SLO, Alert, Counter, Histogram, LatencySLI, RatioSLI, RuleGroup, ScrapeJob, Service,
                        StaticConfig)
from alerts.stack import stack as base

LABELS = {"code", "route", "zone", "method", "tenant", "region", "shard", "verb", "tier", "pod", "node", "kind"}
setwise = Service(
    name="setwise",
    metrics=(Counter(name="setwise_requests_total", help="Requêtes servies — ünïcödé ✓ «ok» 日本語.", labels=LABELS),
             Histogram(name="setwise_latency_seconds", unit="seconds", help="Latence ⏱.",
                       buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5), labels=frozenset({"route", "code"}))),
    scrape_jobs=(ScrapeJob(name="setwise", monitor=False, static_configs=(
        StaticConfig(targets={f"setwise-{n}:8080" for n in "abcdefghij"}, labels={"team": "équipe-ß"}),)),),
    rule_groups=(RuleGroup(name="setwise.alerts", rules=(
        Alert(name="SetwiseErrors", severity="warning", for_="5m",
              expr='sum(rate(setwise_requests_total{code=~"5.."}[5m])) > 1',
              summary="Erreurs ✗ — İstanbul ı i I.", description="{{ $value }} erreurs/s «démo» 🚨."),)),),
)
slos = (
    SLO(name="available", service="setwise", objective="99.95", description="Réponses sans faute — ✓",
        sli=RatioSLI(errors='setwise_requests_total{code=~"5.."}', total="setwise_requests_total")),
    SLO(name="fast", service="setwise", objective="97.5", description="Sous 250 ms",
        sli=LatencySLI(histogram="setwise_latency_seconds", threshold="0.25")),
)
stack = base.model_copy(update={"services": (*base.services, setwise), "slos": (*base.slos, *slos)})
'''


def tree(out: Path) -> dict[str, tuple[int, bytes]]:
    """Every entry under out/: its mode, and a file's bytes."""
    found = {}
    for path in sorted(out.rglob("*")):
        info = path.lstat()
        found[path.relative_to(out).as_posix()] = (info.st_mode, path.read_bytes() if path.is_file() else b"")
    found["."] = (out.lstat().st_mode, b"")
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("determinism") / "project"
    (root / "sub").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.monitoring]\nstack = "detstack:stack"\n')
    (root / "detstack.py").write_text(textwrap.dedent(STACK), encoding="utf-8")
    return root


def generate(project: Path, out: Path, env: dict[str, str], umask: int = 0o022, cwd: Path | None = None) -> None:
    environ = {k: v for k, v in os.environ.items() if k not in ("MONITORING_WORKERS", "PYTHONHASHSEED")}
    environ["PYTHONPATH"] = str(ROOT)  # the stack builds on the repository's own

    def with_umask() -> None:
        os.umask(umask)

    proc = subprocess.run([sys.executable, "-m", "monitoring", "generate", "--force", "--out", str(out)],
                          cwd=cwd or project, env={**environ, **env}, preexec_fn=with_umask,
                          capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr


def _locale(name: str) -> str:
    """name when this system has that locale, else C.UTF-8 (the comparison then only repeats another run)."""
    found = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False).stdout.lower().split()
    return name if name.lower().replace("utf-8", "utf8") in found else "C.UTF-8"


RUNS = {
    "hash seed 1, one process": ({"PYTHONHASHSEED": "1", "MONITORING_WORKERS": "1"}, 0o022, False),
    "hash seed 2, two processes": ({"PYTHONHASHSEED": "2", "MONITORING_WORKERS": "2"}, 0o022, False),
    "hash seed 3, three processes, umask 077": ({"PYTHONHASHSEED": "3", "MONITORING_WORKERS": "3"}, 0o077, False),
    "Turkish locale, far time zone, umask 002": ({"LC_ALL": _locale("tr_TR.UTF-8"), "TZ": "Pacific/Kiritimati"},
                                                 0o002, False),
    "C locale, from a subdirectory": ({"LC_ALL": "C", "LANG": "C"}, 0o022, True),
}


def test_out_is_the_same_tree_whatever_the_process_that_generates_it(project: Path, tmp_path: Path) -> None:
    generate(project, project / "out", {})
    expected = tree(project / "out")
    assert expected["prometheus/prometheus.yml"][0] & 0o777 == 0o644
    assert {mode & 0o777 for mode, _ in expected.values()} == {0o644, 0o755}
    for name, (env, umask, elsewhere) in RUNS.items():
        out = tmp_path / name.replace(" ", "-").replace(",", "") / "out"
        generate(project, out, env, umask, project / "sub" if elsewhere else None)
        found = tree(out)
        assert found.keys() == expected.keys(), name
        differing = sorted(path for path in expected if found[path] != expected[path])
        assert not differing, (name, differing[:5])


def test_a_set_given_for_a_tuple_is_taken_in_sorted_order() -> None:
    labels = {f"label_{letter}" for letter in "qwertyuiopasdfghjkl"}
    assert Counter(name="x_total", help="h", labels=labels).labels == tuple(sorted(labels))
    assert StaticConfig(targets=frozenset({"b:1", "a:1", "c:1"})).targets == ("a:1", "b:1", "c:1")
    job = ScrapeJob(name="j", static_configs=[{"targets": {"d:1", "c:1"}}])  # nested data, as a dict
    assert job.static_configs[0].targets == ("c:1", "d:1")


def test_a_set_whose_items_have_no_order_is_refused_naming_the_field() -> None:
    with pytest.raises(DefinitionError) as caught:
        StaticConfig(targets={"a:1", 80})
    message = str(caught.value)
    assert "\n" not in message and "targets is a set" in message and "give a tuple or a list" in message
    assert f"{Path(__file__).name}:" in message
    assert caught.value.field == "targets"


def test_write_tree_gives_the_same_modes_under_any_umask(tmp_path: Path) -> None:
    previous = os.umask(0o077)
    try:
        write_tree({"a/b/one.yml": "1\n", "two.yml": "2\n"}, tmp_path / "out")
    finally:
        os.umask(previous)
    modes = {p.relative_to(tmp_path).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in tmp_path.rglob("*")}
    assert modes == {"out": 0o755, "out/a": 0o755, "out/a/b": 0o755, "out/a/b/one.yml": 0o644,
                     "out/two.yml": 0o644, "out/manifest.json": 0o644}


# Stacks built by Hypothesis: several services, label sets and targets given as sets or tuples, Unicode free
# text, SLOs of each SLI kind, budgeting and calendar. Each is generated by two processes that differ in hash
# seed, number of rendering processes and locale: the two out/ trees (or the two refusals) must be the same.
WORDS = ("alpha", "beta", "gamma", "delta", "omega", "sigma")
LABELS = ("code", "route", "zone", "method", "tenant", "region", "shard")
free_text = st.text(st.characters(categories=("L", "N", "Zs", "So", "Pd", "Po"), exclude_characters="$\\"),
                    min_size=1, max_size=24).map(str.strip).filter(bool)


@st.composite
def slo_source(draw: st.DrawFn, service: str) -> str:
    kind = draw(st.sampled_from(("ratio", "latency", "query", "boolean")))
    sli = {"ratio": f"RatioSLI(errors='{service}_requests_total{{code=~\"5..\"}}', total='{service}_requests_total')",
           "latency": f"LatencySLI(histogram='{service}_latency_seconds', threshold='0.5')",
           "query": f"QuerySLI(errors='sum(rate({service}_requests_total{{code=~\"5..\"}}[{{{{window}}}}]))', "
                    f"total='sum(rate({service}_requests_total[{{{{window}}}}]))')",
           "boolean": f"BooleanSLI(gauge='up{{job=\"{service}\"}}')"}[kind]
    extra = draw(st.sampled_from(("", ", budgeting=Timeslices(window='5m', target='0.95')",
                                  ", calendar=CalendarPeriod(unit='month', timezone='Europe/Istanbul')",
                                  ", window_policy='workbook'")))
    objective = draw(st.sampled_from(("99", "99.9", "99.95", "97.5", "99.999")))
    name = f"{kind}-{draw(st.integers(0, 99))}"
    return (f"SLO(name={name!r}, service={service!r}, objective={objective!r}, "
            f"period={draw(st.sampled_from(('30d', '28d', '7d')))!r}, description={draw(free_text)!r}, "
            f"sli={sli}{extra})")


@st.composite
def stack_source(draw: st.DrawFn) -> str:
    services, slos = [], []
    for name in draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4, unique=True)):
        labels = draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=5, unique=True))
        as_set = draw(st.booleans())
        targets = {f"{name}-{i}:80" for i in range(draw(st.integers(1, 6)))}
        services.append(
            f"Service(name={name!r}, metrics=("
            f"Counter(name='{name}_requests_total', help={draw(free_text)!r}, "
            f"labels={set(labels) if as_set else tuple(labels)!r}), "
            f"Histogram(name='{name}_latency_seconds', unit='seconds', help={draw(free_text)!r}, "
            f"buckets=(0.1, 0.5, 1, 5))), "
            f"scrape_jobs=(ScrapeJob(name={name!r}, monitor=False, static_configs=(StaticConfig("
            f"targets={targets if as_set else tuple(sorted(targets))!r}),)),), "
            f"rule_groups=(RuleGroup(name='{name}.alerts', rules=(Alert(name='{name.capitalize()}Errors', "
            f"severity='warning', expr='sum(rate({name}_requests_total[5m])) by ({labels[0]}) > 1', "
            f"summary={draw(free_text)!r}, description={draw(free_text)!r}),)),))")
        slos += [draw(slo_source(name)) for _ in range(draw(st.integers(0, 3)))]
    return ("from monitoring import *\n"
            f"stack = Stack(name='drawn', services=({', '.join(services)},), slos=({''.join(s + ', ' for s in slos)}),"
            " routing=Routing(route=Route(receiver='default'), receivers=(Receiver(name='default'),)))\n")


def generated(project: Path, out: Path, env: dict[str, str]) -> tuple[int, str, dict[str, tuple[int, bytes]]]:
    environ = {k: v for k, v in os.environ.items() if k not in ("MONITORING_WORKERS", "PYTHONHASHSEED")}
    proc = subprocess.run([sys.executable, "-m", "monitoring", "generate", "--force", "--out", str(out)],
                          cwd=project, env={**environ, **env}, capture_output=True, text=True, check=False,
                          timeout=300)
    assert proc.returncode in (0, 2) and "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stderr, tree(out) if proc.returncode == 0 else {}


@settings(max_examples=int(os.environ.get("DETERMINISM_EXAMPLES", "5")), deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(source=stack_source())
def test_a_drawn_stack_gives_the_same_out_in_any_process(source: str, tmp_path_factory: pytest.TempPathFactory
                                                         ) -> None:
    project = tmp_path_factory.mktemp("drawn")
    (project / "pyproject.toml").write_text('[tool.monitoring]\nstack = "drawn:stack"\n')
    (project / "drawn.py").write_text(source, encoding="utf-8")
    first = generated(project, project / "one", {"PYTHONHASHSEED": "1", "MONITORING_WORKERS": "1"})
    second = generated(project, project / "two", {"PYTHONHASHSEED": "2", "MONITORING_WORKERS": "2",
                                                  "LC_ALL": _locale("tr_TR.UTF-8")})
    assert first == second
