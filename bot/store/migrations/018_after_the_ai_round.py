"""Peewee migrations -- 018_after_the_ai_round.py: what follows the AI round -- interviewers' second-round
scorecards, the final decision (录用 / 不录用 / 待定), the offer and the hire, post-hire performance, and the
attributes candidates may declare for the fairness report."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create scorecard, round_decision, hire, performance_record, self_declared."""

    @migrator.create_model
    class Scorecard(pw.Model):
        id = pw.AutoField()
        invitation = pw.ForeignKeyField(column_name="invitation_id", field="id", model=migrator.orm["invitation"],
                                        on_delete="CASCADE")
        interviewer = pw.CharField(max_length=64, index=True)
        ratings = pw.TextField(default="{}")
        notes = pw.TextField(default="")
        shareable = pw.BooleanField(default=False)
        recommendation = pw.CharField(max_length=8, default="")
        submitted_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "scorecard"
            indexes = ((("invitation", "interviewer"), True),)

    @migrator.create_model
    class RoundDecision(pw.Model):
        id = pw.AutoField()
        invitation = pw.ForeignKeyField(column_name="invitation_id", field="id", model=migrator.orm["invitation"],
                                        on_delete="CASCADE", unique=True)
        outcome = pw.CharField(max_length=8)
        decided_by = pw.CharField(max_length=64)
        decided_at = pw.DateTimeField()
        held_by = pw.CharField(max_length=64, default="")
        held_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "round_decision"

    @migrator.create_model
    class Hire(pw.Model):
        id = pw.AutoField()
        invitation = pw.ForeignKeyField(column_name="invitation_id", field="id", model=migrator.orm["invitation"],
                                        on_delete="CASCADE", unique=True)
        status = pw.CharField(max_length=12, index=True)
        offered_at = pw.DateTimeField()
        responded_at = pw.DateTimeField(null=True)
        hired_on = pw.DateField(null=True)
        unit = pw.ForeignKeyField(column_name="unit_id", field="id", model=migrator.orm["org_unit"], null=True,
                                  on_delete="SET NULL")
        employee_id = pw.TextField(default="")
        employee_index = pw.CharField(max_length=32, default="", index=True)
        updated_by = pw.CharField(max_length=64, default="")
        updated_at = pw.DateTimeField()
        version = pw.IntegerField(default=1)

        class Meta:
            table_name = "hire"

    @migrator.create_model
    class PerformanceRecord(pw.Model):
        id = pw.AutoField()
        hire = pw.ForeignKeyField(column_name="hire_id", field="id", model=Hire, on_delete="CASCADE")
        period = pw.CharField(max_length=32)
        score = pw.FloatField()
        rating = pw.CharField(max_length=16, default="")
        kpis = pw.TextField(default="{}")
        source = pw.CharField(max_length=8, default="hr")
        imported_by = pw.CharField(max_length=64, default="")
        imported_at = pw.DateTimeField()

        class Meta:
            table_name = "performance_record"
            indexes = ((("hire", "period"), True),)

    @migrator.create_model
    class SelfDeclared(pw.Model):
        id = pw.AutoField()
        interview = pw.ForeignKeyField(column_name="interview_id", field="id", model=migrator.orm["interview"],
                                       on_delete="CASCADE", unique=True)
        attributes = pw.TextField(default="")
        declared_at = pw.DateTimeField()

        class Meta:
            table_name = "self_declared"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop what migrate added."""
    for name in ("self_declared", "performance_record", "hire", "round_decision", "scorecard"):
        migrator.remove_model(name)
