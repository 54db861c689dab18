"""Benchmark: /wecom/callback under concurrent encrypted POSTs, beside a bare decrypt-and-200 route.

    make bench            (or: python -m tests.benchmarks.bench_callback [--requests N] [--concurrency C])

Both apps run under the same gunicorn settings on loopback, in this same run; the load comes from a
separate process pool with keep-alive connections. Every request carries a fresh MsgId, so the full
path (decrypt → verify → de-duplicate in Redis → dispatch → enqueue an RQ job) runs each time.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import multiprocessing as mp
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import redis

ROOT = Path(__file__).resolve().parents[2]
BARE_APP = '''
from flask import Flask, request
from wechatpy.work.crypto import WeChatCrypto
from config.settings import get_settings

s = get_settings()
crypto = WeChatCrypto(s.wecom_token, s.wecom_aes_key, s.wecom_corp_id)
app = Flask(__name__)

@app.post("/bare")
def bare():
    a = request.args
    crypto.decrypt_message(request.get_data(), a["msg_signature"], a["timestamp"], a["nonce"])
    return "", 200
'''


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_url(folder: Path) -> tuple[str, subprocess.Popen | None]:
    """Use the machine's Redis (db 14) when it runs, else start the embedded one."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
        return url, None
    except redis.ConnectionError:
        from bot.store.kv import embedded_redis_argv, wait_for_redis

        sock = folder / "redis.sock"
        proc = subprocess.Popen(embedded_redis_argv(folder, sock), stdout=subprocess.DEVNULL)
        wait_for_redis(redis.Redis.from_url(f"unix://{sock}"))
        return f"unix://{sock}", proc


def payloads(settings, count: int, path: str) -> list[tuple[str, bytes]]:
    """Pre-encrypt count distinct text messages (fresh MsgIds) addressed to path."""
    from bot.sandbox import protocol

    base = int(time.time() * 1000)
    out = []
    for i in range(count):
        xml = protocol.text_message_xml(settings.wecom_corp_id, "hr_li", "/help", base + i, settings.wecom_agent_id)
        params, body = protocol.encrypt_callback(settings.wecom_token, settings.wecom_aes_key,
                                                 settings.wecom_corp_id, xml, agent_id=settings.wecom_agent_id)
        out.append((f"{path}?{urlencode(params)}", body))
    return out


def _client(args: tuple[int, list[tuple[str, bytes]], int]) -> list[float]:
    """Send the given requests over `threads` keep-alive connections; return latencies in seconds."""
    import threading

    port, requests_, threads = args
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    chunks = [requests_[i::threads] for i in range(threads)]

    def run(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for url, body in chunk:
            start = time.perf_counter()
            conn.request("POST", url, body=body, headers={"Content-Type": "text/xml"})
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status != 200:
                errors.append(response.status)
        conn.close()
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise RuntimeError(f"{len(errors)} non-200 answers, e.g. {errors[:5]}")
    return latencies


def measure(port: int, requests_: list[tuple[str, bytes]], concurrency: int, procs: int) -> dict[str, float]:
    """Drive the server with concurrency connections spread over procs processes."""
    per_proc = [requests_[i::procs] for i in range(procs)]
    with mp.Pool(procs) as pool:
        start = time.perf_counter()
        results = pool.map(_client, [(port, chunk, concurrency // procs) for chunk in per_proc])
        elapsed = time.perf_counter() - start
    latencies = sorted(itertools.chain.from_iterable(results))
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def serve(app: str, port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.py"), app],
        cwd=env.get("BENCH_CWD", str(ROOT)), env={**env, "WEB_BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{app} did not start: {proc.stderr.read().decode()[-2000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10000, help="per route, over all rounds")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--procs", type=int, default=2, help="load-generator processes")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per route (medians reported)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-callback-"))
    url, redis_proc = redis_url(folder)
    redis.Redis.from_url(url).flushdb()
    env = {**os.environ, "DATA_DIR": str(folder), "REDIS_URL": url, "HR_USERIDS": "hr_li",
           "PYTHONPATH": str(ROOT), "WEB_ACCESS_LOG": ""}
    for name in [n for n in env if n.startswith("WECOM_")]:
        del env[name]
    os.environ.update({k: env[k] for k in ("DATA_DIR", "REDIS_URL", "HR_USERIDS")})
    subprocess.run([sys.executable, "-m", "jobs.cli", "upgrade"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    (folder / "bare_app.py").write_text(BARE_APP)
    from config.settings import get_settings

    settings = get_settings()
    procs = []
    try:
        product_port, bare_port = free_port(), free_port()
        procs.append(serve("wsgi:app", product_port, env))
        procs.append(serve("bare_app:app", bare_port, {**env, "BENCH_CWD": str(folder),
                                                       "PYTHONPATH": f"{folder}:{ROOT}"}))
        targets = (("bare decrypt+200", bare_port, "/bare"), ("/wecom/callback", product_port, "/wecom/callback"))
        for _, port, path in targets:
            measure(port, payloads(settings, 400, path), args.concurrency, args.procs)  # warm-up
        # Interleaved rounds, medians: a noisy neighbour slows both routes alike instead of one.
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in targets}
        for _ in range(args.rounds):
            for name, port, path in targets:
                batch = payloads(settings, args.requests // args.rounds, path)
                rounds[name].append(measure(port, batch, args.concurrency, args.procs))
        rows = {name: {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50", "p99")}
                for name, runs in rounds.items()}
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)
        redis.Redis.from_url(url).flushdb()
        if redis_proc:
            redis_proc.terminate()
        shutil.rmtree(folder, ignore_errors=True)

    bare, product = rows["bare decrypt+200"], rows["/wecom/callback"]
    print(f"\n{args.requests} encrypted POSTs per route in {args.rounds} interleaved rounds (medians), "
          f"{args.concurrency} keep-alive connections, "
          f"gunicorn {os.cpu_count()} workers x gthread, loopback, {os.cpu_count()} cores")
    print(f"{'route':<20}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, row in rows.items():
        print(f"{name:<20}{row['rps']:>10.0f}{row['p50']:>10.1f}{row['p99']:>10.1f}")
    ratio = product["rps"] / bare["rps"]
    print(f"\nthroughput ratio callback/bare: {ratio:.2f}   (target >= 0.50)")
    print(f"callback p99: {product['p99']:.1f} ms            (target < 50 ms)")
    ok = ratio >= 0.5 and product["p99"] < 50
    print("RESULT:", "meets targets" if ok else "MISSES a target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
