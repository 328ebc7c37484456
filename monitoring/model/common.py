"""Value types shared by the model: durations, names and label sets, each validated on load.

The rules themselves live in monitoring.units; this module turns them into pydantic field types.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, AllowInfNan, BeforeValidator

from monitoring import units


def _labels(labels: dict[str, str]) -> dict[str, str]:
    for key, value in labels.items():
        units.check_label_name(key)
        units.check_text(value, one_line=True)
    return dict(sorted(labels.items()))


Duration = Annotated[str, AfterValidator(units.check_duration)]
PositiveDuration = Annotated[str, AfterValidator(lambda text: units.check_duration(text, positive=True))]
LabelName = Annotated[str, AfterValidator(units.check_label_name)]
MetricName = Annotated[str, AfterValidator(units.check_metric_name)]
Slug = Annotated[str, AfterValidator(units.check_slug)]
Labels = Annotated[dict[str, str], AfterValidator(_labels)]
HostPort = Annotated[str, AfterValidator(units.check_host_port)]
# Exact: 99.9 stays 99.9, not 99.900000000000005684...; thresholds are written into rules as typed.
ExactDecimal = Annotated[Decimal, BeforeValidator(units.exact_decimal)]
# A path to a file holding a secret: never the secret itself.
SecretFile = Annotated[str, AfterValidator(units.check_file_path)]
# Numbers are written into YAML and JSON that Go and JavaScript read: a float must be finite (JSON has no NaN,
# a comparison with NaN is always false), an integer must fit the reader's type.
FiniteFloat = Annotated[float, AllowInfNan(False)]
UINT64_MAX = 2**64 - 1  # Prometheus' and Alertmanager's limits and hashmod modulus
INT32_MAX = 2**31 - 1  # Kubernetes' replica counts
