"""Gaps between a résumé's entries and its years of experience, from the entries' dates."""
from __future__ import annotations

import datetime as dt

from bot.resumes.model import Experience, Gap, Resume, Value

GAP_MONTHS = 6


def _month(value: Value | None, today: dt.date) -> int | None:
    if value is None:
        return None
    if value.value == "present":
        return today.year * 12 + today.month - 1
    year, month = value.value.split("-")
    return int(year) * 12 + int(month) - 1


def timeline(resume: Resume, today: dt.date) -> tuple[list[Gap], float, int]:
    """Gaps over six months between entries, years of work (overlaps once) and months of internships."""
    entries = []
    for e in resume.education:
        entries.append((e, e.school.value if e.school else ""))
    for x in resume.experience:
        entries.append((x, x.employer.value if x.employer else ""))
    spans = [(s, max(s, e), label, entry) for entry, label in entries
             if (s := _month(entry.start, today)) is not None and (e := _month(entry.end, today)) is not None]
    spans.sort(key=lambda item: item[0])
    gaps, covered, last = [], None, ""
    for start, end, label, entry in spans:
        if covered is not None and start - covered > GAP_MONTHS:
            gaps.append(Gap(_ym(covered), _ym(start), start - covered, last, label, entry.start_offset,
                            entry.end_offset))
        if covered is None or end >= covered:
            covered, last = end, label
    # months counted inclusively: 2017.03-2019.02 is two years of work
    work = sorted((s, e + 1) for s, e, _, entry in spans if isinstance(entry, Experience) and entry.kind == "work")
    intern = sum(e + 1 - s for s, e, _, entry in spans
                 if isinstance(entry, Experience) and entry.kind == "internship")
    months, reach = 0, None
    for start, end in work:
        start = start if reach is None else max(start, reach)
        if end > start:
            months += end - start
        reach = end if reach is None else max(reach, end)
    return gaps, round(months / 12, 1), intern


def _ym(month: int) -> str:
    return f"{month // 12}-{month % 12 + 1:02d}"
