"""Peewee migrations -- 004_analysis.py: each answer's analysis (transcript, signals, scores)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add the answer_analysis table; widen report.recommendation for its keys (recommend/consider/reject)."""

    @migrator.create_model
    class AnswerAnalysis(pw.Model):
        id = pw.AutoField()
        answer = pw.ForeignKeyField(column_name="answer_id", field="id", model=migrator.orm["answer"],
                                    on_delete="CASCADE", unique=True)
        source = pw.CharField(max_length=64)
        status = pw.CharField(max_length=16)
        reason = pw.CharField(max_length=16, null=True)
        total = pw.FloatField(default=0.0)
        document = pw.TextField()
        seconds = pw.FloatField(default=0.0)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "answer_analysis"

    migrator.change_fields("report", recommendation=pw.CharField(max_length=16))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop what migrate added."""
    migrator.change_fields("report", recommendation=pw.CharField(max_length=8))
    migrator.remove_model("answer_analysis")
