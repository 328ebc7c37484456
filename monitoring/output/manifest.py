"""out/manifest.json: what `generate` handed off, so every later command reads out/ alone.

It records the stack's import path, the tool's version, each file's origin (service, slo, dashboard, ...) and
sha256, and what the checks need to know of the model (route expectations, the metric catalog and series the
lint checks judge against). `validate`, `test`, `publish` and `diff` read it and out/; they never import the
stack or render anything. Staleness is a hash comparison.

    manifest = Manifest.read(Path("out"))
    manifest.changed_files(Path("out"))      # [] when out/ is exactly what generate wrote
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitoring.errors import OutputError

MANIFEST = "manifest.json"
FORMAT = 1


# What identifies a file's state on disk without reading it: size, mtime, ctime (which no one can set) and inode.
Signature = tuple[int, int, int, int]


def signature(found: os.stat_result) -> Signature:
    return found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino


def sha256(text: str) -> str:
    import hashlib  # here, not at the top: `monitoring --help` imports this module and never hashes

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_bytes(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("promstack-as-code")  # the distribution; the import name is monitoring
    except PackageNotFoundError:  # running from a checkout that is not installed
        return "unknown"


@dataclass(frozen=True)
class FileEntry:
    """One generated file: what produced it ("service 'api'", "slo 'api/availability'", ...) and its hash."""

    origin: str
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """The hand-off record of one generation. Build it with `Manifest.of`, store it with `text()`."""

    stack: str
    version: str
    files: Mapping[str, FileEntry]
    # What the checks need from the model, as plain data (see monitoring.checks.context).
    checks: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, stack: str, hashes: Mapping[str, str], origins: Mapping[str, str],
           checks: Mapping[str, Any]) -> Manifest:
        """From each file's sha256 (see `sha256`) and origin."""
        entries = {path: FileEntry(origins.get(path, "generated"), digest) for path, digest in hashes.items()}
        return cls(stack, tool_version(), entries, checks)

    def data(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "generated_by": "monitoring",
            "version": self.version,
            "stack": self.stack,
            "files": {path: {"origin": e.origin, "sha256": e.sha256} for path, e in sorted(self.files.items())},
            "checks": self.checks,
        }

    def text(self) -> str:
        from monitoring.output.files import to_json

        return to_json(self.data())

    @classmethod
    def read(cls, out_dir: Path) -> Manifest:
        """The manifest of out_dir; OutputError when there is none (never generated) or it is unreadable."""
        path = out_dir / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise OutputError(f"{out_dir} has no generated output ({MANIFEST} is missing): "
                              "run `monitoring generate` first") from None
        except (OSError, ValueError) as exc:
            raise OutputError(f"{path}: not readable JSON ({exc}): run `monitoring generate` again") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise OutputError(f"{path}: written by another version of this tool: run `monitoring generate` again")
        try:
            files = {p: FileEntry(str(e["origin"]), str(e["sha256"])) for p, e in data["files"].items()}
            checks = data.get("checks") or {}
            if not isinstance(checks, dict):
                raise TypeError("checks")
            return cls(str(data["stack"]), str(data["version"]), files, checks)
        except (KeyError, TypeError, AttributeError):  # edited by hand into another shape
            raise OutputError(f"{path}: not a manifest this tool wrote: run `monitoring generate` again") from None

    def paths(self, prefix: str = "", suffix: str = "") -> list[Path]:
        """Relative paths of the generated files under prefix ending in suffix, sorted."""
        return [Path(p) for p in sorted(self.files) if p.startswith(prefix) and p.endswith(suffix)]

    def origin(self, path: str) -> str:
        entry = self.files.get(path)
        return entry.origin if entry else "unknown"

    def differences(self, other: Manifest) -> list[str]:
        """'changed|missing|extra path' for each file whose hash differs between the two (self is on disk)."""
        lines = [f"missing {p}" for p in sorted(other.files.keys() - self.files.keys())]
        lines += [f"extra   {p}" for p in sorted(self.files.keys() - other.files.keys())]
        lines += [f"changed {p}" for p in sorted(self.files.keys() & other.files.keys())
                  if self.files[p].sha256 != other.files[p].sha256]
        if not lines and self.checks != other.checks:
            lines.append(f"changed {MANIFEST} (what the checks know of the model)")
        return lines

    def changed_files(self, out_dir: Path, signatures: dict[str, Signature] | None = None) -> list[str]:
        """Files of out_dir that are not what generate wrote: edited, deleted, or added by hand.

        `signatures`, if given, receives the signature (size, mtime, ctime, inode) of each file found as
        generated, taken before it was read: a later change to the file changes its signature."""
        lines = []
        on_disk = {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()} - {MANIFEST}
        for path in sorted(on_disk - self.files.keys()):
            lines.append(f"extra   {path}")
        for path, entry in sorted(self.files.items()):
            file = out_dir / path
            try:
                found = os.stat(file)
                data = file.read_bytes() if file.is_file() else None
            except OSError:
                data = None
            if data is None:
                lines.append(f"missing {path}")
            elif sha256_bytes(data) != entry.sha256:
                lines.append(f"changed {path}")
            elif signatures is not None:
                signatures[path] = signature(found)
        return lines


def blocking_file(out_dir: Path) -> Path | None:
    """out_dir or the first of its parents that exists but is not a directory (out/ cannot be there)."""
    for path in (out_dir, *out_dir.parents):
        if path.exists() or path.is_symlink():
            return None if path.is_dir() else path
    return None


def read_current(out_dir: Path) -> Manifest | None:
    """The manifest of out_dir if it has a usable one, else None (a first generation, or an older layout)."""
    try:
        return Manifest.read(out_dir)
    except OutputError:
        return None
