"""A parsed résumé as the fields a candidate row carries — what bot/bulk/screening reads (education, major, years,
résumé text) — so a candidate whose résumé came as a file is screened like a row of a sheet."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.resumes.model import Resume

ORDER = ("博士", "硕士", "本科", "大专", "中专", "高中")


def screening_fields(resume: Resume, text: str, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """education (the highest degree), major (of that degree's latest entry), years (of work, from the dates) and
    the résumé text; a value given (a sheet's column, the API's field) wins where it is set."""
    fields: dict[str, Any] = {"resume": text}
    if degree := resume.highest_degree:
        fields["education"] = degree
        entries = [e for e in resume.education if e.degree and e.degree.value == degree and e.major]
        if entries:
            fields["major"] = max(entries, key=lambda e: e.start.value if e.start else "").major.value
    elif majors := [e.major.value for e in resume.education if e.major]:
        fields["major"] = majors[-1]
    if any(x.kind == "work" and x.start for x in resume.experience):
        fields["years"] = resume.years_of_experience
    for key, value in (given or {}).items():
        if value not in (None, ""):
            fields[key] = value
    return fields
