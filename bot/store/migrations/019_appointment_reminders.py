"""Peewee migrations -- 019_appointment_reminders.py: when the day-before reminder of a second round went out
(bot/decisions/reminders.py claims it by setting appointment.reminded_at; a move clears it)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add appointment.reminded_at."""
    # Plain ADD COLUMN: peewee's SQLite migrator would rebuild the appointment table
    migrator.sql("ALTER TABLE appointment ADD COLUMN reminded_at TIMESTAMP NULL")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop what migrate added."""
    migrator.sql("ALTER TABLE appointment DROP COLUMN reminded_at")
