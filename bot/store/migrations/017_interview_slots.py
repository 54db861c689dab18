"""Peewee migrations -- 017_interview_slots.py: second-round times interviewers publish for a position
(bot/decisions/slots.py), and which one a candidate's second round was booked into."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create interview_slot; add appointment.slot_id."""

    @migrator.create_model
    class InterviewSlot(pw.Model):
        id = pw.AutoField()
        position = pw.ForeignKeyField(column_name="position_id", field="id", model=migrator.orm["position"],
                                      on_delete="CASCADE")
        interviewer = pw.CharField(max_length=64, index=True)
        starts_at = pw.DateTimeField(index=True)
        ends_at = pw.DateTimeField()
        place = pw.CharField(max_length=128, default="")
        capacity = pw.IntegerField(default=1)
        created_by = pw.CharField(max_length=64, default="")
        created_at = pw.DateTimeField()
        cancelled_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "interview_slot"

    # Plain ADD COLUMN: peewee's SQLite migrator would rebuild the appointment table
    migrator.sql("ALTER TABLE appointment ADD COLUMN slot_id INTEGER REFERENCES interview_slot (id) "
                 "ON DELETE SET NULL")
    migrator.sql("CREATE INDEX appointment_slot_id ON appointment (slot_id)")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop what migrate added."""
    migrator.sql("DROP INDEX appointment_slot_id")
    migrator.sql("ALTER TABLE appointment DROP COLUMN slot_id")
    migrator.remove_model("interview_slot")
