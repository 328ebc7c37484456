"""Value types shared by the model: durations, names and label sets, each validated on load.

The rules themselves live in monitoring.units; this module turns them into pydantic field types.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, AllowInfNan, BeforeValidator, ValidationInfo

from monitoring import promql, units
from monitoring.promql import text_facts


def _labels(labels: dict[str, str]) -> dict[str, str]:
    for key, value in labels.items():
        units.check_label_name(key)
        units.check_text(value, one_line=True)
    return dict(sorted(labels.items()))


def _annotation_names(annotations: dict[str, str], info: ValidationInfo) -> dict[str, str]:
    for key in annotations:
        try:
            units.check_annotation_name(key)
        except ValueError as exc:  # named here: a key's own text may hold the field's name
            raise ValueError(f"{_spelled(info)}: {exc}") from None
    return annotations


def _spelled(info: ValidationInfo) -> str:
    """The field being validated as users spell it (for, not for_)."""
    return str(info.field_name).removesuffix("_")


def _template_values(values: dict[str, str], info: ValidationInfo) -> dict[str, str]:
    # The message names the field itself: a value's own text ('{{ $labels.x') may hold the field's name.
    for key, value in values.items():
        if "{{" in value and (problem := units.template_problem(value)) is not None:
            raise ValueError(f"{_spelled(info)}: {key}={units.quoted(value)}: {problem}")
    return values


def _named(check: Callable[[str], str]) -> Callable[[str, ValidationInfo], str]:
    """check, its ValueError's message led by the field's name: describe() looks for that name in the message,
    and a value's own text (a receiver named 'receiver\n') may hold it."""

    def checked(text: str, info: ValidationInfo) -> str:
        try:
            return check(text)
        except ValueError as exc:
            raise ValueError(f"{_spelled(info)} {exc}") from None

    return checked


Duration = Annotated[str, AfterValidator(units.check_duration)]
PositiveDuration = Annotated[str, AfterValidator(lambda text: units.check_duration(text, positive=True))]
LabelName = Annotated[str, AfterValidator(units.check_label_name)]
MetricName = Annotated[str, AfterValidator(units.check_metric_name)]
Slug = Annotated[str, AfterValidator(units.check_slug)]
Labels = Annotated[dict[str, str], AfterValidator(_labels)]
# A name written into Prometheus' or Alertmanager's configuration (a receiver, a time interval, a rule group):
# one line without control characters, as a label value; a NUL or a CR LF in it breaks the tools reading it back.
ConfigName = Annotated[str, AfterValidator(_named(units.check_one_line))]
# What Prometheus expands as a Go template when an alert fires (its labels' values, its annotations): every
# '{{' must have its '}}', or promtool refuses the rule. promtool checks the rest in `monitoring validate`.
TemplateText = Annotated[str, AfterValidator(_named(units.check_template))]
AlertLabels = Annotated[dict[str, str], AfterValidator(_labels), AfterValidator(_template_values)]
# Annotations are named as labels are (promtool refuses any other name); their values may span lines.
Annotations = Annotated[dict[str, str], AfterValidator(_annotation_names)]
AlertAnnotations = Annotated[dict[str, str], AfterValidator(_annotation_names), AfterValidator(_template_values)]


def check_rule_value(expr: str, field: str, shown: str | None = None) -> str:
    """expr if it evaluates to an instant vector or a scalar, as every rule's expression must: Prometheus fails a
    rule whose result is a range vector or a string at every evaluation, so generate would write a rule that
    never records or alerts. ValueError names `field` and the text as the user wrote it (`shown`, when expr is
    that text with something put in, such as a query SLI's window)."""
    try:
        promql.check_instant(expr, text_facts.facts(expr).value_type)
    except ValueError as exc:
        text = str(exc)
        written = " ".join((shown if shown is not None else expr).split())
        written = written if len(written) <= 120 else f"{written[:120]}…"
        raise ValueError(text if text.startswith("PromQL") else f"{field} {written!r} {text}") from None
    return expr.strip()


def _static_label_values(labels: dict[str, str]) -> dict[str, str]:
    for key, value in labels.items():
        if "{{" in value:
            raise ValueError(f"labels: {key}={value!r}: these labels are written as they are (into recording rules, "
                             "which Prometheus does not template, and into the generated SLO tests), while an alert "
                             "would have the {{ }} template expanded: use a fixed value")
    return labels


def _static_text(text: str) -> str:
    if "{{" in text:
        raise ValueError(f"{text!r} is written as it is into the SLO's alerts, and their generated tests expect it "
                         "so: Prometheus would expand its {{ }} template; write it without one")
    return text


def _no_grafana_variable(text: str) -> str:
    from monitoring.grafana.variables import variables_in

    if names := variables_in(text):
        raise ValueError(f"{text!r} is written into the generated dashboards' panel descriptions, where Grafana "
                         f"would take {names[0]!r} for a variable; write it without '$'")
    return text


def _title(text: str) -> str:
    if not text.strip():
        raise ValueError(f"{text!r} is blank: Grafana refuses a dashboard or folder without a title")
    return units.check_text(text, one_line=True)


# A dashboard's or folder's title: Grafana refuses a blank one, and lists and messages show it on one line.
Title = Annotated[str, AfterValidator(_title)]
# Labels that go on recording rules and SLO alerts alike (a service's, an SLO's): a template would be expanded
# in alerts only, and the generated SLO tests read them as written; fixed values only. (An alert's own labels may
# be templates: its generated tests expand them as Prometheus does.)
FixedLabels = Annotated[dict[str, str], AfterValidator(_labels), AfterValidator(_static_label_values)]
# A text an SLO writes into its alerts (and whose generated tests expect it as written): no Go template.
StaticText = Annotated[str, AfterValidator(_static_text)]
# An SLO's annotations: named as labels are, with values written as they are.
StaticAnnotations = Annotated[dict[str, StaticText], AfterValidator(_annotation_names)]
# A text written into a generated panel's description: no Grafana variable.
PanelText = Annotated[str, AfterValidator(_no_grafana_variable)]
# Both: an SLO's description goes into its alerts and its dashboard's panels.
AlertAndPanelText = Annotated[str, AfterValidator(_static_text), AfterValidator(_no_grafana_variable)]
HostPort = Annotated[str, AfterValidator(units.check_host_port)]
# Exact: 99.9 stays 99.9, not 99.900000000000005684...; thresholds are written into rules as typed.
ExactDecimal = Annotated[Decimal, BeforeValidator(units.exact_decimal)]
# A path to a file holding a secret: never the secret itself.
SecretFile = Annotated[str, AfterValidator(units.check_file_path)]
# Numbers are written into YAML and JSON that Go and JavaScript read: a float must be finite (JSON has no NaN,
# a comparison with NaN is always false), an integer must fit the reader's type.
FiniteFloat = Annotated[float, AllowInfNan(False)]
# Prometheus' and Alertmanager's limits and hashmod modulus: uint64 there, but the Operator's CRDs declare the
# same fields int64, and the API server refuses a larger number.
LIMIT_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1  # Kubernetes' replica counts
