"""Load test: the WeCom callback and the H5 chunk upload at fixed offered rates (open loop).

    make load          (or: python -m tests.benchmarks.load [--quick] [--only bare,callback,upload])

Starts the product (`wsgi:app`) and a bare decrypt-and-200 app under the same gunicorn settings
(config/gunicorn.py) on loopback, and offers each route requests on a fixed schedule — rate after rate,
each held for a few seconds after a short warm-up — from this process (tests/benchmarks/loadgen.py: one
asyncio loop, raw keep-alive HTTP/1.1, at nice -10 when allowed so that it sends on time; the servers
keep priority 0). Latency counts from each request's scheduled send time, so a server that falls behind
shows its queueing. A rate passes when p99 < 100 ms with no error at all (a non-2xx answer, a lost
connection, no answer 2 s after the step's last send); a failing rate is tried once more (one failure may
be a neighbour's burst), and between the highest pass and the lowest failure the rate is bisected.

- bare decrypt+200 and /wecom/callback climb the same ladder in alternation, so a noisy neighbour slows
  both alike. Every callback is a freshly encrypted text message with a new MsgId, so each one runs the
  whole path (signature, timestamp window, decrypt, parse, de-duplicate and take into the stream); at the
  end every MsgId answered 200 must be in the stream, and none twice (take, then 200).
- the chunk upload: N virtual candidates (signed invitation, consent, an open video upload each) PUT
  checksummed chunks (default 256 KB: 2 s of the page's 1 Mbit/s video), each candidate its own chunks
  in order, one at a time; the schedule hands slots to the candidates in turn.
- the generator itself: at the end, twice the highest rate tried is offered to a trivial server, to show
  the generator was not the limit.

Each step's row also shows the server's CPU per request (its gunicorn workers, from /proc), the
generator's own lateness and CPU, and `rest`: the cores busy with everything else (neighbours, Redis, the
kernel), so a step disturbed by other work on a shared machine can be told apart. The summary gives the
highest passing rate per route, callback ÷ bare against the targets (callback ≥ 500/s and ≥ 0.5× bare),
the two servers' CPU per request at the rates both passed (a ratio the neighbours barely move), and the
stream check. Uses Redis db 14 on 127.0.0.1 when it answers (else the embedded Redis) and a fresh SQLite
database in a temporary folder (--database-url for PostgreSQL); everything it starts is stopped on exit,
Ctrl-C included. About 3 minutes; --quick about 1.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import concurrent.futures
import datetime as dt
import hashlib
import http.client
import itertools
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import redis

from tests.benchmarks.bench_callback import BARE_APP, free_port, redis_url
from tests.benchmarks.loadgen import HEADER, LEGEND, Fixed, Source, StepResult, row, run_step, start_trivial

ROOT = Path(__file__).resolve().parents[2]
P99_MS = 100.0
NOISY_CORES = 0.5  # other work beside a step, in cores, above which the summary says the machine was busy
CALLBACK_LADDER = (250, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000, 8000, 10000)
UPLOAD_LADDER = (50, 100, 200, 300, 400, 500, 700, 1000, 1400, 2000, 3000)
SENTINEL_ID = 987654321987654321
WEBM_MAGIC = b"\x1a\x45\xdf\xa3"


class Callbacks(Source):
    """Freshly encrypted callbacks, one per slot, built before the step (their MsgIds never repeat)."""

    msg_ids = itertools.count(int(time.time() * 1000) * 1000)

    def __init__(self, settings, port: int, path: str):
        from wechatpy.work.crypto import PrpCrypto

        from bot.sandbox import protocol

        self.settings, self.port, self.path = settings, port, path
        self.prp = PrpCrypto(base64.b64decode(settings.wecom_aes_key + "="))
        self.template = protocol.text_message_xml(settings.wecom_corp_id, "hr_li", "/help", SENTINEL_ID,
                                                  settings.wecom_agent_id)
        self.requests: list[list[bytes]] = []
        self.ids: list[int] = []
        self.answered: set[str] = set()  # the de-duplication keys of the callbacks answered 200

    def prepare(self, count: int) -> None:
        """Encrypt and sign count messages exactly as WeCom does (bot/sandbox/protocol.py's envelope)."""
        from wechatpy.crypto import _get_signature

        from bot.sandbox.protocol import cdata, new_nonce

        s, timestamp = self.settings, str(int(time.time()))
        head = f"<xml><ToUserName>{cdata(s.wecom_corp_id)}</ToUserName><AgentID>{cdata(s.wecom_agent_id)}</AgentID>"
        self.requests, self.ids = [], list(itertools.islice(self.msg_ids, count))
        for msg_id in self.ids:
            xml = self.template.replace(str(SENTINEL_ID), str(msg_id))
            encrypted = self.prp.encrypt(xml, s.wecom_corp_id).decode()
            nonce = new_nonce()
            signature = _get_signature(s.wecom_token, timestamp, nonce, encrypted)
            body = f"{head}<Encrypt>{cdata(encrypted)}</Encrypt></xml>".encode()
            self.requests.append([
                f"POST {self.path}?msg_signature={signature}&timestamp={timestamp}&nonce={nonce} HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{self.port}\r\nContent-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n"
                .encode() + body])

    def request(self, slot: int) -> list[bytes]:
        return self.requests[slot]

    def answer(self, slot: int, status: int, body: bytes) -> bool:
        if status == 200:
            self.answered.add(f"msg:{self.ids[slot]}")
        return status == 200


class Chunks(Source):
    """Virtual candidates, each PUTting its own upload's chunks in order (one in flight per candidate)."""

    def __init__(self, port: int, uploads: list[tuple[str, str]], chunk_bytes: int, answer_max: int):
        self.lanes = len(uploads)
        self.paths = [f"PUT /h5/api/{token}/uploads/{upload_id}/chunks/" for token, upload_id in uploads]
        self.next_seq = [0] * len(uploads)
        self.cap = answer_max // chunk_bytes  # chunks an upload may hold before the server's size limit
        self.host = f"Host: 127.0.0.1:{port}\r\nContent-Type: application/octet-stream\r\n"
        # A chunk's bytes follow from its seq, so a resent chunk is a true repeat (acknowledged, not a conflict).
        # They open as WebM does (its EBML magic), since the server checks the first chunk's container; the rest is
        # opaque to it until the upload is finished, which the load never does.
        bodies = (WEBM_MAGIC + os.urandom(chunk_bytes - len(WEBM_MAGIC)) for _ in range(4))
        self.bodies = [(body, hashlib.sha256(body).hexdigest()) for body in bodies]

    def request(self, slot: int) -> list[bytes]:
        seq = self.next_seq[slot % self.lanes]
        body, digest = self.bodies[seq % len(self.bodies)]
        return [f"{self.paths[slot % self.lanes]}{seq} HTTP/1.1\r\n{self.host}X-Chunk-SHA256: {digest}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n".encode(), body]

    def answer(self, slot: int, status: int, body: bytes) -> bool:
        try:
            next_seq = json.loads(body).get("next_seq")
        except (ValueError, AttributeError):
            next_seq = None
        if isinstance(next_seq, int):  # also on a 409: the server says where this upload stands
            self.next_seq[slot % self.lanes] = next_seq
        return status == 200

    @property
    def fullest(self) -> int:
        return max(self.next_seq)


class Climb:
    """One route's ladder: up while steps pass, a failure tried again, then bisection."""

    def __init__(self, name: str, ladder: tuple[int, ...], bisections: int):
        self.name, self.ladder, self.bisections = name, list(ladder), bisections
        self.best, self.failed, self.index = 0.0, None, 0
        self.retrying = False
        self.results: list[StepResult] = []

    def next_rate(self) -> float | None:
        if self.retrying:
            return self.results[-1].rate
        if self.failed is None:
            return self.ladder[self.index] if self.index < len(self.ladder) else None
        if self.bisections <= 0:
            return None
        grain = 50 if self.failed > 1000 else 25 if self.failed > 200 else 10
        mid = round((self.best + self.failed) / 2 / grain) * grain
        return mid if self.best < mid < self.failed else None

    def record(self, result: StepResult) -> None:
        self.results.append(result)
        if result.passed(P99_MS):
            self.retrying = False
            self.best = max(self.best, result.rate)
            if self.failed is None:
                self.index += 1
            else:
                self.bisections -= 1
        elif not self.retrying:  # one failure may be a neighbour's burst; two in a row are the server
            self.retrying = True
        else:
            self.retrying = False
            if self.failed is not None:
                self.bisections -= 1
            self.failed = result.rate if self.failed is None else min(self.failed, result.rate)

    @property
    def done(self) -> bool:
        return self.next_rate() is None

    def verdict(self) -> str:
        top = "≥ " if self.failed is None and self.best else ""
        return f"{top}{self.best:.0f}/s"


def serve(app: str, port: int, env: dict, cwd: Path, log: Path) -> subprocess.Popen:
    """Start gunicorn with config/gunicorn.py in its own process group; wait until it answers."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.py"), app],
            cwd=cwd, env={**env, "WEB_BIND": f"127.0.0.1:{port}"}, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_die_with_parent)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"{app} did not start:\n{log.read_text()[-2000:]}")


def workers_cpu(master: subprocess.Popen) -> Callable[[], float]:
    """The CPU seconds a gunicorn's workers have used so far (Linux /proc; 0 where it cannot be read)."""
    tick = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        total = 0
        try:
            tasks = os.listdir(f"/proc/{master.pid}/task")
            pids = [p for t in tasks for p in Path(f"/proc/{master.pid}/task/{t}/children").read_text().split()]
            for pid in pids:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
        return total / tick

    return read


def _die_with_parent() -> None:
    # If this process is killed outright, its servers get SIGTERM instead of lingering (Linux only).
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def stop(proc: subprocess.Popen) -> None:
    """Stop a server started by serve(): SIGTERM, then its whole process group if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # its own group (start_new_session): workers left behind, if any
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def invite(settings, count: int) -> list[str]:
    """Create count candidates with open invitations to the 柜员 position; return their signed tokens."""
    from bot import links
    from bot.clock import utcnow
    from bot.store.db import database, db_session, init_database
    from bot.store.models import Candidate, Invitation, Position

    init_database(settings.database_url)
    expires = utcnow() + dt.timedelta(days=1)
    stamp = int(time.time())
    with db_session(), database.atomic():
        position = Position.get(Position.slug == "teller")
        Candidate.insert_many([{"name": f"压测{i}", "wecom_userid": f"load{stamp}_{i}"}
                               for i in range(count)]).execute()
        candidates = list(Candidate.select(Candidate.id).where(Candidate.wecom_userid.startswith(f"load{stamp}_"))
                          .order_by(Candidate.id))
        Invitation.insert_many([{"position": position, "candidate": c, "invited_by": "hr_li", "expires_at": expires,
                                 "status": "sent"} for c in candidates]).execute()
        invitations = list(Invitation.select().where(Invitation.candidate.in_(candidates)).order_by(Invitation.id))
    epoch = expires.replace(tzinfo=dt.UTC).timestamp()
    return [links.make_token(settings.secret_key, inv.id, inv.candidate_id, epoch) for inv in invitations]


def open_uploads(port: int, tokens: list[str]) -> tuple[list[tuple[str, str]], Counter]:
    """Consent and open a video upload for each candidate through the page's API (docs/h5-api.md).

    Returns the (token, upload_id) pairs and the 5xx answers that were retried, as the page retries them.
    """
    local, retried = threading.local(), Counter()

    def call(method: str, path: str, body: dict | None = None) -> dict:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for attempt in range(10):
            local.conn.request(method, path, body=json.dumps(body) if body is not None else None,
                               headers={"Content-Type": "application/json"})
            response = local.conn.getresponse()
            data = json.loads(response.read() or b"{}")
            if response.status < 500 or attempt == 9:
                break
            retried[f"{path.rsplit('/', 1)[1]} HTTP {response.status}"] += 1
            time.sleep(0.05 * (attempt + 1))
        if response.status != 200:
            raise RuntimeError(f"{method} {path.rsplit('/', 1)[1]}: HTTP {response.status} {data}")
        return data

    def agree(token: str) -> str:
        state = call("POST", f"/h5/api/{token}/consent", {"recording": True, "face": False, **agreed})
        return state.get("next_question") or state["questions"][0]["key"]

    def open_one(token: str, question: str) -> tuple[str, str]:
        call("POST", f"/h5/api/{token}/questions/{question}/reveal", {})  # as the page does: its think time starts
        opened = call("POST", f"/h5/api/{token}/uploads", {"question": question, "mode": "video",
                                                            "mime": "video/webm;codecs=vp8,opus"})
        return token, opened["upload_id"]

    consent = call("GET", f"/h5/api/{tokens[0]}/state")["consent"]
    # what the page sends: the notice's version, and the sha256 of the text shown (every candidate's is the same)
    agreed = {"version": consent["version"], "locale": "zh-CN",
              "text_sha256": consent.get("texts", {}).get("zh-CN", {}).get("sha256")}
    # Consents two at a time: on SQLite, concurrent consents collide on the database lock (answered 503, retried)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        questions = list(pool.map(agree, tokens))
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return list(pool.map(open_one, tokens, questions)), retried


@dataclass
class Route:
    """A route under load: its ladder, where it listens, what it is sent, and its server's CPU meter."""

    climb: Climb
    port: int
    source: Source
    cpu: Callable[[], float]


def step(route: Route, rate: float, args, warmup: float | None = None, **kwargs) -> StepResult:
    """One fixed-rate step on a route (a warm-up, then args.seconds measured)."""
    warmup = args.warmup if warmup is None else warmup
    if isinstance(route.source, Callbacks):
        route.source.prepare(int(rate * (warmup + args.seconds)))
    result = asyncio.run(run_step(route.port, route.source, rate, args.seconds, warmup, server_cpu=route.cpu,
                                  **kwargs))
    time.sleep(0.3 if result.passed(P99_MS) else args.drain)  # a server that fell behind drains before the next step
    return result


def climb_together(routes: list[Route], args, **kwargs) -> None:
    """Run the routes' ladders in alternation, one step each, until every one is done."""
    for route in routes:  # fresh workers: the first requests import and warm caches (not recorded)
        step(route, min(route.climb.ladder[0], 250), args, warmup=2 * args.warmup, **kwargs)
    turn = 0
    while any(not r.climb.done for r in routes):
        for route in routes if turn % 2 == 0 else routes[::-1]:
            rate = route.climb.next_rate()
            if rate is not None:
                result = step(route, rate, args, **kwargs)
                route.climb.record(result)
                print(row(route.climb.name, result) + ("" if result.passed(P99_MS) else "  ✗"), flush=True)
        turn += 1


def parse_args(argv: list[str] | None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter steps, a coarser ladder: about a minute")
    parser.add_argument("--only", default="bare,callback,upload", help="routes to load (comma-separated)")
    parser.add_argument("--seconds", type=float, help="measured seconds per step (default 2, --quick 1)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds per step (default 0.75, --quick 0.5)")
    parser.add_argument("--candidates", type=int, help="virtual candidates uploading in parallel (400, --quick 200)")
    parser.add_argument("--chunk-kb", type=int, default=256, help="upload chunk size in KB")
    parser.add_argument("--database-url", help="the product's database (default: fresh SQLite in a temp folder)")
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (1.0 if args.quick else 2.0)
    args.warmup = args.warmup or (0.5 if args.quick else 0.75)
    args.candidates = args.candidates or (200 if args.quick else 400)
    args.drain = 1.0 if args.quick else 1.5  # seconds of rest after a failed step
    args.only = {name.strip() for name in args.only.split(",")}
    unknown = args.only - {"bare", "callback", "upload"}
    if unknown:
        parser.error(f"unknown route(s) in --only: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` stops the servers on kill too
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="load-"))
    procs: list[subprocess.Popen] = []
    url, redis_proc = redis_url(folder)
    try:
        redis.Redis.from_url(url).flushdb()
        env = {**os.environ, "DATA_DIR": str(folder / "data"), "REDIS_URL": url, "HR_USERIDS": "hr_li",
               "PYTHONPATH": str(ROOT), "WEB_ACCESS_LOG": "",
               # every virtual candidate comes from 127.0.0.1: lift the per-address limit, not the work
               "RATE_LIMIT_PER_MINUTE": "1000000"}
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        for name in [n for n in env if n.startswith("WECOM_")]:  # sandbox credentials, generated in DATA_DIR
            del env[name]
        os.environ.update(env)  # this process reads the same settings (credentials, secret key) as the servers
        for name in [n for n in os.environ if n.startswith("WECOM_")]:
            del os.environ[name]
        for command in ("upgrade", "seed"):
            subprocess.run([sys.executable, "-m", "jobs.cli", command], env=env, cwd=ROOT, check=True,
                           capture_output=True)
        from config.settings import get_settings

        settings = get_settings()
        (folder / "bare_app.py").write_text(BARE_APP)
        servers = {}
        if args.only & {"callback", "upload"}:
            port = free_port()
            procs.append(serve("wsgi:app", port, env, ROOT, folder / "product.log"))
            servers["product"] = (port, workers_cpu(procs[-1]))
        if "bare" in args.only:
            port = free_port()
            procs.append(serve("bare_app:app", port, {**env, "PYTHONPATH": f"{folder}:{ROOT}"}, folder,
                               folder / "bare.log"))
            servers["bare"] = (port, workers_cpu(procs[-1]))
        return run(args, settings, folder, url, servers, started)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the servers", file=sys.stderr)
        return 130
    finally:
        for proc in procs:
            stop(proc)
        try:
            redis.Redis.from_url(url).flushdb()
        except redis.RedisError:
            pass
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def run(args, settings, folder: Path, url: str, servers: dict, started: float) -> int:
    bisections = 1 if args.quick else 2
    try:  # the generator needs little CPU but needs it on time: ahead of the servers, whose priority stays 0
        os.setpriority(os.PRIO_PROCESS, 0, -10)
        priority = "generator at nice -10"
    except OSError:
        priority = "generator at normal priority (nice -10 needs root)"
    ladder = CALLBACK_LADDER[1::2] if args.quick else CALLBACK_LADDER
    print(f"open loop: each rate held {args.warmup:g} s warm-up + {args.seconds:g} s measured; pass = p99 < "
          f"{P99_MS:.0f} ms and no errors. gunicorn {os.cpu_count()} workers × gthread, loopback, "
          f"{os.cpu_count()} cores; Redis {url.split('://')[0]}, {settings.database_url.split(':')[0]}; {priority}\n")
    print(HEADER)
    routes = []
    if "bare" in args.only:
        port, cpu = servers["bare"]
        routes.append(Route(Climb("bare decrypt+200", ladder, bisections), port,
                            Callbacks(settings, port, "/bare"), cpu))
    if "callback" in args.only:
        port, cpu = servers["product"]
        routes.append(Route(Climb("/wecom/callback", ladder, bisections), port,
                            Callbacks(settings, port, "/wecom/callback"), cpu))
    climb_together(routes, args)
    if "upload" in args.only:
        upload = upload_route(args, settings, folder, servers["product"], bisections)
        if upload is not None:
            climb_together([upload], args, max_connections=upload.source.lanes + 8)
            routes.append(upload)
    tried = max((r.rate for route in routes for r in route.climb.results), default=1000)
    trivial, port = start_trivial()
    try:
        check = asyncio.run(run_step(port, Fixed(port), 2 * tried, args.seconds, args.warmup))
    finally:
        trivial.terminate()
        trivial.wait(5)
    print(row("trivial server", check))
    print(LEGEND)
    return summary(args, {route.climb.name: route for route in routes}, check, url, started)


def upload_route(args, settings, folder: Path, server: tuple, bisections: int) -> Route | None:
    """Set up the virtual candidates (invited, consented, an upload open each) and their route."""
    from bot.interviews.flow import ANSWER_MAX_BYTES

    port, cpu = server
    setup = time.perf_counter()
    try:
        uploads, retried = open_uploads(port, invite(settings, args.candidates))
    except RuntimeError as exc:
        print(f"upload not measured: setting up the candidates failed: {exc}\n"
              f"{(folder / 'product.log').read_text()[-3000:]}")
        return None
    again = f"; retried: {', '.join(f'{k} ×{v}' for k, v in retried.items())}" if retried else ""
    print(f"{'':18}({len(uploads)} candidates invited, consented, uploads opened in "
          f"{time.perf_counter() - setup:.1f} s{again})")
    ladder = UPLOAD_LADDER[1::2] if args.quick else UPLOAD_LADDER
    return Route(Climb(f"chunk PUT {args.chunk_kb}KB", ladder, bisections), port,
                 Chunks(port, uploads, args.chunk_kb * 1024, ANSWER_MAX_BYTES), cpu)


def summary(args, routes: dict[str, Route], check: StepResult, url: str, started: float) -> int:
    """The highest passing rate per route, the ratio and the targets, the generator's check, the stream's."""
    from bot.wecom.intake import STREAM

    print(f"\n== highest offered rate with p99 < {P99_MS:.0f} ms and no errors ({args.seconds:g} s steps) ==")
    ok = True
    bare, callback = routes.get("bare decrypt+200"), routes.get("/wecom/callback")
    if bare:
        print(f"{bare.climb.name:<22}{bare.climb.verdict():>10}")
    if callback:
        line = f"{callback.climb.name:<22}{callback.climb.verdict():>10}"
        ok = callback.climb.best >= 500
        targets = f"target ≥ 500/s: {'met' if ok else 'MISSED'}"
        if bare and bare.climb.best:
            ratio = callback.climb.best / bare.climb.best
            ok = ok and ratio >= 0.5
            targets += f"; ≥ 0.5× bare: {'met' if ratio >= 0.5 else 'MISSED'}"
            line += f"   = {ratio:.2f}× bare"
        print(f"{line}   ({targets})")
    if bare and callback:
        print(cpu_comparison(bare.climb, callback.climb))
    for route in routes.values():
        if isinstance(route.source, Chunks):
            chunks, climb = route.source, route.climb
            print(f"{climb.name:<22}{climb.verdict():>10}   ({climb.best * args.chunk_kb / 1024:.0f} MB/s; "
                  f"{chunks.lanes} candidates, the fullest upload at {chunks.fullest} of {chunks.cap} chunks)")
    steps = [r for route in routes.values() for r in route.climb.results if r.rest is not None]
    busy = [r for r in steps if r.rest > NOISY_CORES]
    if busy:
        print(f"noise: {len(busy)} of {len(steps)} steps ran beside more than {NOISY_CORES:g} cores of other work "
              f"(rest, median {statistics.median(r.rest for r in steps):.2f}): the machine was not quiet")
    print(f"generator: {check.rate:.0f}/s offered to a trivial server → {check.achieved:.0f}/s answered, "
          f"p99 {check.p99:.1f} ms, {check.error_count} errors, {check.cpu * 100:.0f}% of one core")
    if callback:
        taken = stream_keys(redis.Redis.from_url(url), STREAM)
        answered = callback.source.answered
        lost = answered - set(taken)
        twice = len(taken) - len(set(taken))
        ok = ok and not lost and not twice
        print(f"stream: {len(answered)} callbacks answered 200, {len(taken)} entries in {STREAM}: "
              f"{'every 200 taken' if not lost else f'{len(lost)} answered 200 but NOT TAKEN'}, "
              f"{'none twice' if not twice else f'{twice} TAKEN TWICE'}")
        print("RESULT:", "meets targets" if ok else "MISSES a target")
    print(f"({time.perf_counter() - started:.0f} s in all)")
    return 0


def cpu_comparison(bare: Climb, callback: Climb) -> str:
    """The servers' CPU per request, a figure the neighbours' load barely moves: at the highest rate both passed,
    and at each one's own highest pass (where the comparison of capacities is made; CPU per request falls as the
    rate rises, since gunicorn's poller then finds several requests per wake-up)."""
    def passes(climb: Climb) -> dict[float, float]:
        return {r.rate: r.server_cpu for r in climb.results if r.passed(P99_MS) and r.server_cpu}

    b, c = passes(bare), passes(callback)
    if not b or not c:
        return "server CPU per request: a route passed no rate"
    shared = max(set(b) & set(c), default=None)
    same = (f"at {shared:.0f}/s bare {b[shared] * 1e6:.0f} µs, callback {c[shared] * 1e6:.0f} µs; "
            if shared else "")
    top_b, top_c = max(b), max(c)
    return (f"server CPU per request: {same}at each one's highest pass bare {b[top_b] * 1e6:.0f} µs "
            f"({top_b:.0f}/s), callback {c[top_c] * 1e6:.0f} µs ({top_c:.0f}/s) → bare/callback = "
            f"{b[top_b] / c[top_c]:.2f}")


def stream_keys(client: redis.Redis, stream: str) -> list[str]:
    """The de-duplication key of every entry in the stream."""
    keys, after = [], "-"
    while True:
        batch = client.xrange(stream, after, "+", count=10000)
        keys += [fields[b"key"].decode() for _, fields in batch]
        if len(batch) < 10000:
            return keys
        after = "(" + batch[-1][0].decode()


if __name__ == "__main__":
    sys.exit(main())
