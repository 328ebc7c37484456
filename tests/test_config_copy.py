"""The checking copy of prometheus.yml: cut from the file's own lines where that reads back as the copy's data,
else written by PyYAML; either way, PyYAML reads the copy as exactly the data promtool is meant to check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.checks import promtool
from monitoring.output import yaml_writer

ROOT = Path(__file__).resolve().parent.parent


def test_the_repository_config_is_cut_from_its_own_lines(tmp_path: Path) -> None:
    made = promtool.config_copy(ROOT / "out", tmp_path)
    copy = made.copy.read_text()
    original = (ROOT / "out/prometheus/prometheus.yml").read_text()
    assert yaml.safe_load(copy) == made.config
    assert "rule_files" not in made.config and "rule_files:" in original
    assert made.notes  # the repository's kubelet job reads a token and a CA that are not on this machine
    assert copy.startswith(original.splitlines(keepends=True)[0])  # the header comment: lines, not PyYAML's
    jobs = made.config["scrape_configs"]
    made.config["scrape_configs"] = jobs[1:]
    made.write()
    assert yaml.safe_load(made.copy.read_text()) == made.config
    assert made.copy.read_text().startswith("# ")


_NAMES = st.one_of(st.sampled_from(["api", "kube", "on", "1", "a: b", "'q'", "- x", "x\ny"]),
                   st.text(alphabet="ab-_:# '", min_size=1, max_size=6))
_JOB = st.fixed_dictionaries({"job_name": _NAMES}, optional={
    "static_configs": st.lists(st.fixed_dictionaries({"targets": st.lists(_NAMES, max_size=2)}), max_size=2),
    "kubernetes_sd_configs": st.just([{"role": "pod"}]),
    "metrics_path": _NAMES})
_CONFIG = st.fixed_dictionaries(
    {"global": st.fixed_dictionaries({"scrape_interval": st.sampled_from(["30s", "1m"])}),
     "scrape_configs": st.lists(_JOB, max_size=5)},
    optional={"rule_files": st.lists(_NAMES, min_size=1, max_size=2),
              "alerting": st.just({"alertmanagers": [{"static_configs": [{"targets": ["am:9093"]}]}]})})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_CONFIG, st.lists(st.booleans(), min_size=5, max_size=5), st.booleans())
def test_a_cut_reads_back_as_the_copy_or_is_not_made(config: dict[str, Any], kept: list[bool],
                                                     keep_rules: bool) -> None:
    text = yaml_writer.dump(config, "# header\n")
    copy = {k: v for k, v in config.items() if k != "rule_files" or keep_rules}
    copy["scrape_configs"] = [job for job, keep in zip(config["scrape_configs"], kept, strict=False) if keep]
    cut = promtool._cut(text, copy)
    if cut is not None:
        assert yaml.safe_load(cut) == copy
        assert set(cut.splitlines()) <= set(text.splitlines())
