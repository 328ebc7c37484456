"""A definition cannot be changed once made, and no constructor skips its checks: setting or deleting a field,
and pydantic's model_construct, each give one DefinitionError naming the definition, the field and the line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pydantic import PrivateAttr

from monitoring import Alert, Counter, DefinitionError, Slack
from tests.test_bad_input import PRELUDE, assert_one_clear_line, generated_project


def _alert(**overrides: object) -> Alert:
    fields: dict[str, object] = dict(name="AppErrors", severity="critical", expr="up == 0", summary="Down.",
                                     description="Down.")
    return Alert(**{**fields, **overrides})


def _line_of(text: str) -> str:
    """'tests/test_definition_changes.py:<line>' of the first line of this file that holds text."""
    lines = Path(__file__).read_text().splitlines()
    return f"{Path(__file__).relative_to(Path.cwd())}:{next(i for i, line in enumerate(lines, 1) if text in line)}"


def test_setting_a_field_names_the_definition_the_field_and_the_line_of_the_assignment() -> None:
    alert = _alert()
    with pytest.raises(DefinitionError) as caught:
        alert.severity = "urgent"  # type: ignore[misc]  # the line the error names
    error = caught.value
    assert (error.definition, error.field, error.value) == ("alert 'AppErrors'", "severity", "urgent")
    assert error.where == _line_of("alert.severity = \"urgent\"")
    assert f"made at {alert.defined_at}" in error.problem
    assert "model_copy(update={'severity': ...})" in error.problem
    assert alert.severity == "critical"


@pytest.mark.parametrize(("change", "field"), [
    (lambda a: setattr(a, "for_", "5m"), "for"),  # by name, spelled as the user writes it (its alias)
    (lambda a: delattr(a, "severity"), "severity"),
    (lambda a: setattr(a, "team", "db"), "team"),  # no such field
], ids=["a field with an alias", "deleting a field", "an unknown field"])
def test_every_change_is_a_definition_error(change, field: str) -> None:
    alert = _alert()
    with pytest.raises(DefinitionError) as caught:
        change(alert)
    assert caught.value.field == field
    assert "\n" not in caught.value.message


def test_a_new_secret_stays_out_of_the_error() -> None:
    slack = Slack(api_url_file="/etc/alertmanager/slack-url", channel="#ops")
    with pytest.raises(DefinitionError) as caught:
        slack.api_url = "https://hooks.slack.com/services/T0/B0/s3cret"  # type: ignore[misc]
    assert caught.value.value is None
    assert "s3cret" not in caught.value.message


def test_a_subclass_may_still_set_its_private_attributes() -> None:
    class Owned(Alert):
        _owner: str = PrivateAttr("nobody")

    alert = Owned(name="AppErrors", severity="critical", expr="up == 0", summary="Down.", description="Down.")
    alert._owner = "db"
    assert alert._owner == "db"


def test_model_construct_checks_as_the_constructor_does() -> None:
    with pytest.raises(DefinitionError) as caught:
        Alert.model_construct(name="AppErrors", severity="urgent", expr="up == 0", summary="D.", description="D.")
    assert (caught.value.field, caught.value.value) == ("severity", "urgent")
    assert caught.value.where == _line_of('Alert.model_construct(name="AppErrors", severity="urgent"')
    with pytest.raises(DefinitionError, match="counter name 'requests' must end in '_total'"):
        Counter.model_construct(name="requests", help="Requests.")
    made = Counter.model_construct(name="requests_total", help="Requests.")
    assert made == Counter(name="requests_total", help="Requests.")
    assert made.defined_at == _line_of('made = Counter.model_construct(name="requests_total"')


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return generated_project(tmp_path, monkeypatch)


@pytest.mark.parametrize(("code", "message"), [
    # Before: pydantic's ValidationError over several lines, with a URL, as a failed import.
    ('alert = ok_alert()\nalert.severity = "urgent"\n',
     "alert 'AppErrors' {at}: severity cannot be changed: a definition is immutable once made"),
    # Before: severity 'urgent' written to out/ without a word.
    ('alert = Alert.model_construct(name="AppErrors", severity="urgent", expr="rate(app_requests_total[5m]) > 1",'
     ' summary="E.", description="E.")\nstack = ok_stack(services=(ok_service(rules=(alert,)),))\n',
     "alert 'AppErrors' {at}: severity 'urgent' must be one of critical, warning, info"),
    # Before: a traceback from the Prometheus configuration's renderer.
    ('stack = Stack.model_construct(name="demo", services=(ok_service(),), routing=ok_routing(),'
     ' scrape_interval="soon")\n', "stack 'demo' {at}: scrape_interval: invalid duration 'soon'"),
], ids=["a field set after construction", "an alert made by model_construct", "a stack made by model_construct"])
def test_the_command_line_shows_one_line(project: Path, capsys: pytest.CaptureFixture[str], code: str,
                                         message: str) -> None:
    sys.modules.pop("badstack", None)
    assert_one_clear_line(project, capsys, PRELUDE + "\n" + code, message)
