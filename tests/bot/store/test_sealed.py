"""Personal data sealed in the database: a copy of the database (read with a plain sqlite3 or psycopg2 connection)
holds no name, phone, e-mail, résumé, answer, transcript or report text; lookups by phone, e-mail and name still
work; the migration seals a database filled by the previous schema; rotation; wrong and missing keys."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import sqlite3

import psycopg2
import pytest

NAME, PHONE, EMAIL = "司马相如", "13987654321", "Xiangru.Sima@example.com"
RESUME = "曾在工商银行柜台办理对公开户三年"
TYPED = "我处理过一位客户排队两小时的投诉先道歉再登记"
SPOKEN = "我叫司马相如之前在网点负责理财咨询"
REPORT_WORDS = "沟通耐心主动道歉并给出时限"
NOTE = "二面请追问反洗钱经验"
NEEDLES = [NAME, PHONE, EMAIL, EMAIL.lower(), RESUME, TYPED, SPOKEN, REPORT_WORDS, NOTE, "13987654321"[3:]]


def key(key_id: str) -> str:
    return f"{key_id}:" + base64.b64encode(hashlib.sha256(key_id.encode()).digest()).decode()


def use_keys(monkeypatch, *ids: str) -> None:
    """RECORDING_KEYS as these ids (newest first), as after an operator's restart."""
    from config import settings

    monkeypatch.setenv("RECORDING_KEYS", ",".join(key(i) for i in ids))
    settings.get_settings.cache_clear()


def raw_dump(url: str) -> str:
    """Every row of every table through a plain driver connection: what a stolen copy of the database shows."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    else:
        conn = psycopg2.connect(url)
        cur = conn.cursor()
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [t for (t,) in cur.fetchall()]
    lines = []
    for table in tables:
        cur = conn.cursor()
        cur.execute(f'SELECT * FROM "{table}"')
        lines += [f"{table}: {row}" for row in cur.fetchall()]
    conn.close()
    return "\n".join(lines)


def found_in(url: str) -> list[str]:
    text = raw_dump(url)
    return [n for n in NEEDLES if n in text]


def populate():
    """A candidate with everything the product stores about them: sheet row, answer, transcript, report, note, pool."""
    from bot.store.models import (
        Answer,
        AnswerAnalysis,
        BulkItem,
        BulkRun,
        Candidate,
        Interview,
        Invitation,
        Note,
        PoolProfile,
        Position,
        Report,
        Score,
    )
    from bot.talent.index import profile_terms

    position = Position.get()
    candidate = Candidate.create(name=NAME, phone=PHONE, email=EMAIL, resume=RESUME, source="bulk")
    invitation = Invitation.create(position=position, candidate=candidate, invited_by="hr_li",
                                   expires_at=dt.datetime(2030, 1, 1))
    run = BulkRun.create(position=position, created_by="hr_li", request_key="sheet-1")
    BulkItem.insert_many([{"run": run.id, "row_no": 2, "invitation": invitation.id, "status": "queued",
                           "fields": {"name": NAME, "phone": PHONE, "email": EMAIL, "resume": RESUME},
                           "verdict": {"passed": True, "reasons": []}}]).execute()
    interview = Interview.create(invitation=invitation)
    answer = Answer.create(interview=interview, question_key="intro", ordinal=1, mode="text", text=TYPED)
    AnswerAnalysis.create(answer=answer, source="x", status="scored", document={"transcript": {"text": SPOKEN}})
    Score.create(interview=interview, answer=answer, dimension="communication", value=80,
                 evidence={"quotes": [SPOKEN]})
    Report.create(interview=interview, schema_version="1", total=80, recommendation="recommend",
                  document={"candidate": {"name": NAME}, "highlights": [REPORT_WORDS],
                            "answers": [{"transcript": {"text": SPOKEN}}]})
    Note.create(interview=interview, author="hr_li", text=NOTE)
    text = "\n".join([RESUME, SPOKEN])
    PoolProfile.create(candidate=candidate, text=text, terms=profile_terms(text))
    return candidate


def test_a_copy_of_the_database_holds_no_personal_data(env, db_url):
    from bot.store.models import Answer, AnswerAnalysis, BulkItem, Candidate, Note, PoolProfile, Report, Score
    from bot.talent.index import profile_terms

    candidate = populate()
    assert found_in(db_url) == []
    # the product reads every value back as it was written
    again = Candidate.get_by_id(candidate.id)
    assert (again.name, again.phone, again.email, again.resume) == (NAME, PHONE, EMAIL, RESUME)
    assert BulkItem.get().fields["email"] == EMAIL and BulkItem.get().verdict == {"passed": True, "reasons": []}
    assert Answer.get().text == TYPED and Note.get().text == NOTE
    assert AnswerAnalysis.get().document["transcript"]["text"] == SPOKEN
    assert Score.get().evidence == {"quotes": [SPOKEN]} and Report.get().document["highlights"] == [REPORT_WORDS]
    profile = PoolProfile.get()
    assert profile.text.startswith(RESUME) and profile.terms == profile_terms(profile.text) and profile.terms
    # empty values stay empty, so "has a typed answer" and "has fields" filters keep working
    Answer.create(interview=Answer.get().interview, question_key="q2", ordinal=2, mode="video")
    assert Answer.select().where(Answer.text != "").count() == 1
    assert BulkItem.select().where(BulkItem.fields != {}).count() == 1


def test_lookups_by_phone_email_and_name_find_the_sealed_candidate(env):
    from bot.invitations.invites import find_candidate
    from bot.store.models import BulkItem, Candidate

    candidate = populate()
    other = Candidate.create(name="张三", phone="13800000000", email="zhang@example.com")
    for field, value in [("phone", PHONE), ("phone", "+86 139-8765-4321"), ("email", EMAIL),
                         ("email", " xiangru.sima@EXAMPLE.com"), ("name", NAME)]:
        assert [c.id for c in Candidate.select().where(Candidate.lookup(field, value))] == [candidate.id], value
    assert Candidate.select().where(Candidate.lookup("phone", "13987654320")).count() == 0
    assert Candidate.select().where(Candidate.lookup("phone", "")).count() == 0
    assert find_candidate(NAME).id == candidate.id and find_candidate("张三").id == other.id
    # an update keeps the index in step with the sealed value; erasure's blanking leaves nothing to find
    Candidate.update(phone="13711112222").where(Candidate.id == candidate.id).execute()
    assert Candidate.get(Candidate.lookup("phone", "13711112222")).id == candidate.id
    assert Candidate.select().where(Candidate.lookup("phone", PHONE)).count() == 0
    Candidate.update(name="", phone="", email="").where(Candidate.id == candidate.id).execute()
    assert Candidate.select().where(Candidate.lookup("name", NAME) | Candidate.lookup("email", EMAIL)).count() == 0
    # a sheet row's contacts are findable too (erasure clears rows of other sheets that carry them)
    assert BulkItem.select().where(BulkItem.contact_index.mentions(EMAIL.upper())).count() == 1
    assert BulkItem.select().where(BulkItem.contact_index.mentions("nobody@example.com")).count() == 0


def test_a_value_that_looks_sealed_is_sealed_too(env):
    from bot.store.models import Answer, Candidate, Interview, Invitation, Position

    candidate = Candidate.create(name="x")
    invitation = Invitation.create(position=Position.get(), candidate=candidate, invited_by="hr",
                                   expires_at=dt.datetime(2030, 1, 1))
    forged = "sealed:iVJFQwECazE" + "A" * 40
    answer = Answer.create(interview=Interview.create(invitation=invitation), question_key="q", ordinal=1,
                           mode="text", text=forged)
    assert Answer.get_by_id(answer.id).text == forged


def test_a_value_moved_to_another_column_or_a_missing_key_is_a_clear_error(env, db_url, monkeypatch, capsys):
    from bot.store.db import database
    from bot.store.models import Candidate
    from bot.store.sealing import SealError
    from jobs import cli

    candidate = populate()
    database.execute_sql("UPDATE candidate SET email = name WHERE id = %s".replace("%s", database.param),
                         (candidate.id,))
    with pytest.raises(SealError, match="candidate.email"):
        Candidate.get_by_id(candidate.id)

    use_keys(monkeypatch, "other")  # the keys of another installation, or RECORDING_KEYS lost
    with pytest.raises(SealError, match="not in RECORDING_KEYS"):
        Candidate.get_by_id(candidate.id)
    assert cli.main(["rekey"]) == 2
    assert "candidate row 1: sealed with key" in capsys.readouterr().err


def test_the_migration_seals_a_database_filled_in_plaintext(env, db_url, monkeypatch, tmp_path):
    """Rows written by the schema before 009 (plain) are sealed in place; running it again changes nothing."""
    from bot.store import schema
    from bot.store.db import database, init_database
    from bot.store.models import ALL_MODELS, Answer, BulkItem, Candidate, PoolProfile, Report
    from bot.store.sealed import reseal_all

    database.close()
    if db_url.startswith("sqlite:///"):
        db_url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        database.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    db = init_database(db_url)
    schema.upgrade(db, "008_trust")
    p = db.param
    db.execute_sql(f"INSERT INTO position (slug, title, department, description, think_seconds, answer_seconds, "
                   f"max_retakes, answer_modes, face_analysis, deadline_days, questions, rubric, source_sha256, "
                   f"is_open, updated_at) VALUES ('t', 'T', '', '', 60, 120, 1, '[]', {p}, 7, '[]', '{{}}', '', {p}, "
                   f"'2026-01-01')", (False, True))
    db.execute_sql(f"INSERT INTO candidate (name, phone, email, resume, source, locale, open_kfid, contact_owner, "
                   f"created_at) VALUES ({p}, {p}, {p}, {p}, 'bulk', 'zh-CN', '', '', '2026-01-01')",
                   (NAME, PHONE, EMAIL, RESUME))
    db.execute_sql("INSERT INTO invitation (position_id, candidate_id, invited_by, status, channel, expires_at, "
                   "created_at) VALUES (1, 1, 'hr', 'sent', 'member', '2030-01-01', '2026-01-01')")
    db.execute_sql("INSERT INTO bulk_run (position_id, created_by, filename, status, total_rows, invalid_rows, "
                   "screened_out, request_key, progress_done, created_at) VALUES (1, 'hr', 'a.xlsx', 'done', 1, 0, 0, "
                   "'k', 0, '2026-01-01')")
    db.execute_sql(f"INSERT INTO bulk_item (run_id, row_no, fields, status, reason, invitation_id) VALUES "
                   f"(1, 2, {p}, 'queued', '', 1)", (f'{{"email": "{EMAIL}", "name": "{NAME}", "phone": "{PHONE}"}}',))
    db.execute_sql("INSERT INTO interview (invitation_id, status, questions, face_consent, started_at, events) "
                   f"VALUES (1, 'completed', '[]', {p}, '2026-01-01', '[]')", (False,))
    db.execute_sql(f"INSERT INTO answer (interview_id, question_key, ordinal, mode, text, status, integrity, "
                   f"retakes_used, created_at) VALUES (1, 'intro', 1, 'text', {p}, 'scored', '{{}}', 0, '2026-01-01')",
                   (TYPED,))
    db.execute_sql(f"INSERT INTO report (interview_id, schema_version, document, total, recommendation, created_at) "
                   f"VALUES (1, '1', {p}, 80, 'recommend', '2026-01-01')",
                   (f'{{"highlights": ["{REPORT_WORDS}"], "transcript": "{SPOKEN}"}}',))
    db.execute_sql(f"INSERT INTO pool_profile (candidate_id, text, terms, best_total, last_position, updated_at) "
                   f"VALUES (1, {p}, {p}, 80, 'T', '2026-01-01')", (RESUME, '{"工商银行": 1.0}'))
    assert set(found_in(db_url)) >= {NAME, PHONE, EMAIL, RESUME, TYPED, SPOKEN, REPORT_WORDS}

    assert schema.upgrade(db)[0] == "009_sealed_personal_data"  # and whatever came after it
    assert found_in(db_url) == []
    candidate = Candidate.get()
    assert (candidate.name, candidate.phone, candidate.email, candidate.resume) == (NAME, PHONE, EMAIL, RESUME)
    assert Candidate.get(Candidate.lookup("phone", PHONE)).id == candidate.id
    assert Candidate.get(Candidate.lookup("email", EMAIL)).id == candidate.id
    assert BulkItem.get().fields["phone"] == PHONE and Answer.get().text == TYPED
    assert Report.get().document["transcript"] == SPOKEN and PoolProfile.get().terms == {"工商银行": 1.0}
    assert BulkItem.select().where(BulkItem.contact_index.mentions(PHONE)).count() == 1
    assert sum(reseal_all(db, ALL_MODELS, rekey=False).values()) == 0  # sealed rows are left as they are
    db.close()


def test_rotation_reseals_under_the_new_key_and_old_rows_still_open(env, db_url, monkeypatch, capsys):
    from bot.store.models import BulkItem, Candidate, Report
    from bot.store.sealed import sealed_key_id
    from jobs import cli

    use_keys(monkeypatch, "k1")
    candidate = populate()
    use_keys(monkeypatch, "k2", "k1")  # the new key first, the old one still held
    later = Candidate.create(name="新来的", phone="13600001111")
    assert Candidate.get_by_id(candidate.id).name == NAME  # sealed under k1, opens
    for who, phone in ((candidate, PHONE), (later, "13600001111")):  # indexed under k1 and k2, both found
        assert Candidate.get(Candidate.lookup("phone", phone)).id == who.id

    assert cli.main(["rekey"]) == 0
    out = capsys.readouterr().out
    assert "candidate: 1" in out and "report: 1" in out and "k1 may be dropped" in out
    assert cli.main(["rekey"]) == 0 and "nothing to re-seal" in capsys.readouterr().out
    use_keys(monkeypatch, "k2")  # k1 gone: everything still opens and is still found
    assert found_in(db_url) == []
    assert Candidate.get(Candidate.lookup("phone", PHONE)).name == NAME
    assert Candidate.get(Candidate.lookup("email", EMAIL)).id == candidate.id
    assert BulkItem.get().fields["name"] == NAME and Report.get().document["highlights"] == [REPORT_WORDS]
    text = raw_dump(db_url)
    assert text.count("sealed:") > 10
    from bot.store.db import database

    for (value,) in database.execute_sql("SELECT name FROM candidate").fetchall():
        assert sealed_key_id(value) == "k2"


def test_pages_say_clearly_when_the_keys_cannot_open_the_data(env, client, monkeypatch):
    """RECORDING_KEYS lost or replaced: the candidate's page answers with what is wrong, not a bare internal error."""
    from bot.links import invitation_link
    from bot.store.models import Candidate, Invitation, Position

    candidate = Candidate.create(name=NAME)
    invitation = Invitation.create(position=Position.get(), candidate=candidate, invited_by="hr_li",
                                   expires_at=dt.datetime(2030, 1, 1))
    state = f"/h5/api/{invitation_link(env, invitation).rsplit('/', 1)[1]}/state"
    assert client.get(state).json["candidate"] == NAME

    use_keys(monkeypatch, "other")
    response = client.get(state)
    assert response.status_code == 500 and response.json["code"] == "sealed_data_unreadable"
    assert "RECORDING_KEYS" in response.json["error"] and NAME not in response.get_data(as_text=True)
