"""The bound on an answer's head (monitoring.grafana.publish.request_bounds), against a raw socket server that
sends the head and the body when and as slowly as each case says. The whole publish against a head that trickles
is in test_publish_hostile."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests

from monitoring.grafana.publish.client import _Adapter, build_session
from monitoring.grafana.publish.config import GrafanaConfig
from monitoring.grafana.publish.request_bounds import CURRENT, DEADLINE_POOLS, LateAnswer

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n"


@contextmanager
def raw_server(head_gap: float, body_after: float) -> Iterator[str]:
    """A server that answers one request: the head a byte every head_gap seconds, then the body `{}` body_after
    seconds later. Its URL."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            try:
                for byte in HEAD:
                    time.sleep(head_gap)
                    connection.sendall(bytes((byte,)))
                time.sleep(body_after)
                connection.sendall(b"{}")
            except OSError:  # the client shut its end down
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/health"
    finally:
        listener.close()
        thread.join(5)


@contextmanager
def deadline_in(seconds: float) -> Iterator[None]:
    CURRENT.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        CURRENT.deadline = float("inf")


def session() -> requests.Session:
    return build_session(GrafanaConfig(url="http://127.0.0.1", token="t"))


def test_a_head_that_trickles_ends_at_the_deadline() -> None:
    # A byte every 50 ms: the 2 s read timeout is never met, and the head would take 3.5 s in all.
    with raw_server(head_gap=0.05, body_after=0) as url, deadline_in(0.5):
        started = time.monotonic()
        with pytest.raises(LateAnswer):
            session().get(url, timeout=(1, 2), stream=True)
        assert 0.4 < time.monotonic() - started < 1.5


def test_a_head_in_time_leaves_its_body_readable_past_the_deadline() -> None:
    # The body's own reading checks the deadline (the client's _read_body); the head's watch must not cut it.
    with raw_server(head_gap=0, body_after=0.6) as url, deadline_in(0.3):
        response = session().get(url, timeout=(1, 2), stream=True)
        assert response.status_code == 200
        assert response.raw.read() == b"{}"


def test_outside_a_client_request_the_head_is_read_as_usual() -> None:
    with raw_server(head_gap=0.005, body_after=0) as url:
        assert session().get(url, timeout=(1, 2)).json() == {}


def test_the_adapter_and_its_http_proxies_use_the_bounded_pools() -> None:
    adapter = _Adapter(None)
    assert adapter.poolmanager.pool_classes_by_scheme is DEADLINE_POOLS
    assert adapter.proxy_manager_for("http://127.0.0.1:3128").pool_classes_by_scheme is DEADLINE_POOLS
    # A manager with pools of its own (a SOCKS proxy's) keeps them.
    own = {"http": object, "https": object}
    adapter.proxy_manager["http://127.0.0.1:1080"] = manager = adapter.proxy_manager_for("http://127.0.0.1:1080")
    manager.pool_classes_by_scheme = own
    assert adapter.proxy_manager_for("http://127.0.0.1:1080").pool_classes_by_scheme is own
