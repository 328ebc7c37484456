"""Make sure promtool, amtool, Prometheus, Alertmanager and the blackbox exporter are available, installing
them where we can."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

from monitoring.checks.tools import INSTALL_HINT

# command -> Debian package that provides it
DEBIAN_PACKAGES = {
    "promtool": "prometheus",
    "prometheus": "prometheus",
    "amtool": "prometheus-alertmanager",
    "prometheus-alertmanager": "prometheus-alertmanager",
    "prometheus-blackbox-exporter": "prometheus-blackbox-exporter",
}


def missing_tools() -> list[str]:
    return [name for name in DEBIAN_PACKAGES if shutil.which(name) is None]


def _container_engine() -> str | None:
    return next((e for e in ("docker", "podman") if shutil.which(e)), None)


@dataclass(frozen=True)
class ToolsReport:
    """Whether the tools are usable, and what was found or done (`lines`) or went wrong (`errors`)."""

    ok: bool
    lines: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


def ensure_tools(install: bool) -> ToolsReport:
    """Report the tools; with install, apt-get what is missing (root on Debian)."""
    missing = missing_tools()
    if not missing:
        return ToolsReport(True, (f"tools: {', '.join(DEBIAN_PACKAGES)} found on PATH",))
    can_apt = os.geteuid() == 0 and shutil.which("apt-get") is not None
    if install and can_apt:
        packages = sorted({DEBIAN_PACKAGES[name] for name in missing})
        done = f"tools: installed {' '.join(packages)} with apt-get"
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
            if subprocess.run(argv, env=env, check=False, stdout=subprocess.DEVNULL).returncode != 0:
                return ToolsReport(False, errors=(f"tools: `{' '.join(argv)}` failed: {INSTALL_HINT}",))
        after = ensure_tools(install=False)
        return ToolsReport(after.ok, (done, *after.lines), after.errors)
    engine = _container_engine()
    if engine:
        return ToolsReport(True, (f"tools: {', '.join(missing)} not on PATH; promtool and amtool will run from "
                                  f"{engine} images",))
    return ToolsReport(False, errors=(f"tools: {', '.join(missing)} not found: {INSTALL_HINT}",))
