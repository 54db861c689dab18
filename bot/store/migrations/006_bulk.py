"""Peewee migrations -- 006_bulk.py: bulk invitation runs and their rows."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add bulk_run and bulk_item; invitations remember the run that made them; candidates indexed by contact."""

    @migrator.create_model
    class BulkRun(pw.Model):
        id = pw.AutoField()
        position = pw.ForeignKeyField(column_name="position_id", field="id", model=migrator.orm["position"],
                                      on_delete="CASCADE")
        created_by = pw.CharField(max_length=64)
        filename = pw.CharField(max_length=128, default="")
        status = pw.CharField(max_length=12, default="running", index=True)
        total_rows = pw.IntegerField(default=0)
        invalid_rows = pw.IntegerField(default=0)
        screened_out = pw.IntegerField(default=0)
        request_key = pw.CharField(max_length=191, unique=True)
        progress_at = pw.DateTimeField(null=True)
        progress_done = pw.IntegerField(default=0)
        created_at = pw.DateTimeField()
        finished_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "bulk_run"

    @migrator.create_model
    class BulkItem(pw.Model):
        id = pw.AutoField()
        run = pw.ForeignKeyField(column_name="run_id", field="id", model=migrator.orm["bulk_run"], on_delete="CASCADE")
        row_no = pw.IntegerField()
        fields = pw.TextField()
        verdict = pw.TextField(null=True)
        status = pw.CharField(max_length=12, default="pending")
        reason = pw.CharField(max_length=255, default="")
        invitation = pw.ForeignKeyField(column_name="invitation_id", field="id", model=migrator.orm["invitation"],
                                        null=True, on_delete="SET NULL")

        class Meta:
            table_name = "bulk_item"
            indexes = ((("run", "status"), False), (("run", "row_no"), True))

    migrator.add_index("candidate", "phone")
    migrator.add_index("candidate", "email")
    migrator.add_fields("invitation", bulk_run=pw.ForeignKeyField(
        column_name="bulk_run_id", field="id", model=migrator.orm["bulk_run"], null=True, on_delete="SET NULL"))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop what migrate added."""
    migrator.remove_fields("invitation", "bulk_run")
    migrator.drop_index("candidate", "email")
    migrator.drop_index("candidate", "phone")
    migrator.remove_model("bulk_item")
    migrator.remove_model("bulk_run")
