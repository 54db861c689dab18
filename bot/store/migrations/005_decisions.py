"""Peewee migrations -- 005_decisions.py: HR decisions, appointments, candidate channels and locale."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add decision and appointment tables; a candidate's locale and reach; an invitation's reminder time."""

    @migrator.create_model
    class Decision(pw.Model):
        id = pw.AutoField()
        interview = pw.ForeignKeyField(column_name="interview_id", field="id", model=migrator.orm["interview"],
                                       on_delete="CASCADE", unique=True)
        outcome = pw.CharField(max_length=8)
        decided_by = pw.CharField(max_length=64)
        decided_at = pw.DateTimeField()
        held_by = pw.CharField(max_length=64, default="")
        held_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "decision"

    @migrator.create_model
    class Appointment(pw.Model):
        id = pw.AutoField()
        invitation = pw.ForeignKeyField(column_name="invitation_id", field="id", model=migrator.orm["invitation"],
                                        on_delete="CASCADE")
        kind = pw.CharField(max_length=16)
        starts_at = pw.DateTimeField()
        ends_at = pw.DateTimeField(null=True)
        place = pw.CharField(max_length=128, default="")
        contact = pw.CharField(max_length=128, default="")
        status = pw.CharField(max_length=12, default="scheduled")
        updated_by = pw.CharField(max_length=64, default="")
        version = pw.IntegerField(default=1)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "appointment"
            indexes = ((("invitation", "kind"), True),)

    migrator.add_fields(
        "candidate",
        locale=pw.CharField(max_length=8, default="zh-CN"),
        open_kfid=pw.CharField(max_length=64, default=""),
        contact_owner=pw.CharField(max_length=64, default=""),
    )
    migrator.add_fields("invitation", reminded_at=pw.DateTimeField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop what migrate added."""
    migrator.remove_fields("invitation", "reminded_at")
    migrator.remove_fields("candidate", "locale", "open_kfid", "contact_owner")
    migrator.remove_model("appointment")
    migrator.remove_model("decision")
