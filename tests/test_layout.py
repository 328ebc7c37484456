"""The layers import downwards: `monitoring.units` (durations, exact decimals, names) is a leaf, and the SLO
window policies and plans the model builds on import neither the model nor pydantic, so that there is no cycle
model -> slo -> model. Each import runs in a fresh interpreter, which nothing else has loaded."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _loaded(module: str, prefixes: tuple[str, ...]) -> list[str]:
    code = (f"import json, sys, {module}; "
            f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_units_imports_nothing_of_the_package() -> None:
    assert _loaded("monitoring.units", ("monitoring.",)) == ["monitoring.units"]


@pytest.mark.parametrize("module", ["monitoring.slo.windows", "monitoring.slo.plan", "monitoring.slo.naming"])
def test_what_the_model_builds_on_imports_neither_the_model_nor_pydantic(module: str) -> None:
    assert _loaded(module, ("pydantic", "monitoring.model")) == []
