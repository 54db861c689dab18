"""Import post-hire performance (绩效) from the HR system of record: a sheet (.xlsx or .csv) uploaded in the HR pages,
or rows of JSON through the open API. Each row names a hire by employee id (工号) or by the candidate's phone or
e-mail, a period (考核期), a rating or score (绩效/评分: a number, or a grade A–D, 优秀/良好/合格/待改进), and any
other columns as KPIs.

Every row is checked on its own: a bad row gets a clear Chinese message and costs the good rows nothing. A period
already imported for the hire is refused unless the request says to update it; a period twice in one file keeps the
first row. Rows are matched only to hires of positions the importer may see (a hire elsewhere reads as not found),
and every import writes one audit row with its counts and the hires it touched (never their data)."""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from bot.bulk import sheets
from bot.bulk.fields import EMAIL, normalise_phone
from bot.privacy.roles import mask_email, mask_phone
from bot.store.db import database, write_transaction
from bot.store.models import AuditLog, Candidate, Hire, Invitation, PerformanceRecord, Position
from bot.store.sealed import normalise_contact

# Grades as the import maps them (higher is better); a number is kept as written.
GRADES = {"A": 4.0, "B": 3.0, "C": 2.0, "D": 1.0, "优秀": 4.0, "良好": 3.0, "合格": 2.0, "待改进": 1.0}
GRADE_HINT = "A/B/C/D 或 优秀/良好/合格/待改进"
HEADERS = {
    "employee_id": ("工号", "员工工号", "员工号", "员工编号", "职工号", "人员编号", "employeeid", "employeeno",
                    "employeenumber", "staffid", "empid"),
    "phone": sheets.HEADERS["phone"],
    "email": sheets.HEADERS["email"],
    "period": ("考核期", "考核周期", "考核期间", "绩效周期", "绩效期间", "考核年度", "周期", "期间", "period",
               "reviewperiod"),
    "rating": ("绩效", "绩效等级", "绩效结果", "考核结果", "考核等级", "等级", "评级", "rating", "grade",
               "performance"),
    "score": ("评分", "绩效评分", "绩效得分", "考核得分", "考核分数", "得分", "分数", "score"),
}
NOT_KPI = frozenset(sheets.header_key(a) for a in (*sheets.HEADERS["name"], *sheets.HEADERS["id_number"],
                                                    "序号", "no", "备注", "remark", "remarks", "部门", "department"))
_ALIASES = {sheets.header_key(alias): name for name, aliases in HEADERS.items() for alias in aliases}
MAX_ROWS = 20000
MAX_KPIS = 20
PERIOD = re.compile(r"[0-9A-Za-z\u4e00-\u9fff._\-/ ]{1,32}")
HIRE_STATES = {"offered": "已发 offer，未接受", "accepted": "已接受 offer，尚未入职", "declined": "已拒绝 offer",
               "withdrawn": "已撤回", "hired": "已入职"}


class PerformanceFileError(sheets.SheetError):
    """The file as a whole cannot be read (no period column, no way to name the employee…); a Chinese message."""


@dataclass(frozen=True)
class RowProblem:
    """A row that was not imported: its number (Excel's, or the API's 1-based index) and why."""
    row_no: int
    message: str
    field: str = ""


@dataclass
class Outcome:
    """What an import did: rows created and updated, the rows refused, the hires it touched."""
    created: int = 0
    updated: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    hire_ids: set[int] = field(default_factory=set)

    @property
    def saved(self) -> int:
        return self.created + self.updated


def score_of(value: Any) -> tuple[float | None, str, str | None]:
    """A rating as (number, the grade as written or "", problem): 85, "3.5", "A", "优秀" are fine; "很好" is not."""
    if isinstance(value, bool):
        return None, "", f"绩效“{value}”不是数字，也不是可识别的等级（{GRADE_HINT}）"
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = sheets.cell_text(value).replace("，", ",").strip()
        if not text:
            return None, "", "缺少绩效（评分或等级）"
        grade = text.upper() if text.isascii() else text
        if grade in GRADES:
            return GRADES[grade], grade, None
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            return None, "", f"绩效“{text[:20]}”不是数字，也不是可识别的等级（{GRADE_HINT}）"
    if not math.isfinite(number):
        return None, "", f"绩效“{value}”不是有效的数字"
    return number, "", None


def read_file(data: bytes, filename: str) -> tuple[list[tuple[int, dict[str, Any]]], list[RowProblem]]:
    """The sheet's rows as (row number, {employee_id, phone, email, period, rating, kpis}) and the rows that could
    not be read; PerformanceFileError (a SheetError) when the file or its header is unusable."""
    records = sheets.records(data, filename)
    header_no, headers, columns = _header(records, filename)
    rows, problems = [], []
    for row_no, values in records:
        cells = [sheets.cell_text(v) for v in values]
        if not any(cells):
            continue
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(RowProblem(row_no, f"超过 {MAX_ROWS} 行，之后的行没有读取，请拆分文件后再上传"))
            break
        row: dict[str, Any] = {"kpis": {}}
        for i, cell in enumerate(cells):
            name = columns.get(i)
            if name == "kpi":
                if cell:
                    row["kpis"][headers[i][:32]] = _kpi(values[i])
            elif name and cell:
                row.setdefault(name, values[i] if name in ("rating", "score", "period") else cell)
        rows.append((row_no, row))
    return rows, problems


def _kpi(value: Any) -> float | str:
    """A KPI cell: a number as a number, anything else as short text."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    text = sheets.cell_text(value)
    try:
        number = float(text.replace(",", ""))
        return number if math.isfinite(number) else text[:64]
    except ValueError:
        return text[:64]


def _header(records: Iterator[tuple[int, tuple | list]], filename: str) -> tuple[int, list[str], dict[int, str]]:
    """The header row (the first non-empty one that names a period, within the first few) and column → field
    (employee_id, phone, email, period, rating, score, or kpi for the other named columns)."""
    looked = 0
    for row_no, values in records:
        headers = [sheets.cell_text(v) for v in values]
        if not any(headers):
            continue
        looked += 1
        columns: dict[int, str] = {}
        for i, header in enumerate(headers):
            key = sheets.header_key(header)
            name = _ALIASES.get(key) or next((f for a, f in _ALIASES.items() if len(a) >= 2 and key.endswith(a)
                                              and f in ("employee_id", "phone", "email")), None)
            if name and name not in columns.values():
                columns[i] = name
            elif key and key not in NOT_KPI and len([c for c in columns.values() if c == "kpi"]) < MAX_KPIS:
                columns[i] = "kpi"
        found = set(columns.values())
        if "period" in found or looked >= sheets.HEADER_SEARCH:
            missing = [] if "period" in found else ["考核期"]
            if not found & {"rating", "score"}:
                missing.append("绩效或评分")
            if not found & {"employee_id", "phone", "email"}:
                missing.append("工号，或候选人的手机号/邮箱")
            if missing:
                raise PerformanceFileError(f"表格缺少必需的列：{'、'.join(missing)}。找到的表头："
                                           f"{'、'.join(h for h in headers if h) or '（无）'}")
            return row_no, headers, columns
    raise PerformanceFileError(f"{filename} 里没有任何内容" if not looked else
                               "表格缺少必需的列：考核期。请在第一行写表头：工号、考核期、绩效")


def import_rows(rows: Iterable[tuple[int, dict[str, Any]]], *, actor: str, source: str, update: bool,
                sees: Callable[[Position], bool], filename: str = "",
                problems: list[RowProblem] | None = None) -> Outcome:
    """Check and save rows ({employee_id | phone | email, period, rating | score, kpis}) numbered for messages;
    every bad row gets its message, the good ones are saved. update: a period already imported is overwritten
    (else refused). sees: whether the importer may see a position (a hire elsewhere reads as not found)."""
    outcome = Outcome(problems=list(problems or []))
    seen: dict[tuple[int, str], int] = {}
    with write_transaction():  # one transaction (each row its own savepoint): a large file is not a commit a row
        for row_no, row in rows:
            checked = _check(row_no, row, sees)
            if isinstance(checked, RowProblem):
                outcome.problems.append(checked)
                continue
            hire, period, score, grade, kpis = checked
            first = seen.setdefault((hire.id, period), row_no)
            if first != row_no:
                outcome.problems.append(RowProblem(row_no, f"与第 {first} 行重复：同一员工、同一考核期（{period}）"
                                                   "只导入第一行", "period"))
                continue
            _save(row_no, hire, period, score, grade, kpis, actor, source, update, outcome)
    outcome.problems.sort(key=lambda p: p.row_no)
    AuditLog.create(actor=actor[:64], action="performance.import", target_type="performance",
                    target_id=filename[:64], detail={"source": source, "created": outcome.created,
                                                     "updated": outcome.updated, "refused": len(outcome.problems),
                                                     "update": update, "hires": sorted(outcome.hire_ids)})
    return outcome


def period_text(value: Any) -> str:
    """A period cell as text. Excel turns a typed 2026-06 into the date 2026-06-01: a date on the first of a month
    is that month (2026-06), any other date the day (2026-06-30), never a timestamp with a time of day."""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"{value:%Y-%m}" if value.day == 1 else value.isoformat()
    return sheets.cell_text(value).strip()


def _save(row_no: int, hire: Hire, period: str, score: float, grade: str, kpis: dict[str, Any], actor: str,
          source: str, update: bool, outcome: Outcome) -> None:
    """Create the hire's record for the period, or update it when asked; a record already there is a problem."""
    values = {"score": score, "rating": grade, "kpis": kpis, "source": source, "imported_by": actor[:64]}
    same = (PerformanceRecord.hire == hire) & (PerformanceRecord.period == period)
    existing = PerformanceRecord.get_or_none(same)
    if existing is None:
        try:
            with database.atomic():
                PerformanceRecord.create(hire=hire, period=period, **values)
        except pw.IntegrityError:  # another import saved the period a moment ago
            existing = PerformanceRecord.get(same)
        else:
            outcome.created += 1
            outcome.hire_ids.add(hire.id)
            return
    if not update:
        was = existing.rating or f"{existing.score:g}"
        outcome.problems.append(RowProblem(row_no, f"该员工 {period} 的绩效已导入过（{was}）；如需覆盖，请选择"
                                           "“更新已导入的考核期”", "period"))
        return
    PerformanceRecord.update(**values).where(PerformanceRecord.id == existing.id).execute()
    outcome.updated += 1
    outcome.hire_ids.add(hire.id)


def _check(row_no: int, row: dict[str, Any], sees: Callable[[Position], bool]):
    """(hire, period, score, grade, kpis) for a usable row, else the row's RowProblem."""
    period = period_text(row.get("period"))
    if not period:
        return RowProblem(row_no, "缺少考核期", "period")
    if not PERIOD.fullmatch(period):
        return RowProblem(row_no, f"考核期“{period[:40]}”无法识别：请写成 2026H1、2026-Q3 这样（最多 32 个字符）",
                          "period")
    raw = row.get("score") if row.get("score") not in (None, "") else row.get("rating")
    score, grade, problem = score_of(raw if raw is not None else "")
    if problem:
        return RowProblem(row_no, problem, "rating")
    found = _hire(row, sees)
    if isinstance(found, str):
        return RowProblem(row_no, found, "employee_id")
    kpis = row.get("kpis") or {}
    return found, period, score, grade, {str(k)[:32]: v for k, v in list(kpis.items())[:MAX_KPIS]}


def _hire(row: dict[str, Any], sees: Callable[[Position], bool]) -> Hire | str:
    """The hired hire the row names (工号 first, then phone, then e-mail), or why there is none."""
    employee = sheets.cell_text(row.get("employee_id")).strip()
    if employee:
        hires = [h for h in Hire.select(Hire, Invitation, Position).join(Invitation).join(Position)
                 .where(Hire.employee_index.matches(employee)) if sees(h.invitation.position)]
        if not hires:
            return f"未知员工：工号 {employee[:32]} 没有对应的录用记录"
        return _hired(hires, f"工号 {employee[:32]}")
    phone, email = sheets.cell_text(row.get("phone")).strip(), sheets.cell_text(row.get("email")).strip()
    if phone:
        number, problem = normalise_phone(phone)
        if problem:
            return problem
        clause, named = Candidate.lookup("phone", number), f"手机号 {mask_phone(number)}"
    elif email:
        if not EMAIL.fullmatch(email):
            return f"邮箱 {mask_email(email)} 格式不正确"
        clause, named = Candidate.lookup("email", normalise_contact(email)), f"邮箱 {mask_email(email)}"
    else:
        return "缺少工号，或候选人的手机号/邮箱"
    candidates = list(Candidate.select(Candidate.id).where(clause))
    if not candidates:
        return f"找不到{named}的候选人"
    hires = [h for h in Hire.select(Hire, Invitation, Position).join(Invitation).join(Position)
             .where(Invitation.candidate.in_([c.id for c in candidates])) if sees(h.invitation.position)]
    if not hires:
        return f"找不到录用记录：{named}的候选人没有 offer 或录用记录"
    return _hired(hires, named)


def _hired(hires: list[Hire], named: str) -> Hire | str:
    """The one hire in state hired among them, or why not (not yet hired, or several)."""
    hired = [h for h in hires if h.status == "hired"]
    if not hired:
        states = "、".join(sorted({HIRE_STATES.get(h.status, h.status) for h in hires}))
        return f"候选人尚未入职：{named}的录用状态是“{states}”，入职后才能导入绩效"
    if len(hired) > 1:
        return f"{named}对应多条入职记录，请改用工号"
    return hired[0]
