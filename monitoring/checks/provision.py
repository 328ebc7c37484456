"""Make sure promtool, amtool, Prometheus, Alertmanager and the blackbox exporter are available, installing
them where we can."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

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


def ensure_tools(install: bool) -> int:
    """Report the tools; with install, apt-get what is missing (root on Debian). 0 when all are usable."""
    missing = missing_tools()
    if not missing:
        print(f"tools: {', '.join(DEBIAN_PACKAGES)} found on PATH")
        return 0
    can_apt = os.geteuid() == 0 and shutil.which("apt-get") is not None
    if install and can_apt:
        packages = sorted({DEBIAN_PACKAGES[name] for name in missing})
        print(f"tools: installing {' '.join(packages)} with apt-get", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
            if subprocess.run(argv, env=env, check=False, stdout=subprocess.DEVNULL).returncode != 0:
                print(f"tools: `{' '.join(argv)}` failed: {INSTALL_HINT}", file=sys.stderr)
                return 1
        return ensure_tools(install=False)
    engine = _container_engine()
    if engine:
        print(f"tools: {', '.join(missing)} not on PATH; promtool and amtool will run from {engine} images")
        return 0
    print(f"tools: {', '.join(missing)} not found: {INSTALL_HINT}", file=sys.stderr)
    return 1
