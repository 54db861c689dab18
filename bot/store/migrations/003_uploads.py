"""Peewee migrations -- 003_uploads.py: chunked uploads, retakes, integrity events."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add the upload table, answer.retakes_used and interview.events."""

    @migrator.create_model
    class Upload(pw.Model):
        id = pw.CharField(max_length=32, primary_key=True)
        interview = pw.ForeignKeyField(column_name="interview_id", field="id", model=migrator.orm["interview"],
                                       on_delete="CASCADE")
        question_key = pw.CharField(max_length=64)
        mode = pw.CharField(max_length=8)
        mime = pw.CharField(max_length=64)
        retake = pw.BooleanField(default=False)
        status = pw.CharField(default="open", index=True, max_length=8)
        next_seq = pw.IntegerField(default=0)
        size = pw.BigIntegerField(default=0)
        chunk_sha256 = pw.TextField()
        result = pw.TextField(null=True)
        created_at = pw.DateTimeField()
        finished_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "upload"

    migrator.add_fields("answer", retakes_used=pw.IntegerField(default=0))
    migrator.add_fields("interview", events=pw.TextField(default="[]"))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop what migrate added."""
    migrator.remove_fields("interview", "events")
    migrator.remove_fields("answer", "retakes_used")
    migrator.remove_model("upload")
