"""Peewee migrations -- 007_pool_api.py: HR notes, the talent pool, API tokens and webhooks."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add note, pool_profile, api_token, webhook, webhook_delivery; candidates' résumé and pool eligibility."""
    # indexed: every pool search excludes withdrawn candidates and those past their retention date
    migrator.add_fields("candidate", resume=pw.TextField(default=""),
                        withdrawn_at=pw.DateTimeField(null=True, index=True),
                        retain_until=pw.DateTimeField(null=True, index=True))
    migrator.add_fields("position", pool_matched_at=pw.DateTimeField(null=True))

    @migrator.create_model
    class Note(pw.Model):
        id = pw.AutoField()
        interview = pw.ForeignKeyField(column_name="interview_id", field="id", model=migrator.orm["interview"],
                                       on_delete="CASCADE")
        author = pw.CharField(max_length=64)
        text = pw.TextField()
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "note"

    @migrator.create_model
    class PoolProfile(pw.Model):
        id = pw.AutoField()
        candidate = pw.ForeignKeyField(column_name="candidate_id", field="id", model=migrator.orm["candidate"],
                                       unique=True, on_delete="CASCADE")
        text = pw.TextField(default="")
        terms = pw.TextField(default="{}")
        best_total = pw.FloatField(default=0.0)
        last_position = pw.CharField(max_length=64, default="")
        updated_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "pool_profile"

    @migrator.create_model
    class ApiToken(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=64, unique=True)
        token_hash = pw.CharField(max_length=64, unique=True)
        role = pw.CharField(max_length=16, default="masked")
        created_by = pw.CharField(max_length=64, default="")
        created_at = pw.DateTimeField()
        last_used_at = pw.DateTimeField(null=True)
        revoked_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "api_token"

    @migrator.create_model
    class Webhook(pw.Model):
        id = pw.AutoField()
        url = pw.CharField(max_length=512)
        events = pw.TextField(default="[]")
        secret = pw.CharField(max_length=64)
        token = pw.ForeignKeyField(column_name="token_id", field="id", model=migrator.orm["api_token"],
                                   on_delete="CASCADE")
        active = pw.BooleanField(default=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "webhook"

    @migrator.create_model
    class WebhookDelivery(pw.Model):
        id = pw.AutoField()
        webhook = pw.ForeignKeyField(column_name="webhook_id", field="id", model=migrator.orm["webhook"],
                                     on_delete="CASCADE")
        event = pw.CharField(max_length=32)
        event_key = pw.CharField(max_length=128)
        payload = pw.TextField()
        state = pw.CharField(max_length=12, default="pending", index=True)
        attempts = pw.IntegerField(default=0)
        last_error = pw.TextField(default="")
        created_at = pw.DateTimeField()
        delivered_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "webhook_delivery"
            indexes = ((("webhook", "event_key"), True),)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop what migrate added."""
    migrator.remove_model("webhook_delivery")
    migrator.remove_model("webhook")
    migrator.remove_model("api_token")
    migrator.remove_model("pool_profile")
    migrator.remove_model("note")
    migrator.remove_fields("position", "pool_matched_at")
    migrator.remove_fields("candidate", "resume", "withdrawn_at", "retain_until")
