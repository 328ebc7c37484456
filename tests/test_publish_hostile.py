"""Publishing against a hostile or broken Grafana (or a proxy in front of it): credentials that are not ASCII,
redirects and unconfirmed saves, runs that stop part-way, interrupts, bodies that trickle or never end, answers
of the wrong shape, URLs with a query, malformed Retry-After. Each case checks the exit status, the one-line
messages, that no secret shows, the time taken and that the report says what was applied."""

from __future__ import annotations

import _thread
import base64
import contextlib
import dataclasses
import json
import signal
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from monitoring import PublishRequest, cli
from monitoring.cli import Style, publish_lines
from monitoring.errors import MonitoringError
from monitoring.grafana.publish import run
from monitoring.grafana.publish.client import ClientSettings
from tests.grafana_server import FakeGrafana, Intercept, running_grafana, synthetic_dashboard, write_grafana_tree

TOKEN = "glsa_Hostile0123456789abcdefXYZ"
UIDS = ["d-0", "d-1", "d-2"]


def settings(**values: Any) -> ClientSettings:
    """ClientSettings with those of values it knows: the same cases then run against a client without a deadline
    or a size cap, and show what goes wrong there rather than failing to start."""
    known = {f.name for f in dataclasses.fields(ClientSettings)}
    return ClientSettings(**{name: value for name, value in values.items() if name in known})


# Short everything, so that each case takes well under a second when it behaves.
FAST = settings(connect_timeout=1.0, read_timeout=0.5, retries=3, connect_retries=1, backoff_factor=0.001,
                backoff_max=0.01, backoff_jitter=0.0, retry_after_max=0.01, deadline=1.5, max_body=1 << 20)


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """One folder and three dashboards, in the layout generate writes."""
    write_grafana_tree(tmp_path / "out", {"team": "Team"},
                       {"team": [synthetic_dashboard(uid, f"Dashboard {uid}") for uid in UIDS]})
    return tmp_path / "out"


@pytest.fixture(autouse=True)
def no_publish_thread_left() -> Iterator[None]:
    """After each test (and its stalled handlers' release), the publish threads an interrupt abandoned have
    ended: left running, they would make and free objects while later tests of this worker count them."""
    yield
    deadline = time.monotonic() + 10
    for thread in threading.enumerate():
        if thread.name.startswith("publish "):
            thread.join(max(0.0, deadline - time.monotonic()))
            assert not thread.is_alive(), f"{thread.name} still runs after the test"


@pytest.fixture
def released() -> Iterator[threading.Event]:
    """Set at the end of a test: stalled handlers return, so the server stops at once."""
    event = threading.Event()
    yield event
    event.set()


def command(out_dir: Path, url: str, env: dict[str, str] | None = None, settings: ClientSettings = FAST,
            **request: Any) -> tuple[int, str, str, run.PublishReport | None]:
    """`monitoring publish` as the command line runs it, without the gate: (status, stdout, stderr, report)."""
    env = {"GRAFANA_URL": url, "GRAFANA_TOKEN": TOKEN} if env is None else {"GRAFANA_URL": url, **env}
    original = run.gate
    run.gate = lambda *a, **k: ([], [])  # type: ignore[assignment]
    try:
        report = run.publish_out(out_dir, PublishRequest(**request), out_dir.parent, env=env,
                                 client_settings=settings)
    except MonitoringError as exc:
        return int(exc.exit_status), "", f"monitoring: error: {exc}\n", None
    finally:
        run.gate = original  # type: ignore[assignment]
    out, err = publish_lines(report, "make generate", Style(False))
    return int(not report.ok), "".join(f"{line}\n" for line in out), "".join(f"{line}\n" for line in err), report


def spellings(secret: str) -> set[str]:
    """What must never show of secret: each ASCII run of it, and its encodings in both charsets."""
    forms = {run_ for run_ in "".join(c if c.isascii() else "\0" for c in secret).split("\0") if len(run_) >= 6}
    forms |= {secret, quote(secret, safe="")}
    for charset in ("utf-8", "latin-1"):
        try:
            forms.add(base64.b64encode(secret.encode(charset)).decode()[4:-4])
            forms.add(secret.encode(charset).decode("latin-1"))
        except UnicodeEncodeError:
            pass
    return {form for form in forms if len(form) >= 6}


def assert_no_secret(text: str, *secrets: str) -> None:
    for secret in secrets:
        for form in spellings(secret):
            assert form not in text, f"{form!r} of a secret shows"


def send(handler: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None,
         raw: bytes | None = None) -> bool:
    data = raw if raw is not None else json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)
    return True


def grafana(intercept: Intercept | None = None) -> FakeGrafana:
    return running_grafana(tokens={TOKEN: "Admin"}, intercept=intercept)  # type: ignore[return-value]


# --- 1. credentials that are not printable ASCII: refused at start-up, never sent, never shown -------------------
def echo_authorization(handler: BaseHTTPRequestHandler, method: str, path: str) -> bool:
    """A proxy that writes the header's bytes, as they came over the wire, into its 401."""
    raw = handler.headers.get("Authorization", "").encode("latin-1", "replace")
    return send(handler, 401, None, raw=b'{"message": "invalid API key: ' + raw + b'"}')


@pytest.mark.parametrize("env, secret", [
    ({"GRAFANA_TOKEN": "glsa_Kx9\u00e97QpZ2mW4vB8nR1tY6uJ3"}, "glsa_Kx9\u00e97QpZ2mW4vB8nR1tY6uJ3"),
    ({"GRAFANA_TOKEN": "glsa_abc\u20acdef0123456789"}, "glsa_abc\u20acdef0123456789"),
    ({"GRAFANA_USER": "admin", "GRAFANA_PASSWORD": "S\u00e9cret-p\u00e4ssw\u00f6rd-42"},
     "S\u00e9cret-p\u00e4ssw\u00f6rd-42"),
    ({"GRAFANA_USER": "admin", "GRAFANA_PASSWORD": "pass\u20acword-123456"}, "pass\u20acword-123456"),
    ({"GRAFANA_USER": "jos\u00e9", "GRAFANA_PASSWORD": "ascii-password-1"}, "ascii-password-1"),
], ids=["token-latin1", "token-euro", "password-latin1", "password-euro", "user-latin1"])
def test_a_credential_that_is_not_ascii_is_refused_without_a_request(out_dir: Path, env: dict[str, str],
                                                                     secret: str) -> None:
    with grafana(echo_authorization) as server:
        started = time.monotonic()
        status, out, err, _ = command(out_dir, server.url, env)
        assert time.monotonic() - started < 5
        assert sum(server.requests.values()) == 0
    assert status == 2
    assert out == "" and err.count("\n") == 1 and "not ASCII" in err
    assert_no_secret(out + err, secret)


# --- 2. writes never follow a redirect, and a save must be confirmed ---------------------------------------------
@pytest.mark.parametrize("answer, shown", [
    ((302, None, {"Location": "/api/health"}), "302"),
    ((301, None, {"Location": "/api/health"}), "301"),
    ((303, None, {"Location": "/api/search"}), "303"),
    ((200, {"message": "saved"}, {}), "does not confirm the save"),
    ((200, {"status": "success", "uid": "someone-else", "version": 1}, {}), "does not confirm the save"),
    ((200, None, {}), "not of the documented shape"),
], ids=["302", "301", "303", "no-status", "other-uid", "null"])
def test_an_unconfirmed_save_is_a_failure_not_a_creation(out_dir: Path, answer: tuple[int, Any, dict[str, str]],
                                                         shown: str) -> None:
    status_code, body, headers = answer

    def hook(handler: BaseHTTPRequestHandler, method: str, path: str) -> bool:
        return method == "POST" and path == "/api/dashboards/db" and send(handler, status_code, body, headers)

    with grafana(hook) as server:
        status, out, err, report = command(out_dir, server.url)
        assert [uid for uid in UIDS if server.dashboard(uid)] == []
    assert status == 1
    assert report is not None and report.outcome is not None and report.outcome.done["created"] == 0
    assert "published: 0 created" in out
    assert all(f"FAILED dashboard {uid}: " in out and shown in out.split(f"FAILED dashboard {uid}: ")[1]
               for uid in UIDS)
    assert "Traceback" not in out + err
    assert_no_secret(out + err, TOKEN)


# --- 3. a run that stops part-way says what it applied and what it did not ----------------------------------------
def test_a_run_stopped_by_a_401_lists_what_was_applied(out_dir: Path) -> None:
    saves = []

    def hook(handler: BaseHTTPRequestHandler, method: str, path: str) -> bool:
        if method == "POST" and path == "/api/dashboards/db":
            saves.append(path)
            if len(saves) > 1:  # the token expired after the first dashboard
                return send(handler, 401, {"message": f"token expired: {handler.headers['Authorization']}"})
        return False

    with grafana(hook) as server:
        status, out, err, report = command(out_dir, server.url, concurrency=1)
        landed = [uid for uid in UIDS if server.dashboard(uid)]
    assert status == 1 and landed == ["d-0"]
    assert err.count("\n") == 1 and "rejected the credentials" in err
    assert "applied 2: folder team created, dashboard d-0 created" in err
    assert "failed 1: dashboard d-1" in err and "not applied 1: dashboard d-2" in err
    assert report is not None and report.outcome is not None
    assert report.outcome.applied == [("folder team", "folder created"), ("dashboard d-0", "created")]
    assert_no_secret(out + err, TOKEN)


# --- 4. Ctrl-C and SIGTERM end a run within a second or two, whatever is in flight ---------------------------------
@pytest.mark.parametrize("stall", ["GET", "POST"])
def test_an_interrupt_ends_the_run_promptly(out_dir: Path, released: threading.Event, capsys, stall: str) -> None:
    def hook(handler: BaseHTTPRequestHandler, method: str, path: str) -> bool:
        if method == stall and path.startswith("/api/dashboards/"):
            released.wait(30)  # a Grafana that never answers
            return True
        return False

    slow = settings(connect_timeout=1.0, read_timeout=5.0, retries=6, backoff_factor=0.5, deadline=60)
    # Ctrl-C as the command gets it: a run started in the background (nohup, `&`) inherits SIGINT ignored, and
    # interrupt_main() then does nothing.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    with grafana(hook) as server, contextlib.ExitStack() as restore:
        restore.callback(signal.signal, signal.SIGINT, previous)
        timer = threading.Timer(0.7, _thread.interrupt_main)
        timer.start()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt) as caught:
            command(out_dir, server.url, settings=slow)
        took = time.monotonic() - started
        timer.cancel()
    assert took < 2.5
    assert not capsys.readouterr().err  # the library prints nothing: what landed goes with the interrupt
    notes = getattr(caught.value, "__notes__", [])
    if stall == "POST":  # interrupted while saving: what landed is said
        [note] = notes
        assert note.startswith("publish interrupted: stopped part-way: applied 1: folder team created")
        assert "not applied or not confirmed 3: dashboard d-0, dashboard d-1, dashboard d-2" in note
        assert_no_secret(note, TOKEN)
    else:
        assert notes == []


def test_the_command_line_prints_what_an_interrupt_left_applied(capsys) -> None:
    """cli.main turns the interrupt's notes into lines on stderr, after `interrupted`."""
    interrupt = KeyboardInterrupt()
    interrupt.add_note("publish interrupted: stopped part-way: applied 1: folder team created")

    def interrupted(args: object) -> int:
        raise interrupt

    original = cli.COMMANDS["diff"]
    cli.COMMANDS["diff"] = interrupted
    try:
        assert cli.main(["diff"]) == 130
    finally:
        cli.COMMANDS["diff"] = original
    assert capsys.readouterr().err.splitlines() == [
        "monitoring: interrupted", "monitoring: publish interrupted: stopped part-way: applied 1: folder team created"]


# --- 5. every request is bounded in time and size; paging ends -------------------------------------------------------
def _answer_200(handler: BaseHTTPRequestHandler, header: str, value: str) -> None:
    """The head of a JSON answer whose body is framed by `header` (its length, or chunks)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header(header, value)
    handler.end_headers()


def trickle(handler: BaseHTTPRequestHandler, method: str, path: str) -> bool:
    """200 at once, then the body one byte every 0.1 s: never silent for as long as the read timeout."""
    if not path.startswith("/api/dashboards/uid/"):
        return False
    _answer_200(handler, "Content-Length", "100000")
    handler.wfile.write(b'{"dashboard": {"title": "')
    for _ in range(300):
        time.sleep(0.1)
        handler.wfile.write(b"a")
        handler.wfile.flush()
    return True


def slow_head(handler: BaseHTTPRequestHandler, method: str, path: str) -> bool:
    """The status line and headers one byte every 0.1 s: never silent for as long as the read timeout, and no
    body to count time in."""
    if not path.startswith("/api/dashboards/uid/"):
        return False
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X-Pad: " + b"a" * 300 + b"\r\n\r\n"
    for byte in head:
        time.sleep(0.1)
        handler.wfile.write(bytes((byte,)))
        handler.wfile.flush()
    handler.close_connection = True
    return True


def endless(handler: BaseHTTPRequestHandler, method: str, path: str) -> bool:
    """A chunked body that does not end (for 64 MB)."""
    if not path.startswith("/api/dashboards/uid/"):
        return False
    _answer_200(handler, "Transfer-Encoding", "chunked")
    chunk = b" " * (1 << 20)
    handler.wfile.write(b"1\r\n[\r\n")
    for _ in range(64):
        handler.wfile.write(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
    return True


def declared_huge(handler: BaseHTTPRequestHandler, method: str, path: str) -> bool:
    if not path.startswith("/api/dashboards/uid/"):
        return False
    handler.send_response(200)
    handler.send_header("Content-Length", str(10 << 30))
    handler.end_headers()
    handler.close_connection = True
    return True


@pytest.mark.parametrize("hook, said", [
    (trickle, "deadline"), (slow_head, "deadline"), (endless, "exceeds the 1,048,576 bytes"),
    (declared_huge, "10,737,418,240 bytes"),
], ids=["trickle", "slow-head", "endless", "declared-huge"])
def test_an_answer_is_bounded_in_time_and_size(out_dir: Path, hook: Intercept, said: str) -> None:
    with grafana(hook) as server:
        started = time.monotonic()
        status, out, err, _ = command(out_dir, server.url, dry_run=True)
        assert time.monotonic() - started < 5
    assert status == 1
    assert all(f"cannot read dashboard {uid}: " in out for uid in UIDS) and said in out
    assert_no_secret(out + err, TOKEN)


def test_a_search_that_repeats_its_page_stops_with_an_error(out_dir: Path) -> None:
    full = [{"uid": f"old-{i}", "type": "dash-db", "tags": ["managed-by-monitoring"]} for i in range(5000)]
    searches = []

    def hook(handler: BaseHTTPRequestHandler, method: str, path: str) -> bool:
        if path == "/api/search":
            searches.append(path)
            return send(handler, 200, full if len(searches) <= 5 else [])  # ignores `page` (5 times, to end)
        return False

    with grafana(hook) as server:
        status, out, _, _ = command(out_dir, server.url, dry_run=True, prune=True)
    assert status == 1 and len(searches) == 2
    assert "not pruning: search: page 2 repeats hits of earlier pages" in out


# --- 6. answers of the wrong shape fail their item, with no traceback ----------------------------------------------
@pytest.mark.parametrize("path, body, item", [
    ("/api/dashboards/uid/", [], "dashboard d-0"),
    ("/api/dashboards/uid/", None, "dashboard d-0"),
    ("/api/dashboards/uid/", {"meta": {}}, "dashboard d-0"),
    ("/api/dashboards/uid/", {"dashboard": {"uid": "d-0", "version": 1}, "meta": []}, "dashboard d-0"),
    ("/api/dashboards/uid/", {"dashboard": [], "meta": {}}, "dashboard d-0"),
    ("/api/dashboards/uid/", {"dashboard": {"uid": "d-0", "version": "3"}, "meta": {}}, "dashboard d-0"),
    ("/api/folders/", None, "folder team"),
    ("/api/folders/", ["team"], "folder team"),
    ("/api/search", {"hits": []}, "prune"),
    ("/api/search", [{"title": "x"}], "prune"),
    ("/api/search", ["old-1"], "prune"),
], ids=["dashboard-list", "dashboard-null", "no-dashboard", "meta-list", "dashboard-is-list", "version-text",
        "folder-null", "folder-list", "search-object", "search-no-uid", "search-strings"])
def test_an_answer_of_the_wrong_shape_fails_its_item(out_dir: Path, path: str, body: Any, item: str) -> None:
    def hook(handler: BaseHTTPRequestHandler, method: str, request_path: str) -> bool:
        return method == "GET" and request_path.startswith(path) and send(handler, 200, body)

    with grafana(hook) as server:
        status, out, err, _ = command(out_dir, server.url, dry_run=True, prune=True)
    assert status == 1
    assert f"cannot read {item}: " in out and "not of the documented shape" in out
    assert "unexpected" not in out and "Traceback" not in out + err


# --- 8. a Grafana URL with a query or a fragment: refused in one line, shown without them --------------------------
@pytest.mark.parametrize("suffix, shown", [
    (f"/?auth_token={TOKEN}", "/"), ("/#/", "/"), ("/grafana?orgId=1", "/grafana"), (f"/?{TOKEN}#x", "/"),
], ids=["query-token", "fragment", "prefix-query", "query-fragment"])
def test_a_url_with_a_query_or_fragment_is_refused(out_dir: Path, suffix: str, shown: str) -> None:
    with grafana() as server:
        url = server.url
        status, out, err, _ = command(out_dir, url + suffix)
        assert sum(server.requests.values()) == 0
    assert status == 2 and out == "" and err.count("\n") == 1
    assert f"'{url}{shown}'" in err and "query string or a fragment" in err
    assert_no_secret(err, TOKEN)


def test_a_refused_url_is_shown_without_its_query(out_dir: Path) -> None:
    status, _, err, _ = command(out_dir, f"ftp://grafana.example.com/?t={TOKEN}")
    assert status == 2 and err.count("\n") == 1 and "'ftp://grafana.example.com/'" in err
    assert_no_secret(err, TOKEN)


# --- 9. a malformed Retry-After is ignored, and the message counts the real attempts --------------------------------
@pytest.mark.parametrize("retry_after", ["-5", "abc", "1.5e9x"])
def test_a_malformed_retry_after_keeps_the_retries(out_dir: Path, retry_after: str) -> None:
    def hook(handler: BaseHTTPRequestHandler, method: str, path: str) -> bool:
        return path == "/api/dashboards/uid/d-0" and send(handler, 429, {"message": "slow down"},
                                                          {"Retry-After": retry_after})

    with grafana(hook) as server:
        started = time.monotonic()
        status, out, _, _ = command(out_dir, server.url, dry_run=True)
        assert time.monotonic() - started < 5
        assert server.requests[("GET", "/api/dashboards/uid/d-0")] == 1 + FAST.retries
    assert status == 1
    assert f"cannot read dashboard d-0: Grafana answered 429 Too Many Requests after {FAST.retries} retries" in out
