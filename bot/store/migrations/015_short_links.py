"""Peewee migrations -- 015_short_links.py: the short codes of invitation links sent by SMS (/s/<code>)."""

import datetime as dt

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create short_link: one code per invitation."""

    @migrator.create_model
    class ShortLink(pw.Model):
        id = pw.AutoField()
        code = pw.CharField(max_length=16, unique=True)
        invitation = pw.ForeignKeyField(column_name="invitation_id", field="id", model=migrator.orm["invitation"],
                                        on_delete="CASCADE", unique=True)
        created_at = pw.DateTimeField(default=dt.datetime.utcnow)

        class Meta:
            table_name = "short_link"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop short_link."""
    migrator.remove_model("short_link")
