"""Every public definition, given a value of the wrong type or out of range in any field (by its constructor or by
model_copy), either is made or raises a DefinitionError on one line: never another exception (a TypeError, an
OSError), never a value left unchecked, and never a number the output's readers cannot hold."""

from __future__ import annotations

import math
import typing

import pytest
from annotated_types import Le, Lt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic.fields import FieldInfo

import monitoring
from alerts.stack import stack as repository_stack
from monitoring import (
    AlertmanagerEndpoint,
    AlertWindow,
    BooleanSLI,
    CalendarPeriod,
    DataSource,
    LabelRequirement,
    QuerySLI,
    TimePeriod,
    Timeslices,
    VerbatimRule,
    WindowPolicy,
)
from monitoring.errors import DefinitionError
from monitoring.model.base import Model
from tests.stacks import example, kubernetes

PUBLIC = sorted((getattr(monitoring, name) for name in monitoring.__all__
                 if isinstance(getattr(monitoring, name), type) and issubclass(getattr(monitoring, name), Model)),
                key=lambda cls: cls.__name__)


def _collect(value: object, found: dict[type, Model]) -> None:
    if isinstance(value, Model):
        found.setdefault(type(value), value)
        for name in type(value).model_fields:
            _collect(getattr(value, name), found)
    elif isinstance(value, tuple | list):
        for item in value:
            _collect(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, found)


def _valid_instances() -> dict[type, Model]:
    """One valid instance of each public definition: from the example stacks and the repository's own, and a few
    made here."""
    found: dict[type, Model] = {}
    for made in (example.stack, kubernetes.stack, repository_stack,
                 VerbatimRule(record="job:x:rate5m", expr="rate(x_total[5m])"),
                 WindowPolicy(windows=(AlertWindow(tier="page", long="1h", short="5m", burn_rate=14.4),)),
                 BooleanSLI(gauge="up"), CalendarPeriod(unit="month"), Timeslices(window="5m", target="0.95"),
                 QuerySLI(errors="sum(rate(x_total[{{window}}]))", total="sum(rate(y_total[{{window}}]))"),
                 LabelRequirement(key="app", operator="In", values=("web",)),
                 DataSource(name="Loki", type="loki", uid="loki"), TimePeriod(weekdays=("saturday", "sunday")),
                 AlertmanagerEndpoint(targets=("am:9093",), scheme="https", path_prefix="/am", timeout="5s",
                                      bearer_token_file="/etc/prometheus/am-token")):
        _collect(made, found)
    return found


VALID = _valid_instances()


def test_every_public_definition_has_a_valid_instance_here() -> None:
    assert [cls.__name__ for cls in PUBLIC if cls not in VALID] == []


json_like = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
              st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8), st.binary(max_size=4),
              st.decimals(allow_nan=True, allow_infinity=True), st.just(object()), st.just(10**400)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.tuples(inner, inner),
                            st.dictionaries(st.one_of(st.text(max_size=5), st.integers(), st.none()), inner,
                                            max_size=3)),
    max_leaves=6)
fields = st.sampled_from([(cls, name) for cls in PUBLIC for name in cls.model_fields])


@settings(max_examples=600, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(fields, json_like)
def test_a_hostile_value_in_any_field_is_a_definition_or_one_definition_error(field: tuple[type[Model], str],
                                                                            value: object) -> None:
    cls, name = field
    base = VALID[cls]
    data = {key: getattr(base, key) for key in base.model_fields_set}
    data[name] = value
    try:
        made = cls(**data)
    except DefinitionError as exc:
        assert "\n" not in exc.message and exc.message
        with pytest.raises(DefinitionError):  # the same value put in by a copy is refused as well
            base.model_copy(update={name: value})
    else:
        assert dict(base.model_copy(update={name: value})) == dict(made)


@pytest.mark.parametrize(("cls", "name", "value"), [
    (monitoring.Webhook, "auth", {1: "x"}),  # a dict for a nested definition, keyed by a number
    (monitoring.Stack, "routing", {"route": monitoring.Route(receiver="default"), None: "x"}),
    (monitoring.Receiver, "webhooks", ({"url": "http://hook/", 2: "x"},)),
    (CalendarPeriod, "timezone", "Europe"),  # a directory of the time zone database
    (CalendarPeriod, "timezone", "a" * 300),  # longer than a file name may be
])
def test_values_once_escaping_as_other_exceptions(cls: type[Model], name: str, value: object) -> None:
    base = VALID[cls]
    data = {key: getattr(base, key) for key in base.model_fields_set}
    with pytest.raises(DefinitionError) as caught:
        cls(**{**data, name: value})
    assert caught.value.where is not None and "test_model_hostile.py:" in caught.value.where


def _numbers(annotation: object) -> set[type]:
    """The number types a field's annotation admits (int, float), looking through Optional and tuple[...]."""
    if annotation in (int, float):
        return {annotation}  # type: ignore[arg-type]
    found: set[type] = set()
    for argument in typing.get_args(annotation):
        if typing.get_origin(annotation) is typing.Annotated and argument is not typing.get_args(annotation)[0]:
            continue  # metadata, not a type
        found |= _numbers(argument)
    return found


def _bounds(annotation: object, info: FieldInfo) -> list[object]:
    """Every constraint on the field and on the Annotated types inside its annotation."""
    found = list(info.metadata)
    pending = [annotation]
    while pending:
        current = pending.pop()
        arguments = typing.get_args(current)
        if typing.get_origin(current) is typing.Annotated:
            found += list(arguments[1:])
            for item in arguments[1:]:
                found += list(getattr(item, "metadata", ()))
            pending.append(arguments[0])
        else:
            pending += list(arguments)
    return found


NUMBER_FIELDS = [(cls, name, info) for cls in PUBLIC for name, info in cls.model_fields.items()
                 if _numbers(info.annotation)]


@pytest.mark.parametrize(("cls", "name", "info"), NUMBER_FIELDS,
                         ids=[f"{cls.__name__}.{name}" for cls, name, _ in NUMBER_FIELDS])
def test_every_number_field_is_bounded_for_its_readers(cls: type[Model], name: str, info: FieldInfo) -> None:
    """An int field has an upper bound (Go's integer types, orjson's 64 bits), a float field refuses NaN (JSON
    has none, and a comparison with NaN is always false)."""
    base = VALID[cls]
    data = {key: getattr(base, key) for key in base.model_fields_set}
    kinds = _numbers(info.annotation)
    plural = typing.get_origin(info.annotation) is tuple or any(
        typing.get_origin(a) is tuple for a in typing.get_args(info.annotation))
    if int in kinds:
        assert any(isinstance(c, Le | Lt) for c in _bounds(info.annotation, info)), f"{cls.__name__}.{name}"
        with pytest.raises(DefinitionError):
            cls(**{**data, name: (2**64,) if plural else 2**64})
    if float in kinds:
        with pytest.raises(DefinitionError):
            cls(**{**data, name: (math.nan,) if plural else math.nan})



@pytest.mark.parametrize("make", [
    lambda text: monitoring.Webhook(url="http://hook/", send_resolved=text),  # pydantic's own type error
    lambda text: monitoring.Counter(name=text, help="Requests."),  # the definition's name, in every message
], ids=["wrong type", "name"])
def test_a_megabyte_of_wrong_text_is_shown_by_its_start(make: typing.Callable[[str], object]) -> None:
    with pytest.raises(DefinitionError) as caught:
        make("a" * 1_000_000)
    assert len(caught.value.message) < 400, caught.value.message[:500]




@pytest.mark.parametrize(("key", "shown"), [
    ("\n", r"labels['\n']"),  # a line break in a key would break the message's one line
    ("a b", "labels['a b']"),
    ("k" * 100_000, "labels['kkkk"),  # a long key is cut, as a long value is
    ("team", "labels.team"),
])
def test_a_mapping_key_in_a_field_path_is_shown_on_one_short_line(key: str, shown: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        monitoring.KubernetesOutput(labels={key: None})
    message = caught.value.message
    assert "\n" not in message and len(message) < 400 and shown in message, message[:500]


@pytest.mark.parametrize(("make", "field"), [
    (lambda n: monitoring.ScrapeJob(name="a", static_configs=(monitoring.StaticConfig(targets=("a:1",)),),
                                    sample_limit=n), "sample_limit"),
    (lambda n: monitoring.ScrapeJob(name="a", static_configs=(monitoring.StaticConfig(targets=("a:1",)),),
                                    label_limit=n), "label_limit"),
    (lambda n: monitoring.Webhook(url="http://hook/", max_alerts=n), "max_alerts"),
], ids=["sample_limit", "label_limit", "max_alerts"])
def test_a_limit_stays_within_the_operators_int64(make: typing.Callable[[int], object], field: str) -> None:
    """Prometheus takes these as uint64, but the Operator's CRDs declare them int64: the API server would refuse
    a larger number in the Kubernetes output."""
    make(2**63 - 1)
    with pytest.raises(DefinitionError) as caught:
        make(2**63)
    assert caught.value.field == field
