"""The value rules of monitoring.units: ASCII-only, anchored at both ends, range-checked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from monitoring import units


@pytest.mark.parametrize(("text", "ms"), [
    ("30s", 30_000), ("1h30m", 5_400_000), ("1y", 365 * 86_400_000), ("250ms", 250), ("0s", 0),
    ("292y", 292 * 365 * 86_400_000),
])
def test_valid_durations(text: str, ms: int) -> None:
    assert units.duration_ms(text) == ms


@pytest.mark.parametrize("text", [
    "", "5", "5 m", "5m\n", "\n5m", "\u0665m", "\uff15m", "5M", "m5", "1m1h", "5m5m", "-5m", "+5m", "1.5h",
    "99999999999999y", "293y", "1" * 41 + "ms",
])
def test_invalid_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        units.duration_ms(text)


def test_duration_limit_is_go_time_duration() -> None:
    assert units.duration_ms(f"{units.MAX_DURATION_MS}ms") == units.MAX_DURATION_MS
    with pytest.raises(ValueError, match="out of range"):
        units.duration_ms(f"{units.MAX_DURATION_MS + 1}ms")


@pytest.mark.parametrize(("value", "port"), [(1, 1), ("80", 80), (65535, 65535), ("08080", 8080)])
def test_valid_ports(value: object, port: int) -> None:
    assert units.check_port(value) == port


@pytest.mark.parametrize("value", [0, 65536, 99999, "\uff18\uff10\uff18\uff10", "\u0668\u0660", "80\n", " 80", "",
                                   True, -1, "123456", 3.0])
def test_invalid_ports(value: object) -> None:
    with pytest.raises(ValueError, match="1 to 65535"):
        units.check_port(value)


@pytest.mark.parametrize("text", ["app:8080", "10.0.0.1:9090", "[::1]:9100", "a-b.example.com:1"])
def test_host_port(text: str) -> None:
    assert units.check_host_port(text) == text


@pytest.mark.parametrize("text", ["app", "http://app:80", "app:80/x", "app:", ":80", "ap p:80", "app\n:80"])
def test_bad_host_port(text: str) -> None:
    with pytest.raises(ValueError):
        units.check_host_port(text)


@pytest.mark.parametrize(("value", "exact"), [
    (99.9, "99.9"), ("99.95", "99.95"), (99, "99"), (Decimal("99.99900"), "99.99900"), ("1e2", "1E+2"),
])
def test_exact_decimals(value: object, exact: str) -> None:
    assert str(units.exact_decimal(value)) == exact


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", float("nan"), "99." + "9" * 58, "\u0669\u0669", "1e999",
                                   "1_000", " 99", True, None, "0x10"])
def test_inexact_or_non_numbers_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        units.exact_decimal(value)


def test_fifteen_significant_digits_is_the_limit() -> None:
    assert units.exact_decimal("99.9999999999999") == Decimal("99.9999999999999")
    with pytest.raises(ValueError, match="16 significant digits: at most 15"):
        units.exact_decimal("99.99999999999999")


@pytest.mark.parametrize(("check", "text"), [
    (units.check_slug, "a" * 64), (units.check_slug, "app\n"), (units.check_slug, "\uff21pp"),
    (units.check_metric_name, "up\n"), (units.check_metric_name, "x" * 201), (units.check_label_name, "l\u0661"),
    (units.check_label_name, "__name__"),
])
def test_bad_names(check: object, text: str) -> None:
    with pytest.raises(ValueError):
        check(text)  # type: ignore[operator]


def test_slug_limit_is_stated() -> None:
    assert units.check_slug("a" * 63) == "a" * 63
    with pytest.raises(ValueError, match="64 characters long; the limit is 63: Kubernetes"):
        units.check_slug("a" * 64)


@pytest.mark.parametrize("text", [
    "https://hooks.slack.com/services/T0/B0/x", "ftp://u:p@h/", "xoxb-1234-5678-abcdef", "Bearer abc",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "eyJhbGciOiJIUzI1NiJ9.e30.sig", "0123456789abcdef0123",
])
def test_secret_values_in_file_fields(text: str) -> None:
    with pytest.raises(ValueError, match="this looks like a secret value") as info:
        units.check_file_path(text)
    assert text not in str(info.value)


@pytest.mark.parametrize("text", ["/run/secrets/slack_url", "secrets/pagerduty.key", "token", "./a b/c.txt",
                                  "/etc/ssl/certs/ca-certificates.crt", "slack_webhook_url_production"])
def test_paths_in_file_fields(text: str) -> None:
    assert units.check_file_path(text) == text


@pytest.mark.parametrize(("text", "safe"), [
    ("see ftp://user:password@host/x", "see ftp://***@host/x"),
    ("https://a:b@h:1/p?token=x", "https://***@h:1/p?token=x"),
    ("no url here", "no url here"),
    ("http://u:p@ss@h/x", "http://***@h/x"),  # a password may hold '@': Go reads the userinfo to the last one
])
def test_strip_userinfo(text: str, safe: str) -> None:
    assert units.strip_userinfo(text) == safe


def test_safe_url_drops_userinfo_and_query() -> None:
    assert units.safe_url("https://user:pw@grafana:3000/api?token=s3cret") == "https://***@grafana:3000/api"
