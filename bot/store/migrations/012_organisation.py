"""Peewee migrations -- 012_organisation.py: organisation units (总行 → 分行 → 支行, or departments) with their
members by role, a position's unit, its team and its lifecycle state. Existing positions stay at the root (no
unit) and keep their open or closed state; the global role lists keep working as the root unit's team."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add org_unit, unit_member and position_member; position.status and position.unit_id; api_token.unit_id."""

    @migrator.create_model
    class OrgUnit(pw.Model):
        id = pw.AutoField()
        code = pw.CharField(max_length=64, unique=True)
        name = pw.CharField(max_length=64)
        parent = pw.ForeignKeyField(column_name="parent_id", field="id", model="self", null=True,
                                    on_delete="CASCADE")
        wecom_department_id = pw.IntegerField(null=True)
        source = pw.CharField(max_length=16, default="file")
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "org_unit"

    @migrator.create_model
    class UnitMember(pw.Model):
        id = pw.AutoField()
        unit = pw.ForeignKeyField(column_name="unit_id", field="id", model=migrator.orm["org_unit"],
                                  on_delete="CASCADE")
        userid = pw.CharField(max_length=64, index=True)
        role = pw.CharField(max_length=16)
        source = pw.CharField(max_length=16, default="file")

        class Meta:
            table_name = "unit_member"
            indexes = ((("unit", "userid", "role"), True),)

    @migrator.create_model
    class PositionMember(pw.Model):
        id = pw.AutoField()
        position = pw.ForeignKeyField(column_name="position_id", field="id", model=migrator.orm["position"],
                                      on_delete="CASCADE")
        userid = pw.CharField(max_length=64, index=True)
        role = pw.CharField(max_length=16)
        added_by = pw.CharField(max_length=64, default="")
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "position_member"
            indexes = ((("position", "userid", "role"), True),)

    # Plain ADD COLUMNs: peewee's SQLite migrator would otherwise rebuild the position table
    migrator.sql("ALTER TABLE position ADD COLUMN status VARCHAR(12) NOT NULL DEFAULT 'open'")
    migrator.sql("ALTER TABLE position ADD COLUMN unit_id INTEGER REFERENCES org_unit (id) ON DELETE SET NULL")
    migrator.sql("UPDATE position SET status = 'closed' WHERE NOT is_open")
    migrator.sql("CREATE INDEX position_unit_id ON position (unit_id)")
    # a token bound to a unit sees its subtree; no unit: everything, as every token did before
    migrator.sql("ALTER TABLE api_token ADD COLUMN unit_id INTEGER REFERENCES org_unit (id)")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop what migrate added."""
    migrator.sql("DROP INDEX position_unit_id")
    migrator.remove_fields("api_token", "unit_id")
    migrator.remove_fields("position", "status", "unit_id")
    migrator.remove_model("position_member")
    migrator.remove_model("unit_member")
    migrator.remove_model("org_unit")
