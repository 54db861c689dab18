"""A bulk upload's .zip of résumé files, read and matched to the sheet's rows — or, with no sheet, made into rows.

Each file is read once (bot/resumes/safezip within limits, bot/resumes/intake for the text and fields) and matched
to a row by the phone or e-mail the résumé gives, then by a phone or a name in the file's name (a name only when one
row has it). A matched row is screened with the résumé's fields (degree, major, years, text; the sheet's own columns
win where set) and its candidate keeps the file. With no sheet each readable résumé is a row of its own: its name,
phone and e-mail from the résumé, checked as a sheet's cells are. Every file that is not read or not matched keeps
its reason, shown to the recruiter per file beside the row numbers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from bot.bulk.sheets import Row, RowError, Sheet, check_row
from bot.resumes.fields import screening_fields
from bot.resumes.formats import ResumeRejected
from bot.resumes.intake import Outcome, read_resume
from bot.resumes.safezip import read_zip

PHONE_IN_NAME = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
UNMATCHED = "未能与名单中的任何一行对应（按简历里的手机号、邮箱，或文件名里的手机号、姓名都没有找到），未导入"
NO_SHEET_FIELDS = ("name", "phone", "email")


class ZipRejected(ValueError):
    """The archive as a whole cannot be read; str(exc) is the Chinese reason."""


@dataclass
class ResumeFile:
    """One file of the archive: where it sits in the batch, what reading it gave, the row it went to."""

    index: int
    name: str
    data: bytes = b""
    outcome: Outcome | None = None
    reason: str = ""
    row_no: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is not None and self.outcome.ok


@dataclass
class Matched:
    """The rows to screen (their fields with the résumé's where they had a file), the refused rows and files, and
    the files kept for each row."""

    rows: list[Row]
    errors: list[RowError]
    files: dict[int, ResumeFile] = field(default_factory=dict)  # row_no → its résumé file
    notes: list[str] = field(default_factory=list)  # one line per file not read or not matched, for the chat

    @property
    def summary(self) -> str:
        return f"简历文件 {len(self.files)} 份已读取并对应到行，{len(self.notes)} 份未能使用"


def read_files(data: bytes) -> list[ResumeFile]:
    """Every file of the archive with its outcome (a refused file keeps its reason); ZipRejected for the whole."""
    try:
        members = read_zip(data)
    except ResumeRejected as exc:
        raise ZipRejected(exc.reason) from None
    files = []
    for i, member in enumerate(members):
        name = PurePosixPath(member.name).name or member.name
        if not member.ok:
            files.append(ResumeFile(i, name, reason=member.reason))
            continue
        outcome = read_resume(member.data, name)
        files.append(ResumeFile(i, name, member.data, outcome, "" if outcome.ok else outcome.reason))
    if not files:
        raise ZipRejected("压缩包里没有文件。")
    return files


def match(sheet: Sheet, files: list[ResumeFile]) -> Matched:
    """The sheet's rows with the résumé files matched to them; a file matched to no row, or not read, is noted."""
    by_phone = {r.fields["phone"]: r for r in sheet.rows if r.fields.get("phone")}
    by_email = {str(r.fields["email"]).lower(): r for r in sheet.rows if r.fields.get("email")}
    names: dict[str, list[Row]] = {}
    for r in sheet.rows:
        if r.fields.get("name"):
            names.setdefault(str(r.fields["name"]), []).append(r)
    out = Matched([], list(sheet.errors))
    after = max([r.row_no for r in sheet.rows] + [e.row_no for e in sheet.errors] + [0])
    for f in files:
        row = _row_for(f, by_phone, by_email, names)
        if row is not None and row.row_no not in out.files:
            f.row_no = row.row_no
            if f.ok:
                out.files[row.row_no] = f
            else:  # the row goes on, screened on the sheet's columns; the file's reason is told
                out.notes.append(f"文件 {f.name}（第 {row.row_no} 行）：{f.reason}；该行按表格内容筛选")
            continue
        # a file of no row: listed after the sheet's rows, so the summary file names it with its reason
        reason = f"文件 {f.name}：{UNMATCHED if f.ok else f.reason}"
        out.notes.append(reason)
        out.errors.append(RowError(after + f.index + 1, (reason,)))
    for r in sheet.rows:
        f = out.files.get(r.row_no)
        fields = dict(r.fields) if f is None else _with_resume(f, r.fields)
        out.rows.append(Row(r.row_no, fields))
    return out


def rows_of(files: list[ResumeFile]) -> Matched:
    """With no sheet: each readable résumé a row (numbered by its place in the archive), checked like a sheet's."""
    out = Matched([], [])
    seen: dict[str, int] = {}
    for f in files:
        row_no = f.index + 1
        if not f.ok:
            out.errors.append(RowError(row_no, (f"文件 {f.name}：{f.reason}",)))
            out.notes.append(f"文件 {f.name}：{f.reason}")
            continue
        resume = f.outcome.resume
        raw = {key: getattr(resume, key).value if getattr(resume, key) else None for key in NO_SHEET_FIELDS}
        fields, reasons = check_row(raw)
        contact = str(fields.get("phone") or fields.get("email") or "")
        if contact and contact in seen:
            reasons.append(f"与第 {seen[contact]} 个文件是同一人（手机号或邮箱相同）")
        if reasons:
            out.errors.append(RowError(row_no, tuple(f"文件 {f.name}：{r}" for r in reasons)))
            out.notes.append(f"文件 {f.name}：{'；'.join(reasons)}")
            continue
        seen[contact] = row_no
        f.row_no = row_no
        out.files[row_no] = f
        out.rows.append(Row(row_no, _with_resume(f, fields)))
    return out


def _row_for(f: ResumeFile, by_phone: dict, by_email: dict, names: dict[str, list[Row]]) -> Row | None:
    resume = f.outcome.resume if f.ok else None
    if resume is not None and resume.phone and resume.phone.value in by_phone:
        return by_phone[resume.phone.value]
    if resume is not None and resume.email and resume.email.value.lower() in by_email:
        return by_email[resume.email.value.lower()]
    stem = PurePosixPath(f.name).stem
    for phone in PHONE_IN_NAME.findall(stem):
        if phone in by_phone:
            return by_phone[phone]
    found = [rows[0] for name, rows in names.items() if len(rows) == 1 and len(name) >= 2 and name in stem]
    return found[0] if len(found) == 1 else None


def _with_resume(f: ResumeFile, given: dict) -> dict:
    """The row's fields for screening: the résumé's degree, major, years and text, the sheet's values winning."""
    return screening_fields(f.outcome.resume, f.outcome.document.text, given)
