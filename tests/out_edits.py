"""An edit of a generated out/ that keeps the manifest's hash gate passing, so that a test reaches the check it
is about: validate reports a file changed since generate alone, and runs nothing else on it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from monitoring.output.manifest import MANIFEST, sha256_bytes


def rehash(out: Path, path: str) -> None:
    """Record the sha256 of out/path, as it is now, in out/manifest.json, as if generate had written it."""
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["files"][path]["sha256"] = sha256_bytes((out / path).read_bytes())
    (out / MANIFEST).write_text(json.dumps(manifest))


def edit(out: Path, path: str, text: str) -> None:
    """Write text to out/path and record its hash in the manifest, as if generate had written it."""
    (out / path).write_text(text, encoding="utf-8")
    rehash(out, path)


def grafana_less_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, token: str) -> Path:
    """A copy of the repository's out/ (as generated) under tmp_path/project, with a Grafana that is nowhere
    reachable (GRAFANA_URL set to a closed port): publish and diff stop at their gate."""
    copy = tmp_path / "project" / "out"
    shutil.copytree(Path(__file__).resolve().parents[1] / "out", copy)
    monkeypatch.setenv("GRAFANA_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("GRAFANA_TOKEN", token)
    return copy
