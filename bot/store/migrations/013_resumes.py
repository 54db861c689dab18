"""Peewee migrations -- 013_resumes.py: résumé files (bot/resumes), sealed in the store, their text and structure
in sealed columns."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add the resume table."""

    @migrator.create_model
    class Resume(pw.Model):
        id = pw.AutoField()
        candidate = pw.ForeignKeyField(column_name="candidate_id", field="id", model=migrator.orm["candidate"],
                                       on_delete="CASCADE")
        source = pw.CharField(max_length=16)
        filename = pw.TextField(default="")
        mime = pw.CharField(max_length=128)
        size = pw.BigIntegerField(default=0)
        sha256 = pw.CharField(max_length=64)
        path = pw.CharField(max_length=512)
        key_id = pw.CharField(max_length=32, default="")
        text = pw.TextField(default="")
        parsed = pw.TextField(default="{}")
        corrections = pw.TextField(default="{}")
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "resume"
            indexes = ((("candidate", "sha256"), True),)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop what migrate added."""
    migrator.remove_model("resume")
