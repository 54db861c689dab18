"""Interviews as spreadsheet rows (one per interview, the candidate masked by role) and as CSV or Excel bytes.

Used by the open API's export and the HR pages' download button. Every cell goes through
safe_cell (bot/privacy/cells.py): a candidate's name must never become =HYPERLINK(…) in a recruiter's Excel.
"""
from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from peewee import JOIN

from bot.clock import local_time
from bot.org.access import Access
from bot.privacy.cells import safe_cell
from bot.privacy.roles import candidate_view, sees_personal_data
from bot.reports import campaign
from bot.store.models import Candidate, Decision, Interview, Invitation, Position, Report
from bot.wecom import messages
from scoring.report import DIMENSIONS

COLUMNS: tuple[tuple[str, str], ...] = (
    ("interview_id", "面试编号"), ("candidate_id", "候选人编号"), ("name", "姓名"), ("phone", "手机号"),
    ("email", "邮箱"), ("position", "岗位"), ("status", "面试状态"), ("invited_at", "邀请时间"),
    ("completed_at", "完成时间"), ("school", "学校"), ("degree", "学历"), ("major", "专业"),
    ("total", "总分"), ("recommendation", "AI 建议"),
    *((name, name) for name in DIMENSIONS),
    ("own_dimensions", "岗位自定维度"),  # a position's own dimensions (合规意识 82.0；客户导向 70.1)
    ("decision", "决定"), ("decided_by", "决定人"), ("decided_at", "决定时间"),
)
STATUS = {"in_progress": "面试中", "completed": "已完成"}


def interview_rows(position_slug: str | None, role: str, within: Access | None = None) -> list[dict[str, Any]]:
    """One row per interview (of one position, or all), oldest first; the candidate as role may see them; only the
    positions `within` may see (None: all)."""
    query = (Interview.select(Interview, Invitation, Position, Candidate, Report, Decision)
             .join(Invitation)
             .join(Position)
             .switch(Invitation)
             .join(Candidate)
             .switch(Interview)
             .join(Report, join_type=JOIN.LEFT_OUTER, on=(Report.interview == Interview.id), attr="report")
             .switch(Interview)
             .join(Decision, join_type=JOIN.LEFT_OUTER, on=(Decision.interview == Interview.id), attr="decision"))
    if position_slug is not None:
        query = query.where(Position.slug == position_slug)
    if within is not None:
        query = query.where(within.clause())
    rows = []
    interviews = list(query.order_by(Interview.id))
    # the résumé's highest degree (school, degree, major): personal data, for the roles that see it
    resumes = campaign.latest_resumes([i.invitation.candidate_id for i in interviews]) \
        if sees_personal_data(role) else {}
    for interview in interviews:
        invitation = interview.invitation
        person = candidate_view(invitation.candidate, role)
        education = campaign.education_of(invitation.candidate_id, resumes)
        report = getattr(interview, "report", None)
        decision = getattr(interview, "decision", None)
        doc = report.document if report and report.id else {}
        scores = {d["name"]: d["score"] for d in doc.get("dimensions", [])}
        rows.append({
            "interview_id": interview.id, "candidate_id": person["id"], "name": person["name"],
            "phone": person["phone"], "email": person["email"], "position": invitation.position.title,
            "status": STATUS.get(interview.status, interview.status),
            "invited_at": local_time(invitation.created_at),
            "completed_at": local_time(interview.completed_at) if interview.completed_at else "",
            "school": education.get("school", ""), "degree": education.get("degree", ""),
            "major": education.get("major", ""),
            "total": round(report.total, 1) if doc else None,
            "recommendation": doc.get("recommendation", {}).get("label", "") if doc else "",
            **{name: (round(scores[name], 1) if name in scores else None) for name in DIMENSIONS},
            "own_dimensions": "；".join(f"{name} {score:.1f}" for name, score in scores.items()
                                       if name not in DIMENSIONS),
            "decision": messages.render(f"outcome_{decision.outcome}", "zh-CN") if decision and decision.id else "",
            "decided_by": decision.decided_by if decision and decision.id else "",
            "decided_at": local_time(decision.decided_at) if decision and decision.id else "",
        })
    return rows


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """The rows as CSV, UTF-8 with a BOM (so Excel reads the Chinese right), with a header row."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([label for _, label in COLUMNS])
    for row in rows:
        writer.writerow(["" if row.get(key) is None else safe_cell(row.get(key)) for key, _ in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: list[dict[str, Any]]) -> bytes:
    """The rows as an Excel workbook (write-only: memory stays flat however many there are)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("面试")
    sheet.append([label for _, label in COLUMNS])
    for row in rows:
        sheet.append([safe_cell(row.get(key)) for key, _ in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
