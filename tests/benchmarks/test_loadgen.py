"""The load generator is open loop: a stalled server shows its queue, lanes stay in order, errors count."""
from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.benchmarks.loadgen import Fixed, Source, run_step


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn answers

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = self.server.behave(self.path, body)
        if status is None:  # hang up without answering
            self.close_connection = True
            return
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PUT = do_POST

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A threaded HTTP/1.1 server whose answers the test decides: server.behave(path, body) -> status | None."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.behave = lambda path, body: 200
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_a_stall_shows_as_the_queue_it_causes(server):
    # The whole server stops for 400 ms once. A closed-loop client would wait and record one slow request; an open
    # loop keeps sending on schedule, so every request due during the stall is late by the time it waited.
    lock, stalled = threading.Lock(), []

    def behave(path, body):
        with lock:
            if not stalled and time.monotonic() > start + 0.5:
                stalled.append(True)
                time.sleep(0.4)
        return 200

    server.behave = behave
    start = time.monotonic()
    result = asyncio.run(run_step(server.server_port, Fixed(server.server_port), 200, 1.5, 0.0))
    assert result.sent == 300 and result.error_count == 0 and result.ok == 300
    slow = [t for t in result.latencies if t > 0.1]
    assert len(slow) >= 40  # ~80 requests fall due in the 400 ms; allow for a slow machine
    assert result.p99 > 200 and max(result.latencies) < 1.0
    assert result.connections > 1  # it opened connections instead of waiting for the stuck one


class Lanes(Source):
    """Four lanes; each request names its lane and its number within the lane."""

    lanes = 4

    def __init__(self):
        self.count = defaultdict(int)

    def request(self, slot: int) -> list[bytes]:
        lane = slot % self.lanes
        self.count[lane] += 1
        return [f"PUT /lane/{lane}/{self.count[lane]} HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n".encode()]


def test_a_lane_has_one_request_in_flight_and_keeps_its_order(server):
    lock, in_flight, seen, overlap = threading.Lock(), defaultdict(int), defaultdict(list), []

    def behave(path, body):
        _, _, lane, number = path.split("/")
        with lock:
            in_flight[lane] += 1
            overlap.append(in_flight[lane] > 1)
            seen[lane].append(int(number))
        time.sleep(0.03)  # slower than the lane's share of the rate: its next request must wait, not overtake
        with lock:
            in_flight[lane] -= 1
        return 200

    server.behave = behave
    result = asyncio.run(run_step(server.server_port, Lanes(), 200, 0.5, 0.0))
    assert result.error_count == 0 and result.ok == 100
    assert not any(overlap)
    assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in seen.values())
    assert result.p99 > 30  # the lanes' queueing counts as latency


def test_errors_and_lost_connections_are_counted(server):
    calls = iter(range(10**6))

    def behave(path, body):
        n = next(calls)
        return None if n % 10 == 3 else 503 if n % 10 == 7 else 200

    server.behave = behave
    result = asyncio.run(run_step(server.server_port, Fixed(server.server_port), 200, 0.5, 0.0))
    assert result.sent == 100
    assert result.errors["HTTP 503"] == 10 and result.errors["no answer (connection lost)"] == 10
    assert result.ok == 80 and not result.passed(100)


def test_a_refused_connection_is_an_error():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket closes
    result = asyncio.run(run_step(port, Fixed(port), 100, 0.2, 0.0))
    assert result.ok == 0 and result.errors["connect: ConnectionRefusedError"] == 20
