"""Peewee migrations -- 011_position_versions.py: a position's saved versions, and the version each interview was
asked. Every existing position gets version 1 from its current values."""

import json

import peewee as pw
from peewee_migrate import Migrator

from bot.clock import utcnow

FIELDS = ("slug", "title", "department", "description", "think_seconds", "answer_seconds", "max_retakes",
          "answer_modes", "face_analysis", "deadline_days", "questions", "rubric")
JSON_FIELDS = ("answer_modes", "questions", "rubric")
INTEGER_FIELDS = ("think_seconds", "answer_seconds", "max_retakes", "deadline_days")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add the position_version table and interview.position_version; give each position its version 1."""

    @migrator.create_model
    class PositionVersion(pw.Model):
        id = pw.AutoField()
        position = pw.ForeignKeyField(column_name="position_id", field="id", model=migrator.orm["position"],
                                      on_delete="CASCADE")
        number = pw.IntegerField()
        document = pw.TextField()
        author = pw.CharField(max_length=64)
        source = pw.CharField(max_length=16)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "position_version"
            indexes = ((("position", "number"), True),)

    # A plain nullable ADD COLUMN: peewee's SQLite migrator would otherwise rebuild the interview table
    migrator.sql("ALTER TABLE interview ADD COLUMN position_version INTEGER")
    migrator.run(_first_versions, database)


def _document(row: dict) -> dict:
    """The row's values shaped as the catalog saves them (JSON columns decoded, booleans and numbers typed)."""
    doc = {name: row[name] for name in FIELDS}
    for name in JSON_FIELDS:
        doc[name] = json.loads(doc[name]) if doc[name] is not None else None
    for name in INTEGER_FIELDS:
        doc[name] = int(doc[name])
    doc["face_analysis"] = bool(doc["face_analysis"])
    return doc


def _first_versions(database: pw.Database) -> None:
    cursor = database.execute_sql(f"SELECT id, updated_at, {', '.join(FIELDS)} FROM position ORDER BY id")
    names = [column[0] for column in cursor.description]
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        document = json.dumps(_document(row), ensure_ascii=False, sort_keys=True)
        database.execute_sql(
            "INSERT INTO position_version (position_id, number, document, author, source, created_at) "
            "VALUES (%s, 1, %s, 'migration', 'migration', %s)".replace("%s", database.param),
            (row["id"], document, row["updated_at"] or utcnow()))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop what migrate added."""
    migrator.remove_fields("interview", "position_version")
    migrator.remove_model("position_version")
