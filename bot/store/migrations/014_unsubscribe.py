"""Peewee migrations -- 014_unsubscribe.py: a candidate's opt-out from recruiting messages (退订) on every channel:
when they first opted out and how (bot/privacy/optout.py)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add candidate.unsubscribed_at (indexed: routing and sends skip those who opted out) and
    candidate.unsubscribe_source."""
    migrator.add_fields("candidate", unsubscribed_at=pw.DateTimeField(null=True, index=True))
    # Plain ADD COLUMN: peewee's SQLite migrator would rebuild the candidate table for NOT NULL, and dropping the old
    # table cascades into every invitation, interview and answer.
    migrator.sql("ALTER TABLE candidate ADD COLUMN unsubscribe_source VARCHAR(16) NOT NULL DEFAULT ''")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop what migrate added."""
    migrator.sql("ALTER TABLE candidate DROP COLUMN unsubscribe_source")
    migrator.drop_index("candidate", "unsubscribed_at")
    migrator.remove_fields("candidate", "unsubscribed_at")
