"""Load-test gates: which SLO and which alert a k6 test's thresholds come from."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from monitoring.model.base import Model


class LoadTestGates(Model):
    """The k6 thresholds of the stack's load test, named by reference so that they follow the definitions.

    latency_slo names an SLO with a latency SLI: `http_req_duration` must keep p(percentile) under its threshold.
    error_ratio_alert names an alert that declares its threshold (Alert.threshold, an error ratio):
    `http_req_failed` must stay under it. Name the alert that pages: a load test that would page fails. Where
    several services have an SLO or alert of that name, name it with its service: "checkout/latency".

        LoadTestGates(latency_slo="control-plane-latency", error_ratio_alert="MCPHighErrorRate")
    """

    kind: ClassVar[str] = "load test gates"
    latency_slo: str = Field(min_length=1)
    percentile: int = Field(default=95, ge=1, le=99)
    error_ratio_alert: str = Field(min_length=1)
