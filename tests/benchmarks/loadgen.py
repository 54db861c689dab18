"""An open-loop HTTP/1.1 load generator: requests leave on a fixed schedule, whatever the answers do.

    python -m tests.benchmarks.loadgen [--rates 2000,5000,10000] [--seconds 2]   (measures the generator itself)

Latency is counted from each request's *scheduled* send time, so a server that falls behind shows its
queueing in the numbers instead of quietly slowing the sender down (no coordinated omission). One asyncio
loop, raw keep-alive connections (one request in flight on each, a new one opened when all are busy), no
HTTP library in the hot path. `run_step` is the engine of tests/benchmarks/load.py; run as a module, it
offers rising rates to a trivial server in another process, to show how far above the tested rates the
generator itself can go on this machine.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

STALE_AFTER = 3.0  # seconds idle before a connection is replaced: gunicorn closes idle ones after 5 (keepalive)


class Source:
    """What a step sends: the request for each slot, and whether an answer counts as a success."""

    lanes = 0  # > 0: slot n belongs to lane n % lanes, and a lane has one request in flight at a time

    def request(self, slot: int) -> list[bytes]:  # built at the moment of sending (a lane's state may matter)
        raise NotImplementedError

    def answer(self, slot: int, status: int, body: bytes) -> bool:
        return 200 <= status < 300

    def lost(self, slot: int) -> None:
        """The request got no answer (connection lost, timed out)."""


@dataclass
class StepResult:
    """One fixed-rate step: what was offered, what came back, how late and how fast."""

    rate: float
    seconds: float
    sent: int = 0
    ok: int = 0
    achieved: float = 0.0  # successful answers per second inside the measured window
    latencies: list[float] = field(default_factory=list)  # seconds, measured slots, sorted
    errors: Counter = field(default_factory=Counter)  # whole step, warm-up included
    late_p99: float = 0.0  # the generator's own lateness in dispatching a slot (not the server's queueing)
    cpu: float = 0.0  # the generator's CPU seconds per wall second
    connections: int = 0
    server_cpu: float | None = None  # the server's CPU seconds per request sent, when the caller can tell
    rest: float | None = None  # cores busy with everything else on the machine (neighbours, Redis, the kernel)

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("inf")
        return self.latencies[min(len(self.latencies) - 1, int(len(self.latencies) * q))] * 1000

    @property
    def p50(self) -> float:
        return self.pct(0.50)

    @property
    def p99(self) -> float:
        return self.pct(0.99)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def passed(self, p99_ms: float) -> bool:
        return self.error_count == 0 and self.p99 < p99_ms


class _Conn(asyncio.Protocol):
    """One keep-alive connection carrying one request at a time; parses just enough HTTP/1.1."""

    def __init__(self, on_done: Callable[[_Conn, int | None, bytes], None]):
        self.on_done = on_done
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.busy = False
        self.alive = False
        self.idle_since = 0.0
        self.job: int | None = None  # the slot in flight

    def connection_made(self, transport):
        self.transport, self.alive = transport, True

    def send(self, slot: int, parts: list[bytes]) -> None:
        self.job, self.busy = slot, True
        self.transport.writelines(parts)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buf[:end]).decode("latin-1").lower()
        length = _header(head, "content-length")
        if length is not None:
            if len(self.buf) < end + 4 + int(length):
                return
            body = bytes(self.buf[end + 4:end + 4 + int(length)])
        elif _header(head, "transfer-encoding") == "chunked":
            body = _dechunk(self.buf, end + 4)
            if body is None:
                return
        else:
            body = b""  # a 204/304 or a malformed answer: the status decides
        status = int(head[9:12]) if head.startswith("http/1.") else 0
        self.buf.clear()
        self.busy = False
        if _header(head, "connection") == "close":
            self.close()
        self.on_done(self, status, body)

    def connection_lost(self, exc) -> None:
        was_busy, self.alive, self.busy = self.busy, False, False
        if was_busy:
            self.on_done(self, None, b"")

    def close(self) -> None:
        self.alive = False
        if self.transport is not None:
            self.transport.close()


def _header(head: str, name: str) -> str | None:
    at = head.find(f"\r\n{name}:")
    if at < 0:
        return None
    start = at + len(name) + 3
    stop = head.find("\r\n", start)
    return head[start:stop if stop >= 0 else None].strip()


def _dechunk(buf: bytearray, at: int) -> bytes | None:
    out = bytearray()
    while True:
        line_end = buf.find(b"\r\n", at)
        if line_end < 0:
            return None
        size = int(bytes(buf[at:line_end]).split(b";")[0] or b"0", 16)
        if size == 0:
            return bytes(out) if buf.find(b"\r\n\r\n", line_end) >= 0 or buf.endswith(b"0\r\n\r\n") else None
        if len(buf) < line_end + 2 + size + 2:
            return None
        out += buf[line_end + 2:line_end + 2 + size]
        at = line_end + 2 + size + 2


async def run_step(port: int, source: Source, rate: float, seconds: float, warmup: float, *,
                   max_connections: int = 512, timeout: float = 2.0,
                   server_cpu: Callable[[], float] | None = None) -> StepResult:
    """Offer `rate` requests/s for warmup + seconds; measure the slots scheduled after the warm-up.

    Connections open on demand, each with a request ready: gunicorn's gthread worker gives a new connection a
    thread until its first request arrives (up to 5 s), so connections opened ahead would idle threads away.
    """
    step = _Step(port, source, rate, seconds, warmup, max_connections, timeout)
    server_before, machine_before, own_before, wall = server_cpu() if server_cpu else 0.0, _machine(), _cpu(), \
        time.perf_counter()
    result = await step.run()
    server = server_cpu() - server_before if server_cpu else 0.0
    if server_cpu and result.sent:
        result.server_cpu = server / result.sent
    machine = _machine()
    if machine is not None and machine_before is not None:
        mine = server + _cpu() - own_before
        result.rest = max(0.0, machine - machine_before - mine) / (time.perf_counter() - wall)
    return result


class _Step:
    def __init__(self, port, source, rate, seconds, warmup, max_connections, timeout):
        self.port, self.source, self.rate, self.seconds, self.warmup = port, source, rate, seconds, warmup
        self.max_connections, self.timeout = max_connections, timeout
        self.loop = asyncio.get_running_loop()
        self.result = StepResult(rate=rate, seconds=seconds)
        self.total = int(rate * (warmup + seconds))
        self.scheduled = [0.0] * self.total
        self.finished = [0.0] * self.total
        self.succeeded = [False] * self.total
        self.late: list[float] = []
        self.idle: list[_Conn] = []
        self.every: set[_Conn] = set()
        self.waiting: deque = deque()  # slots waiting for a connection (all busy and at the cap)
        self.lane_queues: dict[int, deque] = {}
        self.busy_lanes: set[int] = set()
        self.conns = self.outstanding = 0
        self.tasks: set[asyncio.Task] = set()
        self.all_done = asyncio.Event()
        self.over = False

    async def run(self) -> StepResult:
        result, loop = self.result, self.loop
        gc.collect()
        gc.disable()  # a full collection of this process's heap would stall the schedule by tens of ms
        cpu0, wall0 = _cpu(), time.perf_counter()
        interval, t0 = 1.0 / self.rate, loop.time() + 0.01
        slot = 0
        try:
            while slot < self.total:
                now = loop.time()
                while slot < self.total and t0 + slot * interval <= now:
                    self._dispatch(slot, t0 + slot * interval)
                    slot += 1
                if slot < self.total:
                    await asyncio.sleep(max(0.0, t0 + slot * interval - loop.time()))
            result.sent = self.total
            if self.outstanding:
                deadline = t0 + self.total * interval + self.timeout
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.all_done.wait(), max(0.0, deadline - loop.time()))
            result.cpu = (_cpu() - cpu0) / (time.perf_counter() - wall0)
        finally:
            gc.enable()
            self.over = True  # answers that arrive from now on are not counted
            for conn in self.every:
                conn.close()
            for task in self.tasks:
                task.cancel()
        return self._summarise(t0 + self.warmup)

    def _summarise(self, start: float) -> StepResult:
        result, finished = self.result, self.finished
        unanswered = [s for s in range(self.total) if not finished[s]]
        if unanswered:
            result.errors[f"no answer {self.timeout:.0f} s after the last send"] += len(unanswered)
            for s in unanswered:
                finished[s] = float("inf")
        end = start + self.seconds
        result.latencies = sorted(finished[s] - self.scheduled[s] for s in range(self.total)
                                  if self.scheduled[s] >= start)
        result.ok = sum(self.succeeded)
        result.achieved = sum(1 for s in range(self.total)
                              if self.succeeded[s] and start <= finished[s] < end) / self.seconds
        self.late.sort()
        result.late_p99 = self.late[int(len(self.late) * 0.99)] * 1000 if self.late else 0.0
        return result

    def _dispatch(self, slot: int, at: float) -> None:
        self.late.append(self.loop.time() - at)
        self.scheduled[slot] = at
        self.outstanding += 1
        self.all_done.clear()
        lanes = self.source.lanes
        if lanes:
            lane = slot % lanes
            if lane in self.busy_lanes:
                self.lane_queues.setdefault(lane, deque()).append(slot)
                return
            self.busy_lanes.add(lane)
        self._to_conn(slot)

    def _to_conn(self, slot: int) -> None:
        now = self.loop.time()
        while self.idle:
            conn = self.idle.pop()
            if conn.alive and now - conn.idle_since < STALE_AFTER:
                conn.send(slot, self.source.request(slot))
                return
            conn.close()
            self.conns -= 1
        if self.conns < self.max_connections:
            self._opening(slot)
        else:
            self.waiting.append(slot)

    def _opening(self, slot: int) -> None:
        self.conns += 1
        self.result.connections = max(self.result.connections, self.conns)
        task = self.loop.create_task(self._open(slot))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _open(self, slot: int) -> None:
        try:
            _, conn = await self.loop.create_connection(lambda: _Conn(self._answered), "127.0.0.1", self.port)
        except OSError as exc:
            self.conns -= 1
            self._complete(slot, None, b"", f"connect: {type(exc).__name__}")
            return
        self.every.add(conn)
        conn.send(slot, self.source.request(slot))

    def _answered(self, conn: _Conn, status: int | None, body: bytes) -> None:
        if self.over:
            return
        slot = conn.job
        conn.job = None
        self._release(conn)
        self._complete(slot, status, body, "no answer (connection lost)")

    def _release(self, conn: _Conn) -> None:
        if not conn.alive:
            self.conns -= 1
            self.every.discard(conn)
            if self.waiting:
                self._opening(self.waiting.popleft())
        elif self.waiting:
            slot = self.waiting.popleft()
            conn.send(slot, self.source.request(slot))
        else:
            conn.idle_since = self.loop.time()
            self.idle.append(conn)

    def _complete(self, slot: int, status: int | None, body: bytes, failure: str) -> None:
        self.finished[slot] = self.loop.time()
        if status is None:
            self.result.errors[failure] += 1
            self.source.lost(slot)
        elif self.source.answer(slot, status, body):
            self.succeeded[slot] = True
        else:
            self.result.errors[f"HTTP {status}"] += 1
        self.outstanding -= 1
        if not self.outstanding:
            self.all_done.set()
        lanes = self.source.lanes
        if lanes:
            lane = slot % lanes
            self.busy_lanes.discard(lane)
            queue = self.lane_queues.get(lane)
            if queue:
                self.busy_lanes.add(lane)
                self._to_conn(queue.popleft())


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _machine() -> float | None:
    """CPU seconds the whole machine has been busy (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")  # guest time is already inside user


# -- the generator measured against a trivial server -------------------------------------------------------

OK_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Type: text/plain\r\n\r\n"


class _Trivial(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buf = transport, bytearray()

    def data_received(self, data):
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            length = _header(bytes(self.buf[:end]).decode("latin-1").lower(), "content-length")
            size = end + 4 + int(length or 0)
            if len(self.buf) < size:
                return
            del self.buf[:size]
            self.transport.write(OK_ANSWER)


def serve_trivial(port: int) -> None:
    """Answer every request with an empty 200 at once (the generator's measuring stick)."""
    async def main():
        server = await asyncio.get_running_loop().create_server(_Trivial, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    asyncio.run(main())


class Fixed(Source):
    """The same small POST every time."""

    def __init__(self, port: int, path: str = "/", body: bytes = b"x" * 560):
        self.parts = [f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: text/xml\r\n"
                      f"Content-Length: {len(body)}\r\n\r\n".encode() + body]

    def request(self, slot: int) -> list[bytes]:
        return self.parts


def start_trivial() -> tuple[subprocess.Popen, int]:
    """Start the trivial server in its own process; return it and its port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", f"from tests.benchmarks.loadgen import serve_trivial; "
                             f"serve_trivial({port})"], cwd=os.path.dirname(os.path.dirname(os.path.dirname(
                                 os.path.abspath(__file__)))))
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the trivial server did not start")


def row(name: str, r: StepResult) -> str:
    """One line of the results table."""
    errors = ", ".join(f"{k} ×{v}" for k, v in r.errors.most_common(2))
    server = f"{r.server_cpu * 1e6:>8.0f}" if r.server_cpu is not None else f"{'-':>8}"
    rest = f"{r.rest:>6.2f}" if r.rest is not None else f"{'-':>6}"
    return (f"{name:<18}{r.rate:>8.0f}{r.achieved:>9.0f}{r.p50:>8.1f}{r.p99:>8.1f}{r.error_count:>7}"
            f"{server}{r.late_p99:>8.1f}{r.cpu * 100:>5.0f}%{rest}{r.connections:>6}  {errors}")


HEADER = (f"{'route':<18}{'offered':>8}{'achieved':>9}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}{'srv µs':>8}"
          f"{'late ms':>8}{'gen':>6}{'rest':>6}{'conns':>6}")
LEGEND = ("srv µs: the server's worker CPU per request; late ms: the generator's own lateness (p99); gen: its share "
          "of one core;\nrest: cores busy with everything else (neighbours, Redis, kernel); conns: connections used")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="2000,4000,6000,8000,10000,12000")
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    proc, port = start_trivial()
    try:
        print(HEADER)
        for rate in [float(r) for r in args.rates.split(",")]:
            print(row("trivial server", asyncio.run(run_step(port, Fixed(port), rate, args.seconds, 0.5))),
                  flush=True)
    finally:
        proc.terminate()
        proc.wait(5)
    print(LEGEND)
    return 0


if __name__ == "__main__":
    sys.exit(main())
