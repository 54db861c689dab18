"""Extracted text → a structured résumé (bot/resumes/model.py), every value with the span it came from.

Section headings (教育背景, 工作经历, Education, Experience …) split the text; inside an entry section each date
range starts an entry, and the lines around it are read for a school, degree and major or an employer, title and
duties. Schools are found by the shipped list (config/universities.txt) and then by their suffix; certificates and
languages by the vocabulary in bot/resumes/patterns.py; the name, phone and e-mail by bot/resumes/contact.py; gaps
and years by bot/resumes/timeline.py.
"""
from __future__ import annotations

import datetime as dt
import re

from bot.clock import utcnow
from bot.resumes import patterns as P
from bot.resumes.contact import find_email, find_name, find_phone
from bot.resumes.lines import Line, chunks
from bot.resumes.model import Education, Experience, Resume, Section, Value
from bot.resumes.timeline import timeline

ENTRY_KINDS = ("education", "work", "internship", "project")
EN_MAJOR = re.compile(r"(?:\s+(?:in|of)\s+|\s*,\s*)([A-Z][A-Za-z&' ]+?)(?=\s{2,}|\s*[,|(]|$)")
HEADER_LINES = 6


def parse(text: str, today: dt.date | None = None) -> Resume:
    """The structured résumé in text (as bot/resumes/extract gives it)."""
    today = today or utcnow().date()
    lines = [Line(m.start(), m.end(), m.group()) for m in re.finditer(r"[^\n]+", text)]
    sections = split_sections(lines, len(text))
    resume = Resume(sections=sections)
    body = {id(s): [line for line in lines if s.start < line.start < s.end] for s in sections}
    first = sections[0].start if sections else len(text)
    head = [line for line in lines if line.start < first][:HEADER_LINES] + [
        line for s in sections if s.kind == "basic" for line in body[id(s)][:HEADER_LINES]]
    resume.name = find_name(text, head)
    resume.phone, resume.email = find_phone(text), find_email(text)
    entry_sections = [s for s in sections if s.kind in ENTRY_KINDS]
    if not entry_sections:  # no headings: every dated line is an entry, a school's an education
        entry_sections = [Section("mixed", "", -1, len(text))]
        body[id(entry_sections[0])] = lines
    for section in entry_sections:
        for head_lines, rest, date in entry_blocks(body[id(section)]):
            kind = section.kind
            if kind == "mixed":
                kind = "education" if any(find_school(line) for line in head_lines) else "work"
            if kind == "education":
                resume.education.append(education(text, head_lines, rest, date))
            else:
                resume.experience.append(experience(text, kind, head_lines, rest, date))
    if not resume.education and (labelled := labelled_education(lines)):
        resume.education.append(labelled)
    lists = {kind: [line for s in sections if s.kind == kind for line in body[id(s)]]
             for kind in ("skills", "certificates", "languages", "awards")}
    resume.skills = skills(lists["skills"])
    resume.certificates = matches(P.CERTIFICATE, text, P.CERTIFICATE_NAMES, "c")
    around = head + lists["skills"] + lists["certificates"] + lists["languages"]
    resume.languages = _unique(Value(m.group().strip(), line.start + m.start(), line.start + m.end())
                               for line in around for m in P.LANGUAGE.finditer(line.text))
    resume.awards = awards(lists["awards"], lines, entry_sections)
    resume.gaps, resume.years_of_experience, resume.internship_months = timeline(resume, today)
    return resume


def split_sections(lines: list[Line], length: int) -> list[Section]:
    """The résumé's sections, each from its heading line to the next heading."""
    found = []
    for line in lines:
        if len(line.text) > 30:
            continue
        key = P.DECORATION.sub("", line.text).casefold()
        if key in P.HEADING_OF:
            found.append((line, P.HEADING_OF[key]))
    return [Section(kind, line.text.strip(), line.start, found[i + 1][0].start if i + 1 < len(found) else length)
            for i, (line, kind) in enumerate(found)]


def entry_blocks(body: list[Line]) -> list[tuple[list[Line], list[Line], Value]]:
    """(heading lines, other lines, date range) per entry: a date range starts an entry; when the first entry's
    date comes after a line or two (a school above its dates), every entry takes as many lines before its date."""
    body = [line for line in body if line.text.strip() and not _column_labels(line)]
    dated = [(i, m) for i, line in enumerate(body) if (m := P.DATE_RANGE.search(line.text))]
    if not dated:
        return []
    lead = min(dated[0][0], 2)
    if lead and any(P.BULLET.match(line.text) and len(line.text) > 40 for line in body[:lead]):
        lead = 0
    blocks = []
    for n, (i, match) in enumerate(dated):
        begin = max(i - lead, dated[n - 1][0] + 1 if n else 0)
        end = max(dated[n + 1][0] - lead, i + 1) if n + 1 < len(dated) else len(body)
        heading, rest = body[begin:i + 1], body[i + 1:end]
        date = Value(match.group(), body[i].start + match.start(), body[i].start + match.end())
        if not lead and rest and not chunks(body[i], [date]):
            heading.append(rest.pop(0))  # the date alone on its line: what it is comes on the next
        blocks.append((heading, rest, date))
    return blocks


def _column_labels(line: Line) -> bool:
    """A table's header row (时间 学校 专业 学历): names columns, says nothing about an entry."""
    pieces = chunks(line, [])
    return len(pieces) >= 2 and all(p.value in P.COLUMN_LABELS for p in pieces)


def find_school(line: Line) -> Value | None:
    for pattern in (P.UNIVERSITY, P.SCHOOL_HAN, P.SCHOOL_EN):
        if m := pattern.search(line.text):
            return Value(m.group().strip(), line.start + m.start(), line.start + m.start() + len(m.group().strip()))
    return None


def _date(match: re.Match, side: str, whole: Value) -> Value | None:
    if side == "b" and match.group("present"):
        return Value("present", whole.start + match.start("present"), whole.start + match.end("present"))
    year = match.group(f"{side}y1") or match.group(f"{side}y2")
    if not year:
        return None
    month_text = match.group(f"{side}m1") or match.group(f"{side}m2") or "1"
    month = P.MONTHS[month_text[:3].lower()] if month_text[0].isalpha() else int(month_text)
    start, end = match.span(f"{side}y1" if match.group(f"{side}y1") else f"{side}y2")
    if match.group(f"{side}m1") or match.group(f"{side}m2"):
        ms, me = match.span(f"{side}m1" if match.group(f"{side}m1") else f"{side}m2")
        start, end = min(start, ms), max(end, me)
    return Value(f"{year}-{month:02d}", whole.start + start, whole.start + end)


def dates(date: Value) -> tuple[Value | None, Value | None]:
    match = P.DATE_RANGE.fullmatch(date.value)
    return _date(match, "a", date), _date(match, "b", date)


def education(text: str, heading: list[Line], rest: list[Line], date: Value | None) -> Education:
    start, end = dates(date) if date else (None, None)
    lines = heading + rest
    school = next((s for line in heading if (s := find_school(line))), None) or next(
        (s for line in rest[:2] if (s := find_school(line))), None)
    degree = major = None
    for line in lines:
        if m := P.DEGREE.search(line.text):
            name = P.DEGREE_NAMES[int(m.lastgroup[1:])]
            degree = Value(name, line.start + m.start(), line.start + m.end())
            if after := EN_MAJOR.match(line.text[m.end():]):
                major = Value(after.group(1), line.start + m.end() + after.start(1),
                              line.start + m.end() + after.end(1))
            break
    if major is None:
        major = next((Value(m.group("major"), line.start + m.start("major"), line.start + m.end("major"))
                      for line in lines if (m := P.MAJOR_LABEL.search(line.text))), None)
    skip = [v for v in (date, school, degree) if v]
    candidates = heading + rest[:1]
    if degree:  # the degree's line first: "Fudan University, Shanghai" names a city, "B.A., Finance" the major
        candidates.sort(key=lambda line: not line.start <= degree.start < line.end)
    for line in candidates if major is None else ():
        for piece in chunks(line, skip):
            if _overlaps(piece, skip) or P.DEGREE.fullmatch(piece.value) or re.search(r"\d", piece.value):
                continue
            if P.HAN.search(piece.value) and 2 <= len(piece.value) <= 20 or re.fullmatch(r"[A-Za-z&' ]{3,60}",
                                                                                       piece.value):
                value = piece.value.removesuffix("专业")
                major = Value(value, piece.start, piece.start + len(value))
                break
        if major:
            break
    return Education(school, degree, major, start, end, lines[0].start, lines[-1].end)


def labelled_education(lines: list[Line]) -> Education | None:
    """An education written as labels in a form (毕业院校：… 学历：… 专业：…), with no dated entry."""
    found = {}
    for line in lines:
        for m in P.EDUCATION_LABEL.finditer(line.text):
            found.setdefault(m.lastgroup, Value(m.group(m.lastgroup), line.start + m.start(m.lastgroup),
                                                line.start + m.end(m.lastgroup)))
    if "school" not in found:
        return None
    degree = found.get("degree")
    if degree and (m := P.DEGREE.search(degree.value)):
        degree = Value(P.DEGREE_NAMES[int(m.lastgroup[1:])], degree.start, degree.end)
    return Education(found["school"], degree, found.get("major"), None, None, found["school"].start,
                     max(v.end for v in found.values()))


def experience(text: str, kind: str, heading: list[Line], rest: list[Line], date: Value) -> Experience:
    start, end = dates(date)
    pieces = [piece for line in heading for piece in chunks(line, [date]) if not _overlaps(piece, [date])]
    pieces = [part for piece in pieces for part in _title_apart(piece)]
    titled = [bool(P.TITLE_HINT.search(p.value)) and not P.ORG_HAN.search(p.value[-2:]) for p in pieces]
    org = [bool(P.ORG_HAN.search(p.value) or P.ORG_EN.search(p.value)) for p in pieces]
    employer = next((p for p, o, t in zip(pieces, org, titled, strict=True) if o and not t), None) or next(
        (p for p, t in zip(pieces, titled, strict=True) if not t), None) or (pieces[0] if pieces else None)
    others = [p for p in pieces if p is not employer]
    title = next((p for p in others if P.TITLE_HINT.search(p.value)), None) or (others[0] if others else None)
    if title is None and rest and len(rest[0].text) <= 30 and P.TITLE_HINT.search(rest[0].text) \
            and not P.BULLET.match(rest[0].text):  # the title on the line under the employer and dates
        line = rest.pop(0)
        heading = [*heading, line]
        title = Value(line.text.strip(), line.start, line.start + len(line.text.strip()))
    if kind == "work" and title and P.INTERN.search(title.value):
        kind = "internship"
    duties = Value(text[rest[0].start:rest[-1].end], rest[0].start, rest[-1].end) if rest else None
    lines = heading + rest
    return Experience(kind, employer, title, start, end, duties, lines[0].start, lines[-1].end)


def _title_apart(piece: Value) -> list[Value]:
    """An English employer and title run together with one space ("Goldman Sachs Analyst"), as two pieces."""
    m = P.EN_TITLE.search(piece.value)
    if not m or P.HAN.search(piece.value) or m.start("title") < 2:
        return [piece]
    head = piece.value[:m.start()].rstrip()
    return [Value(head, piece.start, piece.start + len(head)),
            Value(m.group("title"), piece.start + m.start("title"), piece.end)]


def _overlaps(value: Value, others: list[Value]) -> bool:
    return any(value.start < o.end and o.start < value.end for o in others)


def skills(lines: list[Line]) -> list[Value]:
    out = []
    for line in lines:
        body = line.text
        bullet = P.BULLET.match(body)
        offset = bullet.end() if bullet else 0
        label = re.match(r"[^:：]{1,12}[:：]\s*", body[offset:])
        offset += label.end() if label else 0
        position = offset
        for sep in [*P.LIST_SEPARATORS.finditer(body, offset), None]:
            stop = sep.start() if sep else len(body)
            item = body[position:stop].strip(" 。.")
            if 1 <= len(item) <= 40 and not P.CERTIFICATE.search(item) and not P.LANGUAGE.fullmatch(item):
                at = body.index(item, position)
                out.append(Value(item, line.start + at, line.start + at + len(item)))
            position = sep.end() if sep else stop
    return _unique(out)


def matches(pattern: re.Pattern, text: str, names: list[str], prefix: str) -> list[Value]:
    """Every match of a vocabulary pattern, as its canonical name (the first span for each name)."""
    return _unique(Value(names[int(m.lastgroup[len(prefix):])], m.start(), m.end()) for m in pattern.finditer(text))


def awards(section: list[Line], lines: list[Line], entries: list[Section]) -> list[Value]:
    chosen = section or [line for line in lines if P.AWARD_HINT.search(line.text)
                         and not any(s.start < line.start < s.end for s in entries if s.kind != "education")]
    out = []
    for line in chosen:
        bullet = P.BULLET.match(line.text)
        at = bullet.end() if bullet else 0
        if line.text[at:].strip():
            out.append(Value(line.text[at:].strip(), line.start + at, line.end))
    return out


def _unique(values) -> list[Value]:
    seen, out = set(), []
    for value in values:
        if value.value.casefold() not in seen:
            seen.add(value.value.casefold())
            out.append(value)
    return out
