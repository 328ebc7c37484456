"""Kubernetes vocabulary of the model: object names, label keys, Secret key references, label selectors.

Names and label keys are checked when a definition is built, by the rules the API server applies
(DNS-1123, at most 63 characters), so a bad name fails at load with one line rather than at `kubectl apply`.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator

from monitoring.kubernetes_names import check_label_key, check_label_value, check_name, check_object_name
from monitoring.model.base import Model, model_check

_SECRET_KEY = re.compile(r"\A[-._a-zA-Z0-9]+\Z")


def _label_set(labels: dict[str, str]) -> dict[str, str]:
    for key, value in labels.items():
        check_label_key(key)
        check_label_value(value)
    return dict(sorted(labels.items()))


def _secret_key(text: str) -> str:
    if len(text) > 253 or not _SECRET_KEY.match(text):
        raise ValueError(f"Secret key {text!r} must be letters, digits, '-', '_' or '.'")
    return text


KubernetesName = Annotated[str, AfterValidator(check_name)]
KubernetesObjectName = Annotated[str, AfterValidator(check_object_name)]
KubernetesLabelKey = Annotated[str, AfterValidator(check_label_key)]
KubernetesLabels = Annotated[dict[str, str], AfterValidator(_label_set)]


class SecretKeyRef(Model):
    """A key of a Kubernetes Secret, for credentials the Operator reads: the value never enters the model.

        SecretKeyRef(name="mcp-scrape", key="password")
    """

    kind: ClassVar[str] = "secret key reference"
    name: KubernetesObjectName
    key: Annotated[str, AfterValidator(_secret_key)]

    def render(self) -> dict[str, str]:
        return {"name": self.name, "key": self.key}


class LabelRequirement(Model):
    """One matchExpressions entry of a label selector: key In/NotIn values, or key Exists/DoesNotExist.

        LabelRequirement(key="tier", operator="In", values=("api", "worker"))
    """

    kind: ClassVar[str] = "label requirement"
    key: KubernetesLabelKey
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: tuple[Annotated[str, AfterValidator(check_label_value)], ...] = ()

    @model_check
    def _values_fit_operator(self) -> LabelRequirement:
        needs_values = self.operator in ("In", "NotIn")
        if needs_values and not self.values:
            raise self.field_problem("values", f"operator {self.operator} needs values")
        if not needs_values and self.values:
            raise self.field_problem("values", f"operator {self.operator} takes no values")
        return self

    def selector_text(self) -> str:
        """The requirement in the API server's selector syntax, as kubernetes_sd_configs selectors take it."""
        if self.operator == "Exists":
            return self.key
        if self.operator == "DoesNotExist":
            return f"!{self.key}"
        if len(self.values) == 1:
            return f"{self.key}{'=' if self.operator == 'In' else '!='}{self.values[0]}"
        return f"{self.key} {self.operator.lower()} ({','.join(self.values)})"

