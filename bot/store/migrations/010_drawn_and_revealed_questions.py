"""Peewee migrations -- 010_drawn_and_revealed_questions.py: how an interview's questions were drawn, and when the
server revealed each question and timed its takes."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add interview.draw and the question_reveal table."""
    # Plain ALTER TABLE … NOT NULL DEFAULT: peewee's SQLite migrator would rebuild the interview table for NOT NULL
    migrator.sql("ALTER TABLE interview ADD COLUMN draw TEXT NOT NULL DEFAULT '{}'")

    @migrator.create_model
    class QuestionReveal(pw.Model):
        id = pw.AutoField()
        interview = pw.ForeignKeyField(column_name="interview_id", field="id", model=migrator.orm["interview"],
                                       on_delete="CASCADE")
        question_key = pw.CharField(max_length=64)
        revealed_at = pw.DateTimeField()
        window_from = pw.DateTimeField()
        first_started_at = pw.DateTimeField(null=True)
        started_at = pw.DateTimeField(null=True)
        ended_at = pw.DateTimeField(null=True)
        takes = pw.IntegerField(default=0)

        class Meta:
            table_name = "question_reveal"
            indexes = ((("interview", "question_key"), True),)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop what migrate added."""
    migrator.remove_model("question_reveal")
    migrator.remove_fields("interview", "draw")
