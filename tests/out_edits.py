"""An edit of a generated out/ that keeps the manifest's hash gate passing, so that a test reaches the check it
is about: validate reports a file changed since generate alone, and runs nothing else on it."""

from __future__ import annotations

import json
from pathlib import Path

from monitoring.output.manifest import MANIFEST, sha256_bytes


def rehash(out: Path, path: str) -> None:
    """Record the sha256 of out/path, as it is now, in out/manifest.json, as if generate had written it."""
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["files"][path]["sha256"] = sha256_bytes((out / path).read_bytes())
    (out / MANIFEST).write_text(json.dumps(manifest))
