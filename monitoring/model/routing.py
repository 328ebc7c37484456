"""Alertmanager routing: receivers, the route tree, inhibit rules and time intervals (0.25 syntax)."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from monitoring import go_regexp
from monitoring.model import notifications, time_specs
from monitoring.model.base import (
    FieldProblem,
    Model,
    SecretsFromFiles,
    model_check,
    require_distinct,
    require_unique,
)
from monitoring.model.common import (
    LIMIT_MAX,
    ConfigName,
    HostPort,
    LabelName,
    Labels,
    PositiveDuration,
    SecretFile,
)
from monitoring.model.matchers import matcher_text, split_matcher, unescape
from monitoring.units import LABEL_NAME, check_one_line, safe_url, unsafe_character

_LABEL = re.compile(r"\A[a-zA-Z_][a-zA-Z0-9_]*\Z")  # a label name: Alertmanager's parser also takes ':'
_FORM = 'must look like name="value", name!="value", name=~"re" or name!~"re"'


def check_matcher(text: str) -> str:
    """Validate one Alertmanager matcher such as 'severity="critical"' and return it canonical, as Alertmanager
    writes it (labels.Matcher.String): spaces around the operator dropped, and in the value every backslash, double
    quote and newline escaped. It is split as Alertmanager splits it (monitoring.model.matchers), so that every
    renderer reads the same name, operator and value from it.

    The canonical form means the same to every Alertmanager. From 0.27 on, Alertmanager reads matchers with a new
    parser first, to which a backslash the classic parser keeps as it is (`"5\\d\\d"`, `"a\\tb"`) is an error or
    another character; it then falls back to the classic reading and logs a warning (amtool prints it with its
    answer), and a later release drops the fallback. `code=~"5\\\\d\\\\d"` is the same regex to both."""
    check_one_line(text)  # a control character in the value would break the files that carry it
    try:
        name, op, raw = split_matcher(text)
        value = unescape(raw, text)
    except ValueError:
        raise ValueError(f"matcher {text!r} {_FORM}") from None
    if not _LABEL.match(name) or not raw.startswith('"'):  # the model keeps one form: a label name, quotes
        raise ValueError(f"matcher {text!r} {_FORM}")
    if op in ("=~", "!~"):
        try:
            go_regexp.anchored(value)
        except re.error as exc:
            raise ValueError(f"matcher {text!r}: invalid regular expression ({exc})") from None
    return matcher_text(name, op, value)


Matchers = Annotated[tuple[str, ...], AfterValidator(lambda values: tuple(check_matcher(v) for v in values))]


class HTTPAuth(Model):
    """Credentials Alertmanager sends with a webhook: files only.

        HTTPAuth(bearer_token_file="/etc/alertmanager/secrets/hook-token")
    """

    kind: ClassVar[str] = "http_config"
    bearer_token_file: SecretFile | None = None
    basic_auth_username: str | None = None
    basic_auth_password_file: SecretFile | None = None

    @model_check
    def _one_scheme(self) -> HTTPAuth:
        if self.bearer_token_file and self.basic_auth_username:
            raise ValueError("use bearer_token_file or basic auth, not both")
        if bool(self.basic_auth_username) != bool(self.basic_auth_password_file):
            raise ValueError("basic_auth_username and basic_auth_password_file go together")
        return self


class Webhook(Model):
    """A webhook. Alertmanager 0.25 has no url_file, so the URL must not carry credentials.

        Webhook(url="https://hooks.example.com/alerts", auth=HTTPAuth(bearer_token_file="/run/token"))
    """

    kind: ClassVar[str] = "webhook"
    url: str
    send_resolved: bool = True
    max_alerts: int = Field(default=0, ge=0, le=LIMIT_MAX)
    auth: HTTPAuth | None = None

    @field_validator("url")
    @classmethod
    def _no_credentials_in_url(cls, url: str) -> str:
        if unsafe_character(url):  # urlsplit would drop a line break, and Alertmanager refuse the URL
            raise ValueError(f"url {safe_url(url)!r} must not contain a space or a control character")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"url {safe_url(url)!r} must be an http(s) URL")
        if parts.username or parts.password or parts.query:
            raise ValueError(
                "url must not embed credentials or a query string: put them in auth=HTTPAuth(...) files"
            )
        return url


PAGERDUTY_SEVERITIES = ("critical", "error", "warning", "info")


def _is_template(text: str) -> bool:
    """Whether text holds an Alertmanager (Go) template, whose value is only known once expanded."""
    return "{{" in text and "}}" in text


class Slack(SecretsFromFiles):
    """Notifications to a Slack channel; the webhook URL is a secret read from a file.

        Slack(api_url_file="/etc/alertmanager/secrets/slack", channel="#alerts")

    `title` and `text` are Alertmanager templates; the defaults show the summary, each description, the runbook
    and dashboard links. None leaves the field out of alertmanager.yml, so that Alertmanager sends its own
    default (`{{ template "slack.default.title" . }}`, `{{ template "slack.default.text" . }}`): what an imported
    Slack config that sets neither sends.
    """

    inline_secrets: ClassVar[dict[str, str]] = {"api_url": "api_url_file"}
    kind: ClassVar[str] = "slack"
    api_url_file: SecretFile
    channel: ConfigName
    send_resolved: bool = True
    title: str | None = notifications.SLACK_TITLE
    text: str | None = notifications.SLACK_TEXT

    @field_validator("channel")
    @classmethod
    def _channel(cls, channel: str) -> str:
        if not channel.strip():
            raise ValueError(f"channel {channel!r} is empty: name the channel, like '#alerts' (or a user, '@name')")
        return channel


class PagerDuty(SecretsFromFiles):
    """Pages through PagerDuty; the key is read from a file: `routing_key_file` for the Events API v2, or
    `service_key_file` for the Events API v1 (one of the two).

        PagerDuty(routing_key_file="/etc/alertmanager/secrets/pagerduty")

    `description` and `details` are Alertmanager templates; None leaves the field out of alertmanager.yml, so
    that Alertmanager sends its own default (its description template; the details firing, resolved,
    num_firing and num_resolved, which it also adds to any details given). `links`: a Runbook link, and when
    the stack has a grafana_url a Dashboard link and a dashboard_url detail; False sends none of them, as
    Alertmanager's default does. An imported PagerDuty config gets None and False where the original sets
    nothing, so that it pages as before.
    """

    inline_secrets: ClassVar[dict[str, str]] = {"routing_key": "routing_key_file", "service_key": "service_key_file"}
    kind: ClassVar[str] = "pagerduty"
    routing_key_file: SecretFile | None = None
    service_key_file: SecretFile | None = None
    send_resolved: bool = True
    severity: str | None = None
    description: str | None = notifications.PAGERDUTY_DESCRIPTION
    details: dict[str, str] | None = Field(default_factory=lambda: dict(notifications.PAGERDUTY_DETAILS))
    links: bool = True

    @field_validator("severity")
    @classmethod
    def _severity(cls, severity: str | None) -> str | None:
        # PagerDuty's Events API v2 takes these four; a template is expanded by Alertmanager, and checked there.
        if severity is not None and severity not in PAGERDUTY_SEVERITIES and not _is_template(severity):
            raise ValueError(f"severity {severity!r} must be one of {', '.join(PAGERDUTY_SEVERITIES)} (PagerDuty's "
                             "Events API v2), or a template such as '{{ .CommonLabels.severity }}'")
        return severity

    @model_check
    def _one_key(self) -> PagerDuty:
        # Alertmanager refuses a config with neither key, and one with both (it could not tell which API to use).
        if (self.routing_key_file is None) == (self.service_key_file is None):
            raise ValueError("give routing_key_file (Events API v2) or service_key_file (Events API v1): one of them")
        return self


class Email(SecretsFromFiles):
    """Notifications by e-mail through a smarthost; any password is read from a file.

        Email(to="oncall@example.com", from_="alertmanager@example.com", smarthost="smtp.example.com:587")
    """

    inline_secrets: ClassVar[dict[str, str]] = {"auth_password": "auth_password_file"}
    kind: ClassVar[str] = "email"
    to: ConfigName  # a line break in an address would write another header into the mail
    from_: ConfigName = Field(alias="from")
    smarthost: HostPort
    auth_username: str | None = None
    auth_password_file: SecretFile | None = None
    require_tls: bool = True
    send_resolved: bool = False

    @field_validator("to", "from_")
    @classmethod
    def _address(cls, text: str, info: ValidationInfo) -> str:
        # Alertmanager sends to, and from, what these hold: without an address no mail can go. A template (the
        # receiver's team from a label, say) is only known once expanded.
        if "@" not in text and not _is_template(text):
            field = str(info.field_name).removesuffix("_")
            raise ValueError(f"{field} {text!r} must hold an e-mail address, like 'oncall@example.com' (or a "
                             "template)")
        return text


class Receiver(Model):
    """A named destination for notifications: any mix of webhooks, Slack, PagerDuty and e-mail. Routes name it.

        Receiver(name="oncall", pagerduty=(PagerDuty(routing_key_file="/run/pd-key"),))
    """

    kind: ClassVar[str] = "receiver"
    name: ConfigName = Field(min_length=1)
    webhooks: tuple[Webhook, ...] = ()
    slack: tuple[Slack, ...] = ()
    pagerduty: tuple[PagerDuty, ...] = ()
    email: tuple[Email, ...] = ()


# Deeper trees are unreadable, and every consumer of the tree (renderers, amtool) walks it recursively.
MAX_ROUTE_DEPTH = 32


class Route(Model):
    """A node of Alertmanager's routing tree: which alerts (matchers) go to which receiver, and how they are grouped.
    The root route has no matchers.

        Route(receiver="default", routes=(Route(matchers=('severity="critical"',), receiver="oncall"),))
    """

    kind: ClassVar[str] = "route"
    receiver: ConfigName | None = None
    matchers: Matchers = ()
    group_by: tuple[str, ...] | None = None
    group_wait: PositiveDuration | None = None
    group_interval: PositiveDuration | None = None
    repeat_interval: PositiveDuration | None = None
    continue_: bool = Field(default=False, alias="continue")
    mute_time_intervals: tuple[ConfigName, ...] = ()
    active_time_intervals: tuple[ConfigName, ...] = ()
    routes: tuple[Route, ...] = ()

    @field_validator("group_by")
    @classmethod
    def _group_labels(cls, labels: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for label in labels or ():
            if label != "..." and not LABEL_NAME.match(label):
                raise ValueError(f"group_by: invalid label name {label!r}")
        return labels

    @model_check
    def _group_by_is_a_set(self) -> Route:
        require_distinct("group_by", self.group_by or (), "Alertmanager refuses a repeated group_by label")
        return self

    @model_check
    def _bounded_depth(self) -> Route:
        depth, level = 1, self.routes
        while level:
            depth += 1
            if depth > MAX_ROUTE_DEPTH:
                raise self.field_problem("routes",
                                         f"routes nest more than {MAX_ROUTE_DEPTH} deep; flatten them with matchers")
            level = tuple(r for child in level for r in child.routes)
        return self

    def walk(self) -> list[Route]:
        """This route and all below it, depth first (no recursion: routes may nest deeply)."""
        return [route for _, route in _route_paths(self, "route")]


class InhibitRule(Model):
    """Silence target alerts while a source alert fires, e.g. warnings while the matching critical alert fires.

        InhibitRule(source_matchers=('severity="critical"',), target_matchers=('severity="warning"',),
                        equal=("alertname",))
    """

    kind: ClassVar[str] = "inhibit rule"
    source_matchers: Matchers = Field(min_length=1)
    target_matchers: Matchers = Field(min_length=1)
    equal: tuple[LabelName, ...] = ()


_START = re.compile(r"\A(?:[01][0-9]|2[0-3]):[0-5][0-9]\Z")
_END = re.compile(r"\A(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)\Z")


def _clock(text: str, field: str, pattern: re.Pattern[str]) -> str:
    if not pattern.match(text):
        raise ValueError(f"{field} {text!r} must be a time of day like '09:30' (24:00 only as an end)")
    return text


class TimeRange(Model):
    """A time of day range inside a TimeInterval, as HH:MM.

        TimeRange(start_time="22:00", end_time="24:00")
    """

    kind: ClassVar[str] = "time range"
    start_time: Annotated[str, AfterValidator(lambda t: _clock(t, "start_time", _START))]
    end_time: Annotated[str, AfterValidator(lambda t: _clock(t, "end_time", _END))]

    @model_check
    def _ordered(self) -> TimeRange:
        if self.end_time <= self.start_time:
            raise self.field_problem("end_time", f"end_time {self.end_time} must be after start_time {self.start_time}")
        return self


class _PeriodRanges(Model):
    """The ranges of one period, each optional: times of day, weekdays, days of the month, months and years, in
    `location`. A moment is in the period when it falls in every range given."""

    times: tuple[TimeRange, ...] = ()
    weekdays: tuple[str, ...] = ()
    days_of_month: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    location: str = "UTC"  # an IANA time zone, or "Local": the Alertmanager server's own

    @field_validator("weekdays", "days_of_month", "months", "years")
    @classmethod
    def _calendar(cls, specs: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        """Each spec as Alertmanager reads it (see monitoring.model.time_specs, one reader per field)."""
        return time_specs.CALENDAR_FIELDS[str(info.field_name)](specs)

    @field_validator("location")
    @classmethod
    def _location(cls, location: str) -> str:
        return time_specs.time_zone("location", location, local=True)

    def _ranges_given(self) -> list[str]:
        """The fields set to other than their defaults."""
        return [field for field in _PERIOD_FIELDS if getattr(self, field) != type(self).model_fields[field].default]


_PERIOD_FIELDS = ("times", "weekdays", "days_of_month", "months", "years", "location")


class TimePeriod(_PeriodRanges):
    """One period of a TimeInterval of several: the moments that fall in every range given (times of day,
    weekdays, days of the month, months, years, in `location`); with none given, every moment. The interval
    matches a moment that any of its periods holds, as an Alertmanager time interval's list of periods does.

        TimeInterval(name="support", periods=(
            TimePeriod(weekdays=("monday:friday",), times=(TimeRange(start_time="08:00", end_time="20:00"),)),
            TimePeriod(weekdays=("saturday",), times=(TimeRange(start_time="10:00", end_time="14:00"),)),
        ))
    """

    kind: ClassVar[str] = "time period"


class TimeInterval(_PeriodRanges):
    """A named period, as one of Alertmanager's top-level time_intervals: the moments that fall in every range
    given (times of day, weekdays, days of the month, months, years, in `location`); with none given, every
    moment.

        TimeInterval(name="nights", times=(TimeRange(start_time="00:00", end_time="06:00"),))

    An interval of several periods, matching a moment any of them holds, lists them as `periods` (see
    TimePeriod) in place of the ranges of one. `never=True` is an interval of no period at all
    (`time_intervals: []`), which matches no moment: a route it mutes is never muted, and a route it activates
    never notifies.

        TimeInterval(name="freeze", never=True)
    """

    kind: ClassVar[str] = "time interval"
    name: ConfigName = Field(min_length=1)
    periods: tuple[TimePeriod, ...] = ()
    never: bool = False

    @model_check
    def _one_way_to_say_it(self) -> TimeInterval:
        # An interval of no period has no ranges or time zone: one given would say it matches some moments. An
        # interval of several periods gives each its own ranges: ones beside them would belong to no period.
        given = [*self._ranges_given(), *(["periods"] if self.periods else [])]
        if self.never and given:
            raise self.field_problem(given[0], f"{given[0]} cannot go with never=True, which matches no moment: "
                                               f"drop {given[0]}, or never")
        if self.periods and given[0] != "periods":
            raise self.field_problem(given[0], f"{given[0]} cannot go with periods: give it in each TimePeriod of "
                                               "periods (an interval's own ranges are those of its one period)")
        return self

    def in_periods(self) -> tuple[TimePeriod, ...]:
        """The interval's periods: none for never=True, its `periods`, or the one its own ranges make."""
        if self.never:
            return ()
        if self.periods:
            return self.periods
        return (TimePeriod._unchecked(**{field: getattr(self, field) for field in _PERIOD_FIELDS}),)


class RouteTest(Model):
    """An expectation checked with `amtool config routes test`: these labels reach these receivers.

        RouteTest(labels={"severity": "critical", "service": "app"}, receivers=("oncall",))
    """

    kind: ClassVar[str] = "route test"
    labels: Labels = Field(min_length=1)  # label names and one-line values, as an alert carries
    receivers: tuple[ConfigName, ...] = Field(min_length=1)


class Routing(Model):
    """Everything Alertmanager decides: the routing tree, the receivers, inhibitions, mute intervals and the
    expectations `validate` checks with amtool. One per Stack.

        hook = Webhook(url="http://alert-sink:9095/alerts")
        Routing(route=Route(receiver="default"), receivers=(Receiver(name="default", webhooks=(hook,)),),
                tests=(RouteTest(labels={"severity": "critical"}, receivers=("default",)),))
    """

    kind: ClassVar[str] = "routing"
    route: Route
    receivers: tuple[Receiver, ...] = Field(min_length=1)
    inhibit_rules: tuple[InhibitRule, ...] = ()
    time_intervals: tuple[TimeInterval, ...] = ()
    resolve_timeout: PositiveDuration = "5m"
    tests: tuple[RouteTest, ...] = ()

    @model_check
    def _references(self) -> Routing:
        if self.route.receiver is None:
            raise self.field_problem("route.receiver", "the root route needs a receiver (the default)")
        if self.route.matchers:
            raise self.field_problem("route.matchers", "the root route must not have matchers: it receives every alert")
        for field in ("mute_time_intervals", "active_time_intervals"):  # Alertmanager refuses both on the root
            if getattr(self.route, field):
                raise self.field_problem(f"route.{field}", f"the root route must not have {field}: it receives every "
                                         "alert; put them on a child route")
        receivers = [r.name for r in self.receivers]
        require_unique("receiver", receivers, "receivers[{}].name")
        intervals = [t.name for t in self.time_intervals]
        require_unique("time interval", intervals, "time_intervals[{}].name")
        # Looked up once per route and per test: sets, so that a thousand routes to a thousand receivers cost a
        # thousand look-ups, not a million comparisons (the lists stay for the messages, in the user's order).
        known_receivers, known_intervals = frozenset(receivers), frozenset(intervals)
        for path, route in _route_paths(self.route, "route"):
            if route.receiver is not None and route.receiver not in known_receivers:
                raise FieldProblem(
                    f"route {list(route.matchers)}: receiver {route.receiver!r} is not defined "
                    f"(receivers: {', '.join(receivers)})", field=f"{path}.receiver", value=route.receiver
                )
            for field in ("mute_time_intervals", "active_time_intervals"):
                for name in getattr(route, field):
                    if name not in known_intervals:
                        raise FieldProblem(f"route {list(route.matchers)}: time interval {name!r} is not defined",
                                           field=f"{path}.{field}", value=getattr(route, field))
        for index, test in enumerate(self.tests):
            for name in test.receivers:
                if name not in known_receivers:
                    raise FieldProblem(f"route test {test.labels}: receiver {name!r} is not defined",
                                       field=f"tests[{index}].receivers", value=test.receivers)
        return self


def _route_paths(root: Route, path: str) -> list[tuple[str, Route]]:
    """Route.walk's routes, each with its path from the routing ("route.routes[0]"), depth first."""
    found, pending = [], [(path, root)]
    while pending:
        at, route = pending.pop()
        found.append((at, route))
        pending.extend(reversed([(f"{at}.routes[{i}]", child) for i, child in enumerate(route.routes)]))
    return found
