"""Finding promtool and amtool: $PROMTOOL/$AMTOOL, then PATH, then a container image."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from monitoring.errors import ToolMissingError

INSTALL_HINT = (
    "install them with `apt-get install prometheus prometheus-alertmanager prometheus-blackbox-exporter`, "
    "or install docker or podman to use the upstream images"
)

_IMAGES = {"promtool": "prom/prometheus", "amtool": "prom/alertmanager"}
_ENV = {"promtool": "PROMTOOL", "amtool": "AMTOOL"}


TIMEOUT = 300.0  # seconds for one run of a checking tool: a hang, not a large stack (callers split large work)
# The Go runtime's garbage collection target for the tools run here, unless the environment sets one: each run
# lives a fraction of a second and several run at once, where collecting at Go's default (100: whenever the
# heap doubles) spends CPU the other runs wait for. 400 lets a heap grow to five times what is live before a
# collection: `promtool check rules` over 1,000 SLOs' rule files then takes 57 MB instead of 41 MB, and about a
# fifth less CPU.
GO_GC_PERCENT = "400"


@dataclass(frozen=True)
class Tool:
    """A runnable tool: argv prefix, and how it was found (for the report)."""

    name: str
    argv: tuple[str, ...]
    found_by: str  # "$PROMTOOL", its path on PATH, or the container image
    mount: Path | None = None

    def run(self, *args: str, cwd: Path | None = None, timeout: float | None = None
            ) -> subprocess.CompletedProcess[str]:
        """The tool's run; one that outlives `timeout` seconds (default TIMEOUT) is killed and reads as a failed
        run (see `run_bounded`)."""
        return run_bounded([*self.argv, *args], timeout, cwd)


def run_bounded(argv: list[str], timeout: float | None = None, cwd: Path | None = None, *, one_stream: bool = False
                ) -> subprocess.CompletedProcess[str]:
    """subprocess.run, except that a process still running after `timeout` seconds (default TIMEOUT) is killed
    and gives a failed CompletedProcess (status -9) whose stderr says so: the check fails with that line, never
    with a traceback. `one_stream`: stderr goes into stdout, in the order written, and so does that line."""
    timeout = TIMEOUT if timeout is None else timeout
    try:
        # errors="replace": a tool echoes paths and file contents, whose bytes need not be UTF-8 (an out/ under a
        # directory named in Latin-1); its output is read by a person, never parsed byte for byte.
        return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT if one_stream else subprocess.PIPE,
                              text=True, errors="replace", cwd=cwd, timeout=timeout, check=False,
                              env={"GOGC": GO_GC_PERCENT, **os.environ})
    except subprocess.TimeoutExpired as expired:
        def text(value: str | bytes | None) -> str:
            return value.decode(errors="replace") if isinstance(value, bytes) else value or ""

        said = f"{Path(argv[0]).name} did not finish within {timeout:g} s and was stopped"
        if one_stream:
            return subprocess.CompletedProcess(argv, -9, f"{text(expired.stdout)}\n{said}\n", None)
        return subprocess.CompletedProcess(argv, -9, text(expired.stdout),
                                           "\n".join(filter(None, [text(expired.stderr).rstrip(), said])))


def find_tool(name: str, workdir: Path) -> Tool:
    """The tool to run, or ToolMissingError with a one-line install hint."""
    override = os.environ.get(_ENV[name])
    if override:
        path = shutil.which(override)
        if path is None:
            raise ToolMissingError(f"${_ENV[name]}={override!r} is not an executable")
        return Tool(name, (path,), f"${_ENV[name]}")
    path = shutil.which(name)
    if path:
        return Tool(name, (path,), path)
    for engine in ("docker", "podman"):
        engine_path = shutil.which(engine)
        if engine_path and _engine_works(engine_path):
            mount = workdir.resolve()
            argv = (engine_path, "run", "--rm", "-v", f"{mount}:{mount}", "-w", str(mount),
                    "--entrypoint", name, _IMAGES[name])
            return Tool(name, argv, f"{engine} image {_IMAGES[name]}", mount)
    raise ToolMissingError(f"{name} not found ($${_ENV[name]}, PATH, docker, podman): {INSTALL_HINT}")


def _engine_works(engine: str) -> bool:
    try:
        return subprocess.run([engine, "info"], capture_output=True, timeout=20, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
