"""Peewee migrations -- 009_sealed_personal_data.py: personal data sealed at rest, blind indexes for lookups.

Reversible by restore only: take a backup before upgrading (docs/privacy-and-security.md), since the plain values
are not kept anywhere once their rows are sealed.
"""

import peewee as pw
from peewee_migrate import Migrator

from bot.store import models, sealed

# The columns sealed in place by this migration (a later one that seals more names its own).
SEALED = {models.Candidate: ["name", "phone", "email", "resume"], models.BulkItem: ["fields", "verdict", "reason"],
          models.Answer: ["text"], models.AnswerAnalysis: ["document"], models.Score: ["evidence"],
          models.Report: ["document"], models.Note: ["text"], models.PoolProfile: ["text", "terms"]}
# Short columns an envelope would not fit (PostgreSQL enforces VARCHAR lengths; SQLite does not)
WIDENED = {"candidate": ("name", "phone", "email"), "bulk_item": ("reason",)}


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Widen the short sealed columns to TEXT, swap the plain phone and e-mail indexes for blind ones, and seal
    every row stored plain (rows already sealed are left: a stopped upgrade is simply run again)."""
    migrator.drop_index("candidate", "phone")
    migrator.drop_index("candidate", "email")
    if isinstance(database, pw.PostgresqlDatabase):
        for table, columns in WIDENED.items():
            for column in columns:
                migrator.sql(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE TEXT')
    # Plain ALTER TABLE … NOT NULL DEFAULT: peewee's SQLite migrator would rebuild the table for NOT NULL, and
    # dropping the old candidate table cascades into every invitation, interview and answer.
    for column in ("name_index", "phone_index", "email_index"):
        migrator.sql(f"ALTER TABLE candidate ADD COLUMN {column} VARCHAR(32) NOT NULL DEFAULT ''")
        migrator.sql(f"CREATE INDEX candidate_{column} ON candidate ({column})")
    migrator.sql("ALTER TABLE bulk_item ADD COLUMN contact_index TEXT NOT NULL DEFAULT ''")
    migrator.run(_seal_rows, database)


def _seal_rows(database: pw.Database) -> None:
    for model, names in SEALED.items():
        sealed.reseal_table(database, model, names, rekey=False)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Not by migration: restore the backup taken before the upgrade."""
    raise RuntimeError("009_sealed_personal_data cannot be rolled back in place: restore the backup taken before "
                       "upgrading")
