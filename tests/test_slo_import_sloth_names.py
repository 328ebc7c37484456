"""import-slo of Sloth specs: a service name the model's services cannot take is refused where the spec gives it,
and the alert names Sloth would give (`alerting.name` for both tiers) are said to differ from those written."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitoring import SLO, DefinitionError, RatioSLI
from monitoring.cli import main
from tests.conftest import shared_reference

GETTING_STARTED = shared_reference("sloth/examples/getting-started.yml")


@pytest.mark.parametrize("service", ["café-api", "Checkout", "my_service", "api.v2"])
def test_an_slo_names_its_service_as_a_service_is_named(service: str) -> None:
    with pytest.raises(DefinitionError) as refused:
        SLO(name="availability", service=service, objective="99.9",
            sli=RatioSLI(errors='http_requests_total{code=~"5.."}', total="http_requests_total"))
    assert refused.value.field == "service"
    assert f"invalid name {service!r}" in str(refused.value)


def test_a_sloth_service_the_model_cannot_name_is_refused_at_import(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "cafe.yml"
    spec.write_text(GETTING_STARTED.read_text(encoding="utf-8").replace('service: "myservice"', 'service: "café-api"'),
                    encoding="utf-8")
    assert "café-api" in spec.read_text(encoding="utf-8")
    status = main(["import-slo", str(spec), "--directory", str(tmp_path / "slos")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith(f"monitoring: error: {spec}:")
    assert "service: invalid name 'café-api'" in err
    assert not (tmp_path / "slos").exists()


def test_sloths_alert_names_are_said_to_differ(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-slo", str(GETTING_STARTED), "--directory", str(tmp_path / "slos")]) == 0
    err = capsys.readouterr().err
    assert ("slo 'requests-availability': Sloth names its alerts 'MyServiceHighErrorRate'; here they are "
            "'MyServiceHighErrorRateErrorBudgetBurnPage' and 'MyServiceHighErrorRateErrorBudgetBurnTicket'") in err
