"""A scrape target that serves one native histogram in the protobuf exposition format, for Prometheus 2.42 with
`--enable-feature=native-histograms` (the only format that carries native histograms in 2.42).

The body is length-delimited `io.prometheus.client.MetricFamily` messages (metrics.proto), encoded by hand: a
varint length, then the fields as (field number, wire type) keys. Only what a histogram needs is written:

    MetricFamily: 1 name, 2 help, 3 type (4 = HISTOGRAM), 4 metric
    Metric:       1 label (LabelPair: 1 name, 2 value), 7 histogram
    Histogram:    1 sample_count, 2 sample_sum, 5 schema (sint32), 6 zero_threshold, 7 zero_count,
                  12 positive_span (BucketSpan: 1 offset sint32, 2 length), 13 positive_delta (sint64)

At schema 0, bucket i holds observations in (2^(i-1), 2^i]: 0.1 s falls in bucket -3, 2 s in bucket 1, and 0.5 s
is the upper bound of bucket -1, so histogram_fraction(0, 0.5, ...) is exact.
"""

from __future__ import annotations

import math
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CONTENT_TYPE = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
HISTOGRAM_TYPE = 4
FAST_SECONDS = 0.1
SLOW_SECONDS = 2.0


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def zigzag(value: int) -> int:
    """sint32/sint64 encoding: small negative numbers stay short."""
    return (value << 1) ^ (value >> 63)


def key(number: int, wire_type: int) -> bytes:
    return varint(number << 3 | wire_type)


def uint_field(number: int, value: int) -> bytes:
    return key(number, 0) + varint(value)


def sint_field(number: int, value: int) -> bytes:
    return key(number, 0) + varint(zigzag(value))


def double_field(number: int, value: float) -> bytes:
    return key(number, 1) + struct.pack("<d", value)


def bytes_field(number: int, value: bytes) -> bytes:
    return key(number, 2) + varint(len(value)) + value


def string_field(number: int, value: str) -> bytes:
    return bytes_field(number, value.encode())


def bucket_index(value: float, schema: int = 0) -> int:
    """The native histogram bucket of a positive observation: the smallest i with value <= 2^(i / 2^schema)."""
    return math.ceil(math.log2(value) * 2**schema)


def spans(counts: dict[int, int]) -> Iterator[tuple[int, int, list[int]]]:
    """(offset from the previous span's end, length, counts) for runs of consecutive bucket indices."""
    previous_end = 0
    indices = sorted(counts)
    run: list[int] = []
    for index in indices:
        if run and index != run[-1] + 1:
            yield run[0] - previous_end, len(run), [counts[i] for i in run]
            previous_end = run[-1] + 1
            run = []
        run.append(index)
    if run:
        yield run[0] - previous_end, len(run), [counts[i] for i in run]


def histogram_message(counts: dict[int, int], total_sum: float, schema: int = 0) -> bytes:
    body = uint_field(1, sum(counts.values())) + double_field(2, total_sum) + sint_field(5, schema)
    body += double_field(6, 2.0**-128) + uint_field(7, 0)
    deltas: list[int] = []
    previous = 0
    for offset, length, run in spans(counts):
        body += bytes_field(12, sint_field(1, offset) + uint_field(2, length))
        for count in run:
            deltas.append(count - previous)
            previous = count
    return body + b"".join(sint_field(13, delta) for delta in deltas)


def metric_family(name: str, help_text: str, labels: dict[str, str], histogram: bytes) -> bytes:
    metric = b"".join(bytes_field(1, string_field(1, k) + string_field(2, v)) for k, v in sorted(labels.items()))
    metric += bytes_field(7, histogram)
    family = string_field(1, name) + string_field(2, help_text) + uint_field(3, HISTOGRAM_TYPE)
    family += bytes_field(4, metric)
    return varint(len(family)) + family


@dataclass
class NativeHistogramTarget:
    """Serves `name` as a native histogram; every scrape adds `fast` observations of 0.1 s and `slow` of 2 s, so
    the ratio of slow to all observations over any window is exactly slow / (fast + slow) while it is steady."""

    name: str
    fast: int
    slow: int
    labels: dict[str, str] = field(default_factory=dict)
    scrapes: int = 0
    counts: dict[int, int] = field(default_factory=dict)
    total_sum: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    def set_mix(self, fast: int, slow: int) -> None:
        with self.lock:
            self.fast, self.slow = fast, slow

    def scrape(self) -> bytes:
        with self.lock:
            for seconds, count in ((FAST_SECONDS, self.fast), (SLOW_SECONDS, self.slow)):
                index = bucket_index(seconds)
                self.counts[index] = self.counts.get(index, 0) + count
                self.total_sum += seconds * count
            self.scrapes += 1
            return metric_family(self.name, "Request latency.", self.labels,
                                 histogram_message({i: c for i, c in self.counts.items() if c}, self.total_sum))

    def start(self, host: str) -> NativeHistogramTarget:
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = target.scrape()
                self.send_response(200)
                self.send_header("Content-Type", CONTENT_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def address(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
