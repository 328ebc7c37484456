"""A wrong argument to a pack is a DefinitionError like a wrong field of a definition: it names the pack, the
argument and its value, at the line of the user's code that called the pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitoring.errors import DefinitionError
from monitoring.packs import mcp

HERE = Path(__file__).resolve().relative_to(Path.cwd())


@pytest.mark.parametrize(("call", "field", "value", "problem"), [
    (lambda: mcp.service(name="mcp-x", family="nope"), "family", "nope",
     "family 'nope' must be one of semconv, seed, both"),
    (lambda: mcp.alerts(for_overrides={"MCPNope": "5m"}), "for_overrides", "MCPNope",
     "for_overrides names unknown alert 'MCPNope'"),
    (lambda: mcp.service(("a:1",), name="mcp-x", jobs={"j": ("b:1",)}), "jobs", {"j": ("b:1",)},
     "service 'mcp-x' takes targets or jobs, not both"),
    (lambda: mcp.service(name="mcp-x", kubernetes=False), "targets", (),
     "service 'mcp-x' needs targets, jobs or kubernetes=True"),
], ids=["an unknown family", "an override of no alert", "targets and jobs", "nothing to scrape"])
def test_a_wrong_argument_names_the_pack_the_argument_and_the_calling_line(call, field: str, value: object,
                                                                          problem: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        call()
    error = caught.value
    assert (error.definition, error.field, error.value, error.problem) == ("mcp pack", field, value, problem)
    assert error.where is not None and error.where.startswith(f"{HERE}:"), error.where
