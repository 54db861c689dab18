"""A résumé kept as personal data: the file sealed in the store, its text and fields sealed in the row, the same
file kept once; erasure and the retention job delete file and row. Real database, real store on disk."""
from __future__ import annotations

import datetime as dt
import logging
import random

from bot.clock import utcnow
from bot.privacy import erasure, retention
from bot.resumes.store import folder, open_file, save_resume
from bot.store.db import database
from bot.store.models import Candidate, Resume
from bot.store.sealed import is_sealed_value
from bot.store.storage import get_storage
from tests.bot.resumes.generate import make_spec, to_docx, to_pdf


def raw_row(resume_id: int) -> dict:
    cursor = database.execute_sql("SELECT * FROM resume WHERE id = " + str(int(resume_id)))
    return dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))


def test_a_resume_is_stored_sealed_and_read_back(env, caplog):
    caplog.set_level(logging.DEBUG)
    spec = make_spec(random.Random(21), lang="zh")
    data = to_pdf(spec)
    candidate = Candidate.create(name=spec.name, phone=spec.phone)
    saved = save_resume(env, candidate, data, f"{spec.name}.pdf", "api")
    assert saved.outcome.ok and not saved.duplicate
    row = Resume.get_by_id(saved.resume.id)
    assert row.parsed["name"]["value"] == spec.name and spec.email in row.text
    assert (row.mime, row.size, row.source) == ("application/pdf", len(data), "api")
    assert row.path.startswith(folder(candidate.id)) and row.key_id
    raw = raw_row(row.id)
    assert all(is_sealed_value(raw[c]) for c in ("text", "parsed", "filename"))
    assert raw["corrections"] == "{}"
    stored = get_storage(env).read_raw(row.path)
    assert data not in stored and spec.name.encode() not in stored and open_file(env, row) == data
    again = save_resume(env, candidate, data, "again.pdf", "hr")
    assert again.duplicate and again.resume.id == row.id and Resume.select().count() == 1
    assert spec.name not in caplog.text and spec.email not in caplog.text  # never logged


def test_a_refused_file_keeps_nothing(env):
    candidate = Candidate.create(name="赵六")
    saved = save_resume(env, candidate, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "简历.doc", "bulk")
    assert saved.resume is None and saved.outcome.code == "old_word"
    assert Resume.select().count() == 0 and get_storage(env).list(folder(candidate.id)) == []


def test_erasure_deletes_resume_files_and_rows(env):
    spec = make_spec(random.Random(22), lang="zh")
    candidate = Candidate.create(name=spec.name, phone=spec.phone)
    other = Candidate.create(name="别人")
    mine = [save_resume(env, candidate, data, name, "api").resume
            for data, name in ((to_pdf(spec), "a.pdf"), (to_docx(spec), "b.docx"))]
    theirs = save_resume(env, other, to_pdf(make_spec(random.Random(23))), "c.pdf", "api").resume
    store = get_storage(env)
    store.put(f"{folder(candidate.id)}orphan.pdf", b"a save cut short")  # a file whose row was never written
    request = erasure.erase(candidate.id, "hr", "admin", "hr:resume-test")
    assert request.summary["resumes"] == 2
    assert Resume.select().where(Resume.candidate == candidate.id).count() == 0
    assert all(not store.exists(r.path) for r in mine) and store.list(folder(candidate.id)) == []
    assert store.exists(theirs.path) and Resume.get_by_id(theirs.id)


def test_retention_deletes_the_resumes_of_inactive_and_erased_candidates(env):
    old = Candidate.create(name="钱七", created_at=utcnow() - dt.timedelta(days=env.personal_data_retention_days + 5))
    kept = save_resume(env, old, to_pdf(make_spec(random.Random(24))), "old.pdf", "bulk").resume
    counts = retention.apply_retention()
    assert counts["candidates_erased"] == 1
    assert Resume.select().count() == 0 and not get_storage(env).exists(kept.path)
    # a résumé that reached a candidate after their erasure (a bulk run still under way) goes on the next run
    erased = Candidate.get_by_id(old.id)
    late = save_resume(env, erased, to_docx(make_spec(random.Random(25))), "late.docx", "bulk").resume
    assert retention.apply_retention() == {"late_resumes": 1}
    assert not get_storage(env).exists(late.path) and Resume.select().count() == 0
