"""Peewee migrations -- 008_trust.py: consent records, erasure requests, encrypted recordings, retention marks."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add consent and erasure_request; the key that sealed a recording; when a candidate was erased."""
    migrator.add_fields("recording", key_id=pw.CharField(max_length=32, default=""))
    migrator.add_fields("candidate", erased_at=pw.DateTimeField(null=True, index=True))
    migrator.add_fields("interview", media_purged_at=pw.DateTimeField(null=True, index=True))

    @migrator.create_model
    class Consent(pw.Model):
        id = pw.AutoField()
        interview = pw.ForeignKeyField(column_name="interview_id", field="id", model=migrator.orm["interview"],
                                       on_delete="CASCADE")
        kind = pw.CharField(max_length=16)
        version = pw.CharField(max_length=16)
        text_sha256 = pw.CharField(max_length=64)
        given_at = pw.DateTimeField()
        withdrawn_at = pw.DateTimeField(null=True)
        ip = pw.CharField(max_length=64, default="")
        user_agent = pw.CharField(max_length=256, default="")

        class Meta:
            table_name = "consent"
            indexes = ((("interview", "kind", "version"), True),)

    @migrator.create_model
    class ErasureRequest(pw.Model):
        id = pw.AutoField()
        candidate = pw.ForeignKeyField(column_name="candidate_id", field="id", model=migrator.orm["candidate"],
                                       null=True, on_delete="SET NULL")
        source = pw.CharField(max_length=16)
        requested_by = pw.CharField(max_length=64, default="")
        request_key = pw.CharField(max_length=191, unique=True)
        state = pw.CharField(max_length=12, default="pending", index=True)
        requested_at = pw.DateTimeField()
        completed_at = pw.DateTimeField(null=True)
        summary = pw.TextField(default="{}")

        class Meta:
            table_name = "erasure_request"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop what migrate added."""
    migrator.remove_model("erasure_request")
    migrator.remove_model("consent")
    migrator.remove_fields("interview", "media_purged_at")
    migrator.remove_fields("candidate", "erased_at")
    migrator.remove_fields("recording", "key_id")
