"""Peewee migrations -- 004_analysis.py: each answer's analysis (transcript, signals, scores)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add the answer_analysis table."""

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


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop what migrate added."""
    migrator.remove_model("answer_analysis")
