"""Fixtures: real Redis, a real database (SQLite; PostgreSQL too when TEST_POSTGRES_URL is set), the
product's web app and the WeCom sandbox served on loopback, and an in-process RQ worker."""
from __future__ import annotations

import datetime as dt
import functools
import itertools
import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
from rq import SimpleWorker
from werkzeug.serving import make_server

from bot.clock import CN_TZ
from tests.support import media
from tests.support.browser import browser, chromium_tmp, fake_mic, page  # noqa: F401  (fixtures; a module's own page wins)
from tests.support.h5 import candidate_api, clips  # noqa: F401  (fixtures for every test module)
from tests.support.paths import AUDIO
from tests.support.s3 import s3, s3_server, s3_stack  # noqa: F401  (a local S3 server for the storage tests)
from tests.support.transcripts import transcripts_remembered  # noqa: F401  (autouse: a recording heard once per process)

# `make test` runs the suite in parallel processes (pytest-xdist: gw0, gw1, …). The fixtures flush Redis and drop
# the PostgreSQL schema, so each process takes its own Redis database and PostgreSQL database (gw0 the ones given).
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
GIVEN_POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")


def _worker_redis(url: str) -> str:
    base, _, number = url.rpartition("/")
    return f"{base}/{(int(number or 0) - WORKER) % 16}" if WORKER else url


def _worker_postgres(url: str) -> str:
    base, _, name = url.rpartition("/")
    return f"{base}/{name}_gw{WORKER}" if url and WORKER else url


TEST_REDIS_URL = _worker_redis(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13"))
POSTGRES_URL = _worker_postgres(GIVEN_POSTGRES_URL)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``sqlite_only`` (a module's HTTP, parsing and rendering tests, whose database work the other
    modules' PostgreSQL variants cover) leave their PostgreSQL variant out, unless the test itself is marked
    ``postgres`` (a race or a lock: the database's own behaviour)."""
    kept, left = [], []
    for item in items:
        params = getattr(item, "callspec", None) and item.callspec.params
        on_postgres = bool(params) and params.get("db_url") == "postgres"
        if on_postgres and item.get_closest_marker("sqlite_only") and not item.get_closest_marker("postgres"):
            left.append(item)
        else:
            kept.append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


@pytest.fixture(scope="session")
def model_settings(tmp_path_factory):
    """Settings on the shared model folder (MODELS_DIR or data/models), set up once (a no-op when ready)."""
    from config.settings import load
    from scoring import models

    env = {"DATA_DIR": str(tmp_path_factory.mktemp("data"))}
    env.update({name: os.environ[name] for name in ("MODELS_DIR",) if name in os.environ})
    settings = load(env, dotenv=None)
    models.configure_environment(settings)
    models.setup(settings)
    return settings


PORT_BAND = 2000  # loopback ports per xdist worker, below Linux's ephemeral range (32768–60999)


@functools.cache
def _ports() -> Iterator[int]:
    """This worker's band, shuffled, handed out in turn: a port comes round again only after the whole band."""
    low = 20000 + (WORKER % 6) * PORT_BAND
    band = list(range(low, low + PORT_BAND))
    random.Random(os.getpid()).shuffle(band)
    return itertools.cycle(band)


def free_port() -> int:
    """A free loopback port from this xdist worker's own band below the ephemeral range: a port the OS hands out
    could be taken by an outgoing connection between our choosing it and the server binding it (and a server that
    cannot bind ends the test process's fixtures), and two calls in a row never give the same port."""
    for _ in range(PORT_BAND):
        port = next(_ports())
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free loopback port in {PORT_BAND} tries")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The machine's Redis on 6379 when it runs; otherwise the embedded one the product ships."""
    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=0.5).ping()
        yield TEST_REDIS_URL
        return
    except redis.ConnectionError:
        pass
    from bot.store.kv import embedded_redis_argv, wait_for_redis

    folder = Path(tempfile.mkdtemp(prefix="itest-redis-"))
    sock = folder / "redis.sock"
    argv = embedded_redis_argv(folder, sock)
    argv[argv.index("--appendonly") + 1] = "no"
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    url = f"unix://{sock}"
    wait_for_redis(redis.Redis.from_url(url))
    yield url
    proc.terminate()
    proc.wait(10)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    """A fresh database holding the migrated schema and no rows: SQLite always; PostgreSQL when TEST_POSTGRES_URL
    names one. Migrating afresh took about a second per test, most of the suite's database time, so each process
    migrates once: SQLite tests get a copy of that file, PostgreSQL tests the process's database emptied (DELETE),
    rebuilt only when a test left another schema there. A test marked ``bare_database`` gets an empty one (the
    migration tests)."""
    bare = request.node.get_closest_marker("bare_database") is not None
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        if not bare:
            shutil.copyfile(_migrated_sqlite(), path)
        return f"sqlite:///{path}"
    if not POSTGRES_URL:
        pytest.skip("TEST_POSTGRES_URL not set")
    if POSTGRES_URL != GIVEN_POSTGRES_URL:
        _create_database(POSTGRES_URL.rpartition("/")[2])
    _empty_postgres(bare)
    return POSTGRES_URL


@functools.cache
def _migrated_sqlite() -> Path:
    """This process's SQLite file with every migration applied (closed, so the copy is the whole database)."""
    from playhouse.db_url import connect

    from bot.store import schema
    from bot.store.db import SQLITE_PRAGMAS

    path = Path(tempfile.mkdtemp(prefix="itest-sqlite-")) / "migrated.db"
    db = connect(f"sqlite:///{path}", pragmas=SQLITE_PRAGMAS)
    schema.upgrade(db)
    db.close()
    return path


_POSTGRES_SHAPE: dict[str, str] = {}  # the migrated schema's columns, as this process last built it


def _empty_postgres(bare: bool) -> None:
    """Leave this process's PostgreSQL database empty: no schema at all when bare, else the migrated schema with no
    rows (every table's rows deleted, its sequences restarted), rebuilt when its columns differ from what migrating
    gave."""
    import psycopg2
    from playhouse.db_url import connect

    from bot.store import schema

    conn = psycopg2.connect(POSTGRES_URL)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(_SHAPE_SQL)
            shape = cur.fetchone()[0]
            if not bare and shape and shape == _POSTGRES_SHAPE.get("migrated"):
                # DELETE, not TRUNCATE: a few rows per table, and TRUNCATE makes new files for every table (0.7 s)
                cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                            "AND tablename <> 'migratehistory'")
                deletes = "".join(f'DELETE FROM "{name}";' for (name,) in cur.fetchall())
                cur.execute(f"SET session_replication_role = replica;{deletes}SET session_replication_role = DEFAULT;"
                            "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
                            "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace")
                return
            cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        if bare:
            return
        db = connect(POSTGRES_URL)
        schema.upgrade(db)
        db.close()
        with conn, conn.cursor() as cur:
            cur.execute(_SHAPE_SQL)
            _POSTGRES_SHAPE["migrated"] = cur.fetchone()[0]
    finally:
        conn.close()


_SHAPE_SQL = ("SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' "
              "ORDER BY table_name, column_name) || '|' || (SELECT count(*) FROM pg_tables t "
              "WHERE t.schemaname = 'public' AND t.tablename = 'migratehistory') "
              "FROM information_schema.columns WHERE table_schema = 'public'")


@functools.cache
def _create_database(name: str) -> None:
    """This test process's own PostgreSQL database, made once beside the one TEST_POSTGRES_URL names."""
    import psycopg2
    from psycopg2 import errors, sql

    conn = psycopg2.connect(GIVEN_POSTGRES_URL)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except errors.DuplicateDatabase:
        pass
    finally:
        conn.close()


def _clear_caches() -> None:
    from bot.store import kv
    from bot.wecom import delivery
    from config import settings

    for cached in (settings.get_settings, kv._client, delivery.wecom, delivery.limiter):
        if hasattr(cached, "cache_clear"):  # a test may have swapped one for a plain function
            cached.cache_clear()


@pytest.fixture
def env(tmp_path, monkeypatch, redis_url, db_url):
    """Settings for a test: sandbox mode, its own data folder, database and (flushed) Redis."""
    redis.Redis.from_url(redis_url).flushdb()
    for name in list(os.environ):
        if name.startswith("WECOM_") or name in ("PUBLIC_BASE_URL", "SECRET_KEY", "HR_USERIDS"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("WEB_PORT", str(free_port()))
    monkeypatch.setenv("SANDBOX_PORT", str(free_port()))
    monkeypatch.setenv("SANDBOX_SMTP_PORT", str(free_port()))
    monkeypatch.setenv("HR_USERIDS", "hr_li,hr_wang")
    monkeypatch.setattr("bot.wecom.client.RETRY_DELAYS", (0.01, 0.02))
    # SMS keep quiet 21:00–08:00 Beijing time; tests send in office hours unless they move the clock themselves
    monkeypatch.setattr("bot.wecom.delivery.beijing_now", lambda: dt.datetime.now(CN_TZ).replace(hour=10))
    _clear_caches()
    from bot.positions.catalog import sync_positions
    from bot.store import schema
    from bot.store.db import init_database
    from config.settings import get_settings

    settings = get_settings()
    db = init_database(settings.database_url)
    schema.upgrade(db)
    sync_positions()
    yield settings
    db.close()
    _clear_caches()


class _Server(threading.Thread):
    def __init__(self, app, port: int):
        super().__init__(daemon=True)
        self.server = make_server("127.0.0.1", port, app, threaded=True)

    def run(self) -> None:
        self.server.serve_forever(poll_interval=0.05)  # shutdown() waits out one poll: 0.5 s by default, per test

    def stop(self) -> None:
        self.server.shutdown()


@dataclass
class Stack:
    """The product's web app and the WeCom sandbox on loopback, plus helpers to drive them."""

    settings: object
    app: object
    sandbox_app: object
    base: str
    sandbox: str

    def api(self, method: str, path: str, **kwargs) -> dict:
        response = requests.request(method, f"{self.sandbox}/sandbox/api/{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def say(self, user: str, text: str) -> dict:
        """Type text as user in the sandbox console (encrypted and POSTed to our callback)."""
        return self.api("POST", "say", json={"from": user, "text": text})

    def inbox(self, user: str) -> list[dict]:
        """What user has received from the bot."""
        return self.api("GET", "messages", params={"touser": user})["messages"]

    def calls(self, path: str | None = None) -> list[dict]:
        calls = self.api("GET", "calls")["calls"]
        return [c for c in calls if path is None or c["path"] == path]

    def drain(self, rounds: int = 10) -> None:
        """Dispatch what the callback took, then run every queued job (delayed ones now) until none is left."""
        from bot.queues import ALL_QUEUES, get_queue
        from bot.store.kv import get_redis

        queues = [get_queue(name) for name in ALL_QUEUES]
        for _ in range(rounds):
            dispatch_taken(self.settings)
            for queue in queues:
                registry = queue.scheduled_job_registry
                for job_id in registry.get_job_ids():
                    job = queue.fetch_job(job_id)
                    registry.remove(job_id)
                    if job is not None:
                        queue.enqueue_job(job)
            if not any(len(q) for q in queues) and not get_redis().xlen("wecom:inbound"):
                return
            SimpleWorker(queues, connection=get_redis()).work(burst=True, logging_level="WARNING")


@pytest.fixture
def client(env):
    """A test client of the product's web app (no servers started)."""
    from handlers.app import create_app

    return create_app(env).test_client()


def dispatch_taken(settings) -> int:
    """Run the dispatcher over everything the callback has taken; return how many entries."""
    import handlers.wecom  # noqa: F401  (fills the handler registry)
    from bot.store.kv import get_redis
    from jobs import dispatcher

    dispatcher.ensure_group(get_redis())
    total = 0
    while count := dispatcher.process(get_redis(), settings, "test"):
        total += count
    return total


@pytest.fixture
def stack(env) -> Iterator[Stack]:
    """Serve the product and the sandbox (its SMTP server too) on free loopback ports, wired to each other."""
    from bot.sandbox.app import create_sandbox_app
    from bot.sandbox.mail import start_mail_server
    from handlers.app import create_app

    app = create_app(env)
    sandbox_app = create_sandbox_app(env, callback_url=f"http://127.0.0.1:{env.web_port}/wecom/callback")
    servers = [_Server(app, env.web_port), _Server(sandbox_app, env.sandbox_port)]
    for server in servers:
        server.start()
    mail = start_mail_server(sandbox_app.extensions["sandbox"], env.sandbox_smtp_port)
    yield Stack(env, app, sandbox_app, f"http://127.0.0.1:{env.web_port}", f"http://127.0.0.1:{env.sandbox_port}")
    mail.stop()
    for server in servers:
        server.stop()




def as_uploaded(clip: str, folder: Path) -> bytes:
    """A Mandarin fixture clip (Opus in Ogg) as the H5 page uploads it: remuxed into WebM, not re-encoded."""
    return media.remux_to(AUDIO / clip, folder / f"{Path(clip).stem}.webm").read_bytes()


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.05):
    """Poll predicate until it returns something truthy; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")
