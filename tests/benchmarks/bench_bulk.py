"""Bulk invitations against the rate-limit bound.

    make bench-bulk   (or: python -m tests.benchmarks.bench_bulk [--rows 3000] [--limit 500] [--window 10])

Sends one bulk run's invitation cards through the product's delivery path (chunks, outbox, the Redis moving-
window limiter, the WeCom client) to the sandbox, twice in the same run:
  1. baseline: the limiter's per-API limit lifted → the raw send rate of this machine;
  2. limited: the per-API limit scaled down (default 500 per 10 s instead of WeCom's 10,000 per 60 s, so the
     limit — not the machine — decides, and the run fits in a minute).
The bound for N messages under L per W seconds is (ceil(N / L) − 1) × W: each window's L go at once, the last
window's without waiting for its end. It prints both runs and their ratio to the bound (target ≤ 1.10), and
what the measured raw rate means for WeCom's real limits. Screening throughput is `make bench-screening`.
"""
from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from limits import parse

ROOT = Path(__file__).resolve().parents[2]


def _serve(app, port: int) -> None:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def setup(folder: Path) -> None:
    """A fresh product database and the sandbox on free loopback ports, in this process."""
    from tests.benchmarks.bench_callback import free_port, redis_url

    url, _ = redis_url(folder)
    os.environ.update({"DATA_DIR": str(folder / "data"), "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
                       "REDIS_URL": url, "SANDBOX_PORT": str(free_port()), "WEB_PORT": str(free_port())})
    for name in [n for n in os.environ if n.startswith("WECOM_")]:
        del os.environ[name]
    import redis

    redis.Redis.from_url(url).flushdb()
    from bot.positions.catalog import sync_positions
    from bot.sandbox.app import create_sandbox_app
    from bot.store import schema
    from bot.store.db import init_database
    from config.settings import get_settings

    settings = get_settings()
    schema.upgrade(init_database(settings.database_url))
    sync_positions()
    _serve(create_sandbox_app(settings, callback_url=f"http://127.0.0.1:{settings.web_port}/wecom/callback"),
           settings.sandbox_port)


def one_run(tag: str, rows: int, per_api: tuple) -> float:
    """Invite `rows` members in one bulk run with the given per-API limits; return the seconds until all sent."""
    from bot.bulk import runs as bulk
    from bot.store.db import db_session
    from bot.store.kv import get_redis
    from bot.store.models import OutboundMessage, Position
    from bot.wecom import delivery
    from bot.wecom.ratelimit import PER_MEMBER, OutboundLimiter

    limiter = OutboundLimiter(get_redis(), per_member=PER_MEMBER, per_api=per_api)
    delivery.limiter = lambda: limiter
    bulk.queue_chunk = lambda run_id, after: None  # chunks are driven below, in this process
    delivery.schedule = lambda message_id, delay=None: None  # deferred ones are retried below when due
    with db_session():
        position = Position.get(Position.slug == "teller")
        members = [(i + 2, {"name": f"{tag}{i}", "wecom_userid": f"{tag}{i:05d}"}, None) for i in range(rows)]
        run, _ = bulk.start(position, "hr_li", f"{tag}.csv", members, f"bench:{tag}", 0)
    started = time.perf_counter()
    while bulk.run_chunk(run.id) == "more":
        _retry_due()
    with db_session():
        while OutboundMessage.select().where(OutboundMessage.state != "sent").count():
            if not _retry_due():
                time.sleep(0.02)
    return time.perf_counter() - started


def _retry_due() -> int:
    from bot.clock import utcnow
    from bot.store.db import db_session
    from bot.store.models import OutboundMessage
    from bot.wecom import delivery

    with db_session():
        due = [m.id for m in OutboundMessage.select(OutboundMessage.id).where(
            (OutboundMessage.state == "deferred") & (OutboundMessage.next_attempt_at <= utcnow()))]
    for message_id in due:
        delivery.deliver(message_id)
    return len(due)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--limit", type=int, default=500, help="scaled per-API limit per window")
    parser.add_argument("--window", type=int, default=10, help="scaled window, seconds")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        setup(Path(tmp))
        baseline = one_run("base", args.rows, (parse(f"{10 * args.rows}/minute"),))
        limited = one_run("lim", args.rows, (parse(f"{args.limit}/{args.window} seconds"),))
    bound = (math.ceil(args.rows / args.limit) - 1) * args.window
    raw = args.rows / baseline
    print(f"{args.rows} invitation cards through chunks, outbox, limiter and client to the sandbox")
    print(f"  baseline (per-API limit lifted): {baseline:6.1f} s  ({raw:.0f} cards/s)")
    print(f"  limited to {args.limit} per {args.window} s:    {limited:6.1f} s  bound {bound} s  "
          f"ratio {limited / max(bound, 1e-9):.2f} (target ≤ 1.10)")
    real = 10_000
    print(f"  WeCom's real limit (10,000/min): {real} cards need ≥ {real / raw:.0f} s at this machine's raw rate; "
          f"the limit allows them in one window (bound 0 s), so 10,000 take {real / raw:.0f} s here; 30,000 have a "
          f"bound of 120 s and would take max(120, {30_000 / raw:.0f}) s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
