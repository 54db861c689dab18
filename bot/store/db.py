"""The database handle: one proxy, initialised from DATABASE_URL (playhouse.db_url)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import peewee
from playhouse.db_url import connect

database = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",  # readers never block the writer: web and worker share one file
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": "normal",
}


def init_database(url: str) -> peewee.Database:
    """Connect the proxy to the database named by url and return the real database."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        db = connect(url, pragmas=SQLITE_PRAGMAS)
    else:
        db = connect(url, autorollback=True)
    database.initialize(db)
    return db


@contextmanager
def db_session() -> Iterator[None]:
    """Hold a connection for a job; nested uses share it and only the outermost closes it."""
    # peewee's connection_context() closes on exit even when nested, which breaks an outer transaction.
    opened = database.connect(reuse_if_open=True)
    try:
        yield
    finally:
        if opened:
            database.close()


def write_transaction():
    """A transaction that reads, then writes: on SQLite it takes the write lock at once (BEGIN IMMEDIATE), so a
    second writer waits out busy_timeout instead of failing "database is locked" at once when it tries to upgrade
    its read lock (SQLite's deadlock rule). Elsewhere an ordinary transaction."""
    if isinstance(database.obj, peewee.SqliteDatabase) and not database.in_transaction():
        return database.obj.atomic("IMMEDIATE")
    return database.atomic()
