"""What an import could not map onto the model: kept verbatim with a warning, or an error under --strict."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitoring.errors import InputFileError
from monitoring.imports.redact import redact_text


@dataclass
class Findings:
    """Collects the unsupported constructs of one import; `strict` turns the first into an error."""

    strict: bool = False
    warnings: list[str] = field(default_factory=list)

    def unsupported(self, where: str, what: str, kept: str = "kept verbatim") -> None:
        """where is 'file:line'; what names the construct and why the model cannot hold it."""
        what = redact_text(what)  # it may quote a value of the input: a URL's userinfo stays out of messages
        if self.strict:
            raise InputFileError(f"{where}: {what} (unsupported; without --strict it is {kept})")
        self.warnings.append(f"{where}: {what}: {kept}")
