"""Schema migrations (peewee-migrate): upgrade an existing database in place."""
from __future__ import annotations

import logging
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
    r.run(target)
    return pending


def pending(db: pw.Database) -> list[str]:
    """Return the names of migrations not yet applied."""
    return router(db).diff
