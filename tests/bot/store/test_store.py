"""The data model: migrations upgrade in place, positions load from YAML, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest

from bot.positions.catalog import PositionFileError, parse_position, sync_positions
from bot.store import schema
from bot.store.db import init_database
from bot.store.schema import MIGRATIONS_DIR


@pytest.mark.bare_database  # the migrations themselves, from an empty database
def test_upgrade_keeps_existing_rows(db_url, tmp_path, monkeypatch):
    """Every row survives, the ones that reference a changed table too (SQLite rebuilds a table to change it)."""
    from config import settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))  # its generated recording key seals the name (009)
    settings.get_settings.cache_clear()
    db = init_database(db_url)
    assert schema.upgrade(db, "001_initial") == ["001_initial"]
    db.execute_sql("INSERT INTO candidate (name, wecom_userid, phone, email, source, created_at) "
                   "VALUES ('张三', 'zhangsan', '', '', 'chat', '2026-01-01 00:00:00')")
    db.execute_sql("INSERT INTO position (slug, title, department, description, think_seconds, answer_seconds, "
                   "max_retakes, answer_modes, face_analysis, deadline_days, questions, rubric, source_sha256, "
                   "is_open, updated_at) VALUES ('t', 'T', '', '', 60, 120, 1, '[]', FALSE, 7, '[]', '{}', '', TRUE, "
                   "'2026-01-01')")
    db.execute_sql("INSERT INTO invitation (position_id, candidate_id, invited_by, status, channel, expires_at, "
                   "created_at) VALUES (1, 1, 'hr', 'sent', 'member', '2030-01-01', '2026-01-01')")
    db.execute_sql("INSERT INTO interview (invitation_id, status, questions, face_consent, started_at) "
                   "VALUES (1, 'completed', '[]', FALSE, '2026-01-01')")
    db.execute_sql("INSERT INTO outbound_message (idempotency_key, channel, recipient, msgtype, payload, purpose, "
                   "state, attempts, last_error, wecom_msgid, response_code, created_at) VALUES "
                   "('k1', 'member', 'zhangsan', 'text', '{}', 'reply', 'sent', 1, '', 'm1', '', '2026-01-01')")
    assert "lease_until" not in {c.name for c in db.get_columns("outbound_message")}

    applied = schema.upgrade(db)
    assert applied[:11] == ["002_delivery_lease", "003_uploads", "004_analysis", "005_decisions", "006_bulk",
                            "007_pool_api", "008_trust", "009_sealed_personal_data",
                            "010_drawn_and_revealed_questions", "011_position_versions", "012_organisation"]
    assert applied == sorted(p.stem for p in MIGRATIONS_DIR.glob("0*.py"))[1:]  # and every later one, in order
    from bot.store.models import Candidate, Interview, Invitation, OutboundMessage, Position

    assert Candidate.get(Candidate.wecom_userid == "zhangsan").name == "张三"
    assert Invitation.select().count() == Interview.select().count() == 1
    assert Interview.get().draw == {} and "question_reveal" in db.get_tables()  # an old interview asked all
    old = Position.get()
    assert (old.status, old.unit) == ("open", None)  # an open position stays open, at the root unit
    message = OutboundMessage.get(OutboundMessage.idempotency_key == "k1")
    assert message.state == "sent" and message.lease_until is None
    assert schema.pending(db) == [] and schema.upgrade(db) == []
    db.close()
    settings.get_settings.cache_clear()


def test_positions_seed_is_idempotent_and_updates_in_place(db_url, tmp_path):
    db = init_database(db_url)
    schema.upgrade(db)
    from bot.store.models import Position

    assert sync_positions() == ["柜员"]
    assert sync_positions() == []
    teller = Position.get(Position.slug == "teller")
    assert len(teller.questions) == 6 and teller.think_seconds == 90
    assert all(q["rubric"] for q in teller.questions)

    folder = tmp_path / "positions"
    folder.mkdir()
    from bot.positions.catalog import POSITIONS_DIR

    text = (POSITIONS_DIR / "teller.yaml").read_text().replace("think_seconds: 90", "think_seconds: 120")
    (folder / "teller.yaml").write_text(text)
    assert sync_positions(folder) == ["柜员"]
    assert Position.get_by_id(teller.id).think_seconds == 120
    db.close()


@pytest.mark.parametrize("text, words", [
    ("slug: x\ntitle: y\n", "missing 'questions'"),
    ("slug: x\ntitle: y\nquestions: []\n", "non-empty"),
    ("slug: x\ntitle: y\nquestions:\n  - {key: a, text: t}\n  - {key: a, text: u}\n", "repeated"),
    ("slug: x\ntitle: y\nanswer_modes: [hologram]\nquestions:\n  - {key: a, text: t}\n", "answer_modes"),
    ("[unclosed", "not valid YAML"),
])
def test_bad_position_files_name_the_problem(tmp_path, text, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(PositionFileError, match=words):
        parse_position(path)


def test_json_and_dates_round_trip(db_url):
    db = init_database(db_url)
    schema.upgrade(db)
    from bot.clock import utcnow
    from bot.store.models import AuditLog

    now = utcnow()
    row = AuditLog.create(actor="hr_li", action="invite", detail={"岗位": "柜员", "n": [1, 2]}, created_at=now)
    again = AuditLog.get_by_id(row.id)
    assert again.detail == {"岗位": "柜员", "n": [1, 2]}
    assert abs(again.created_at - now) < dt.timedelta(seconds=1)
    db.close()
