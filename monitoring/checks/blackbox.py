"""blackbox.yml checked by the blackbox exporter itself (`--config.check`)."""

from __future__ import annotations

import shutil
from pathlib import Path

from monitoring import conventions
from monitoring.checks.report import CheckResult
from monitoring.checks.tools import BLACKBOX_SUCCESS, confirmed, run_bounded
from monitoring.errors import ToolMissingError
from monitoring.output.manifest import Manifest

# Debian names the binary after its package; upstream tarballs call it blackbox_exporter.
BINARIES = ("prometheus-blackbox-exporter", "blackbox_exporter")


def find_exporter() -> str:
    for name in BINARIES:
        path = shutil.which(name)
        if path:
            return path
    raise ToolMissingError("the blackbox exporter is not on PATH: run `monitoring tools --install` as root, "
                           "or `apt-get install prometheus-blackbox-exporter`")


def check_config(config: Path) -> CheckResult:
    proc = run_bounded([find_exporter(), f"--config.file={config}", "--config.check"], timeout=60)
    passed, output = confirmed(proc, BLACKBOX_SUCCESS)
    return CheckResult("blackbox exporter --config.check", passed, str(config), output)


def check_blackbox(manifest: Manifest, out_dir: Path) -> list[CheckResult]:
    """The exporter's own check of out/blackbox/blackbox.yml, when the stack has probes."""
    config = out_dir / conventions.BLACKBOX_CONFIG
    return [check_config(config)] if config.exists() else []
