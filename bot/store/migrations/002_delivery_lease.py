"""Peewee migrations -- 002_delivery_lease.py."""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Give outbound messages a delivery lease and a next-attempt time (deferred sends)."""
    migrator.add_fields(
        "outbound_message",
        lease_until=pw.DateTimeField(null=True),
        next_attempt_at=pw.DateTimeField(index=True, null=True),
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the delivery lease columns."""
    migrator.remove_fields("outbound_message", "lease_until", "next_attempt_at")
