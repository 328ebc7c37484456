"""The end-to-end environment, started once per session; every process it starts is stopped in teardown."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from monitoring.checks.provision import DEBIAN_PACKAGES
from tests.binaries import binary_missing

from .environment import Environment, settle, start_environment
from .scenarios import SCENARIOS

SETTLE_TIMEOUT = 60.0


def require_server(name: str) -> str:
    """The binary on PATH, or a skip; under CI=true a missing server is a failure, never a skip."""
    path = shutil.which(name)
    if path is None:
        message = (f"{name} not found on PATH: run `monitoring tools --install` as root, or "
                   f"`apt-get install {DEBIAN_PACKAGES[name]}`")
        binary_missing(message)
    return path


@pytest.fixture(scope="session")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Environment]:
    """Exporters, Alertmanager and Prometheus running the generated e2e stack, with every scenario started."""
    prometheus = require_server("prometheus")
    alertmanager = require_server("prometheus-alertmanager")
    with start_environment(prometheus, alertmanager, tmp_path_factory.mktemp("e2e")) as env:
        settle(env, SETTLE_TIMEOUT)
        env.run_scenarios(SCENARIOS)
        yield env
