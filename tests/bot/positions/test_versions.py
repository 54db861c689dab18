"""A position's versions: a change adds the next number with its author and an audit row, an unchanged save adds
none, the migration gives every existing position its version 1, and two versions diff field by field."""
from __future__ import annotations

import copy
import json

import pytest

from bot.positions import versions
from bot.positions.catalog import POSITIONS_DIR, parse_position, parse_position_doc, save_position
from bot.positions.templates import create_from_template
from bot.store import schema
from bot.store.db import init_database
from bot.store.models import AuditLog, Position, PositionVersion


def _teller(**changes) -> dict:
    """The shipped teller's values with changes, digested as the API digests a document."""
    values = copy.deepcopy(parse_position(POSITIONS_DIR / "teller.yaml"))
    values.update(changes)
    values["source_sha256"] = str(hash(json.dumps(values, sort_keys=True, ensure_ascii=False)))
    return values


def test_a_change_adds_a_version_an_unchanged_save_none(env):
    teller = Position.get(Position.slug == "teller")
    [first] = versions.history(teller)
    assert (first.number, first.author, first.source) == (1, "seed", "file")
    assert save_position(parse_position(POSITIONS_DIR / "teller.yaml")) == "unchanged"
    questions = copy.deepcopy(teller.questions)
    questions[1]["text"] = "一位客户情绪激动地投诉，您会怎么做？"
    assert save_position(_teller(questions=questions), author="api:hris", source="api") == "updated"
    assert save_position(_teller(questions=questions, think_seconds=90), author="api:hris", source="api") \
        == "unchanged"  # another digest, the same values: no version
    assert [(v.number, v.author, v.source) for v in versions.history(teller)] == [(2, "api:hris", "api"),
                                                                                 (1, "seed", "file")]
    assert versions.current_number(teller) == 2
    assert versions.version(teller, 2).document["questions"][1]["text"] == "一位客户情绪激动地投诉，您会怎么做？"
    audit = AuditLog.select().where(AuditLog.action == "position.version").order_by(AuditLog.id)
    assert [(a.actor, a.detail["number"]) for a in audit] == [("seed", 1), ("api:hris", 2)]


def test_the_diff_names_each_changed_field_and_nothing_else(env):
    teller = Position.get(Position.slug == "teller")
    questions = copy.deepcopy(teller.questions)
    questions[0]["text"] = "请简单介绍 <b>自己</b>。"
    save_position(_teller(questions=questions, description="新的介绍"), author="hr_li", source="api")
    changes = versions.diff(versions.version(teller, 1), versions.version(teller, 2))
    assert [c["field"] for c in changes] == ["description", "questions"]
    lines = changes[1]["lines"]
    assert any(line.startswith("+") and "请简单介绍 <b>自己</b>。" in line for line in lines)
    assert any(line.startswith("-") and teller.questions[0]["text"] in line for line in lines)
    assert versions.diff(versions.version(teller, 2), versions.version(teller, 2)) == []


def test_a_template_copy_is_version_one_by_its_actor(env):
    position = create_from_template("bank-teller", slug="teller-bj", title="柜员（北京）", actor="hr_li")
    [first] = versions.history(position)
    assert (first.number, first.author, first.source) == (1, "hr_li", "template")


@pytest.mark.bare_database  # the migrations themselves, from an empty database
def test_the_migration_gives_existing_positions_version_one(db_url, tmp_path, monkeypatch):
    from config import settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    settings.get_settings.cache_clear()
    db = init_database(db_url)
    schema.upgrade(db, "010_drawn_and_revealed_questions")
    values = parse_position(POSITIONS_DIR / "teller.yaml")
    db.execute_sql(
        "INSERT INTO position (slug, title, department, description, think_seconds, answer_seconds, max_retakes, "
        "answer_modes, face_analysis, deadline_days, questions, rubric, source_sha256, is_open, updated_at) VALUES "
        "({})".format(", ".join([db.param] * 15)),
        (values["slug"], values["title"], values["department"], values["description"], values["think_seconds"],
         values["answer_seconds"], values["max_retakes"], json.dumps(values["answer_modes"]),
         values["face_analysis"], values["deadline_days"], json.dumps(values["questions"], ensure_ascii=False),
         json.dumps(values["rubric"], ensure_ascii=False), values["source_sha256"], True, "2026-01-01 00:00:00"))
    assert schema.upgrade(db)[0] == "011_position_versions"
    [first] = PositionVersion.select()
    assert (first.number, first.source) == (1, "migration")
    assert first.document == versions.document_of(values)
    assert save_position(values) == "unchanged" and versions.current_number(first.position) == 1
    db.close()
    settings.get_settings.cache_clear()


def test_the_versioned_document_leaves_out_the_digest_and_the_open_state():
    values = parse_position_doc({"slug": "x", "title": "y", "questions": [{"key": "a", "text": "t"}]}, "x", "d")
    assert set(versions.document_of(values)) == set(versions.FIELDS)
    assert "source_sha256" not in versions.document_of(values) and "is_open" not in versions.FIELDS
