"""Schema migrations (peewee-migrate): upgrade an existing database in place."""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import peewee as pw
from peewee_migrate import Router

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def router(db: pw.Database) -> Router:
    """Return a migration router over this project's migrations."""
    return Router(db, migrate_dir=MIGRATIONS_DIR, ignore=["basemodel"], logger=logging.getLogger("migrate"))


def upgrade(db: pw.Database, target: str | None = None) -> list[str]:
    """Apply pending migrations (up to target, inclusive) and return the names applied."""
    r = router(db)
    pending = r.diff
    if target is not None:
        pending = pending[: pending.index(target) + 1] if target in pending else []
    with _foreign_keys_deferred(db):
        r.run(target)
    return pending


@contextlib.contextmanager
def _foreign_keys_deferred(db: pw.Database) -> Iterator[None]:
    """SQLite changes a column by copying its table and dropping the old one: with foreign keys on, that drop
    cascades into every row that references the table (a candidate column's change would delete every invitation,
    interview and answer). SQLite's own recipe: keys off while migrating, then check that every reference holds."""
    if not isinstance(db, pw.SqliteDatabase) or db.in_transaction():
        yield
        return
    was = db.pragma("foreign_keys")
    db.pragma("foreign_keys", 0)
    try:
        yield
        if broken := db.execute_sql("PRAGMA foreign_key_check").fetchall():
            raise RuntimeError(f"migration left {len(broken)} broken reference(s), first: {broken[0]}")
    finally:
        db.pragma("foreign_keys", was)


def pending(db: pw.Database) -> list[str]:
    """Return the names of migrations not yet applied."""
    return router(db).diff
