"""Field accuracy over 200+ generated résumés (PDF and DOCX, Chinese and English, one and two pages, tables and
two columns): every field the parser returns is compared with what was written, and its span with the text."""
from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter

import pytest

from bot.resumes.intake import read_resume
from bot.resumes.model import Resume
from tests.bot.resumes.generate import corpus

TODAY = dt.date(2026, 12, 6)
TARGET = 0.95
CANONICAL = {"CPA": "注册会计师"}
MEASURED = ("name", "phone", "email", "school", "degree", "employer", "dates")


def ym(when) -> str:
    return "present" if when is None else f"{when[0]}-{when[1]:02d}"


@pytest.fixture(scope="session")
def parsed():
    """The generated set, written and read once per session (in memory)."""
    return [(spec, name, read_resume(data, name, TODAY)) for spec, name, data in corpus(210)]


def test_field_accuracy_over_generated_resumes(parsed):
    right, total, wrong = Counter(), Counter(), []

    def check(field, want, got, where):
        total[field] += 1
        right[field] += want == got
        if want != got:
            wrong.append((where, field, want, got))

    for spec, name, outcome in parsed:
        assert outcome.ok, (name, outcome.reason)
        resume, text = outcome.resume, outcome.document.text
        check("name", spec.name, resume.name and resume.name.value, name)
        check("phone", spec.phone, resume.phone and resume.phone.value, name)
        check("email", spec.email, resume.email and resume.email.value, name)
        for i, written in enumerate(spec.education):
            got = resume.education[i] if i < len(resume.education) else None
            check("school", written["school"], got and got.school and got.school.value, name)
            check("degree", written["degree"], got and got.degree and got.degree.value, name)
            check("major", written["major"], got and got.major and got.major.value, name)
            check("dates", (ym(written["start"]), ym(written["end"])),
                  got and (got.start and got.start.value, got.end and got.end.value), name)
        jobs = [j for j in spec.work if j["kind"] == "work"] + [j for j in spec.work if j["kind"] == "internship"]
        for i, written in enumerate(jobs):
            got = resume.experience[i] if i < len(resume.experience) else None
            check("employer", written["employer"], got and got.employer and got.employer.value, name)
            check("title", written["title"], got and got.title and got.title.value, name)
            check("kind", written["kind"], got and got.kind, name)
            check("dates", (ym(written["start"]), ym(written["end"])),
                  got and (got.start and got.start.value, got.end and got.end.value), name)
        # every value points at the text it came from
        assert text[resume.name.start:resume.name.end].replace(" ", "") == resume.name.value.replace(" ", "")
        assert text[resume.email.start:resume.email.end] == resume.email.value
        assert re.sub(r"\D", "", text[resume.phone.start:resume.phone.end]).endswith(resume.phone.value)
        for entry in resume.education:
            assert entry.school is None or text[entry.school.start:entry.school.end] == entry.school.value
        for entry in resume.experience:
            assert entry.employer is None or text[entry.employer.start:entry.employer.end] == entry.employer.value
    print(f"\nrésumé field accuracy over {len(parsed)} generated résumés (PDF and DOCX, zh and en):")
    for field in total:
        print(f"  {field:<9} {right[field]:>5}/{total[field]:<5} {right[field] / total[field]:.1%}")
    for where, field, want, got in wrong[:10]:
        print(f"  wrong: {where} {field}: wrote {want!r}, read {got!r}")
    low = {f: right[f] / total[f] for f in MEASURED if right[f] / total[f] < TARGET}
    assert not low, low


def test_the_set_covers_every_layout(parsed):
    names = [name for _, name, _ in parsed]
    kinds = Counter(outcome.document.kind for _, _, outcome in parsed)
    assert kinds["pdf"] >= 80 and kinds["docx"] >= 120
    assert {spec.lang for spec, _, _ in parsed} == {"zh", "en"}
    assert any(outcome.document.pages == 2 for _, _, outcome in parsed)
    assert all(any(n.endswith(f"-{layout}.docx") for n in names) for layout in ("plain", "tables", "columns"))


def test_certificates_skills_awards_and_years(parsed):
    for spec, name, outcome in parsed[:60]:
        resume = outcome.resume
        written = {CANONICAL.get(c, c) for c in spec.certificates}
        assert written <= {c.value for c in resume.certificates}, name
        assert set(spec.awards) <= {a.value for a in resume.awards}, name
        assert {s.casefold() for s in spec.skills} <= {s.value.casefold() for s in resume.skills}, name
        assert resume.years_of_experience >= 0
        assert Resume.from_dict(json.loads(json.dumps(resume.to_dict()))) == resume  # what the sealed column holds
