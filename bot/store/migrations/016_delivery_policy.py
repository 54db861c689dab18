"""Peewee migrations -- 016_delivery_policy.py: the channel a candidate prefers (the one they last answered
through: bot/wecom/policy.py) and when an unopened invitation was sent once more over the next channel
(bot/invitations/fallback.py)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add candidate.preferred_channel and invitation.fallback_at."""
    # Plain ADD COLUMN: peewee's SQLite migrator would rebuild the candidate table for NOT NULL, and dropping the old
    # table cascades into every invitation, interview and answer.
    migrator.sql("ALTER TABLE candidate ADD COLUMN preferred_channel VARCHAR(16) NOT NULL DEFAULT ''")
    migrator.add_fields("invitation", fallback_at=pw.DateTimeField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop what migrate added."""
    migrator.remove_fields("invitation", "fallback_at")
    migrator.sql("ALTER TABLE candidate DROP COLUMN preferred_channel")
