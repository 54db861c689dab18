"""HR corrects a parsed field: kept beside the parsed value with its span, audited without the value, cleared
by an empty value; a field or entry the résumé lacks is refused with a Chinese reason."""
from __future__ import annotations

import random

import pytest

from bot.resumes.corrections import CorrectionError, correct, effective
from bot.resumes.store import save_resume
from bot.store.models import AuditLog, Candidate, Resume
from tests.bot.resumes.generate import make_spec, to_docx


def test_a_correction_is_kept_beside_the_parsed_value_and_audited(env):
    spec = make_spec(random.Random(31), lang="zh")
    candidate = Candidate.create(name=spec.name)
    row = save_resume(env, candidate, to_docx(spec), "a.docx", "hr").resume
    parsed_school = row.parsed["education"][0]["school"]
    shown = correct(row.id, "education.0.school", "北京大学（医学部）", "hr:li")
    school = shown["education"][0]["school"]
    assert school["value"] == "北京大学（医学部）" and school["corrected"]
    assert school["parsed"] == parsed_school["value"]
    assert (school["start"], school["end"]) == (parsed_school["start"], parsed_school["end"])
    stored = Resume.get_by_id(row.id)
    assert stored.parsed["education"][0]["school"] == parsed_school  # what was read stays as read
    assert stored.corrections["education.0.school"]["by"] == "hr:li"
    audit = AuditLog.get(AuditLog.action == "resume.correct")
    assert audit.detail == {"field": "education.0.school", "cleared": False} and "北京大学" not in str(audit.detail)
    shown = correct(row.id, "name", "", "hr:li")  # clearing a correction that was never made is harmless
    correct(row.id, "education.0.school", "", "hr:li")
    assert Resume.get_by_id(row.id).corrections == {}
    assert effective(stored.parsed, {}) == stored.parsed


@pytest.mark.parametrize(("path", "words"), [("education.9.school", "第 10 条教育经历"), ("salary", "无法修改"),
                                             ("education.0.password", "无法修改")])
def test_a_correction_of_what_is_not_there_is_refused(env, path, words):
    candidate = Candidate.create(name="x")
    row = save_resume(env, candidate, to_docx(make_spec(random.Random(32), lang="zh")), "b.docx", "hr").resume
    with pytest.raises(CorrectionError, match=words):
        correct(row.id, path, "value", "hr:li")
    with pytest.raises(CorrectionError, match="没有这份简历"):
        correct(row.id + 100, "name", "value", "hr:li")
    assert Resume.get_by_id(row.id).corrections == {}
    assert not AuditLog.select().where(AuditLog.action == "resume.correct").exists()
