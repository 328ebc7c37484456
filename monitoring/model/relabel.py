"""Relabelling steps: how targets and scraped series are selected and renamed, in Prometheus' own terms."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, field_validator

from monitoring import go_regexp
from monitoring.model.base import Model, model_check
from monitoring.model.common import LIMIT_MAX

_SOURCE_LABEL = re.compile(r"\A[a-zA-Z_][a-zA-Z0-9_]*\Z")
# Actions both Prometheus 2.42 and the Operator's CRDs accept.
Action = Literal["replace", "keep", "drop", "hashmod", "labelmap", "labeldrop", "labelkeep", "lowercase",
                 "uppercase", "keepequal", "dropequal"]
_NEEDS_TARGET = ("replace", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal")
_ON_LABEL_NAMES = ("labelmap", "labeldrop", "labelkeep")
DEFAULT_REGEX = "(.*)"


def _source_label(name: str) -> str:
    if not _SOURCE_LABEL.match(name):
        raise ValueError(f"label name {name!r} must match [a-zA-Z_][a-zA-Z0-9_]*")
    return name


class RelabelConfig(Model):
    """One relabel_config step, for relabel_configs (targets) or metric_relabel_configs (series).

    The regex is anchored at both ends, as Prometheus anchors it:

        RelabelConfig(source_labels=("__name__",), regex="go_.*", action="drop")
    """

    kind: ClassVar[str] = "relabel config"
    source_labels: tuple[Annotated[str, AfterValidator(_source_label)], ...] = ()
    separator: str = ";"
    target_label: Annotated[str, AfterValidator(_source_label)] | None = None
    regex: str = DEFAULT_REGEX
    replacement: str = "$1"
    modulus: int | None = Field(default=None, gt=0, le=LIMIT_MAX)
    action: Action = "replace"

    @field_validator("regex")
    @classmethod
    def _compiles(cls, regex: str) -> str:
        try:
            go_regexp.anchored(regex)
        except re.error as exc:
            raise ValueError(f"regex {regex!r} does not compile: {exc}") from None
        return regex

    @model_check
    def _fits_action(self) -> RelabelConfig:
        if self.action in _NEEDS_TARGET and self.target_label is None:
            raise self.field_problem("target_label", f"action {self.action} needs target_label")
        if self.action == "hashmod" and self.modulus is None:
            raise self.field_problem("modulus", "action hashmod needs modulus")
        if self.action in ("keep", "drop", "keepequal", "dropequal", "hashmod", "lowercase", "uppercase") \
                and not self.source_labels:
            raise self.field_problem("source_labels", f"action {self.action} needs source_labels")
        if self.action in _ON_LABEL_NAMES and self.source_labels:
            raise self.field_problem("source_labels",
                                     f"action {self.action} works on label names and takes no source_labels")
        return self

    def matches(self, text: str) -> bool:
        """Whether the anchored regex matches text, as Prometheus would test it."""
        return go_regexp.anchored(self.regex).match(text) is not None

    def prometheus(self) -> dict[str, Any]:
        """The step as prometheus.yml spells it; defaults left out."""
        data: dict[str, Any] = {}
        if self.source_labels:
            data["source_labels"] = list(self.source_labels)
        if self.separator != ";":
            data["separator"] = self.separator
        if self.regex != DEFAULT_REGEX:
            data["regex"] = self.regex
        if self.modulus is not None:
            data["modulus"] = self.modulus
        if self.target_label is not None:
            data["target_label"] = self.target_label
        if self.replacement != "$1":
            data["replacement"] = self.replacement
        data["action"] = self.action
        return data

    def operator(self) -> dict[str, Any]:
        """The step as the Prometheus Operator's RelabelConfig spells it (camelCase)."""
        names = {"source_labels": "sourceLabels", "target_label": "targetLabel"}
        return {names.get(key, key): value for key, value in self.prometheus().items()}


def _expand(template: str, match: re.Match[str]) -> str:
    """Prometheus' $1, ${1} and $name references, filled from match (unknown groups expand to '')."""
    def group(ref: re.Match[str]) -> str:
        name = ref.group(1) or ref.group(2)
        try:
            return match.group(int(name) if name.isdigit() else name) or ""
        except IndexError:
            return ""
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", group, template)


def apply(steps: tuple[RelabelConfig, ...], labels: dict[str, str]) -> dict[str, str] | None:
    """The label set after the steps, or None when a step drops it: Prometheus' relabelling, in Python, so that a
    chain can be proven against synthetic discovered targets without a cluster."""
    labels = dict(labels)
    for step in steps:
        value = step.separator.join(labels.get(name, "") for name in step.source_labels)
        match = go_regexp.anchored(step.regex).match(value)
        if (step.action == "keep" and match is None) or (step.action == "drop" and match is not None):
            return None
        target = labels.get(step.target_label or "", "")
        if (step.action == "keepequal" and value != target) or (step.action == "dropequal" and value == target):
            return None
        if step.action == "replace" and match is not None:
            result = _expand(step.replacement, match)
            if result:
                labels[_expand(step.target_label or "", match)] = result
            else:
                labels.pop(step.target_label or "", None)
        elif step.action in ("lowercase", "uppercase"):
            labels[step.target_label or ""] = value.lower() if step.action == "lowercase" else value.upper()
        elif step.action == "hashmod":
            digest = hashlib.md5(value.encode(), usedforsecurity=False).digest()
            labels[step.target_label or ""] = str(int.from_bytes(digest[8:], "big") % (step.modulus or 1))
        elif step.action == "labeldrop":
            labels = {k: v for k, v in labels.items() if not step.matches(k)}
        elif step.action == "labelkeep":
            labels = {k: v for k, v in labels.items() if step.matches(k)}
        elif step.action == "labelmap":
            for name, label_value in list(labels.items()):
                if (found := go_regexp.anchored(step.regex).match(name)) is not None:
                    labels[_expand(step.replacement, found)] = label_value
    return labels
