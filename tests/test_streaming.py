"""Generation streams: each file is on disk before the next is rendered, so memory stays flat."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from alerts.stack import stack as mcp_stack
from monitoring.grafana import dashboards, slo_dashboard
from monitoring.output.emitters import GenerateContext, iter_files
from monitoring.output.files import read_tree, write_tree
from tests.stacks.example import stack as example_stack


def test_the_writer_consumes_a_stream_one_file_at_a_time(tmp_path: Path) -> None:
    out = tmp_path / "out"
    on_disk_before: list[int] = []

    def files() -> Iterator[tuple[str, str]]:
        for i in range(200):
            staging = [p for p in tmp_path.iterdir() if p.name != "out"]
            on_disk_before.append(sum(1 for p in staging[0].rglob("*.json")) if staging else 0)
            yield f"d{i % 3}/f{i}.json", f"{i}\n"

    assert write_tree(files(), out) == 200
    assert len(read_tree(out)) == 200
    # The writer holds at most a bounded batch in flight: long before the end, early files are written.
    assert on_disk_before[-1] >= 200 - 1 - 64


def test_a_stream_that_fails_leaves_out_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree({"keep.yml": "old\n"}, out)

    def broken() -> Iterator[tuple[str, str]]:
        yield "new.yml", "new\n"
        raise ValueError("dashboard uid 'x' is used twice")

    with pytest.raises(ValueError, match="used twice"):
        write_tree(broken(), out)
    assert read_tree(out) == {"keep.yml": "old\n"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_files_are_rendered_when_asked_for() -> None:
    stream = iter_files(example_stack, GenerateContext("tests"))
    first_path, _ = next(stream)
    assert first_path == "prometheus/prometheus.yml"
    assert dict(iter_files(example_stack, GenerateContext("tests")))  # the whole stream still renders
    stream.close()


def test_dashboards_are_built_one_at_a_time() -> None:
    assert not isinstance(dashboards.render(example_stack), list)
    assert not isinstance(dashboards.model_dashboards(example_stack), list)


def test_slos_grouped_by_service_in_one_pass_keep_both_orders() -> None:
    grouped = slo_dashboard.slos_by_service(mcp_stack)
    services = [service.name for service, _ in grouped]
    assert services == [s.name for s in mcp_stack.services if any(o.service == s.name for o in mcp_stack.slos)]
    assert sum(len(slos) for _, slos in grouped) == len(mcp_stack.slos) > 1
    for service, slos in grouped:
        assert list(slos) == [o for o in mcp_stack.slos if o.service == service.name]
