"""The report page HR opens from the result card (查看报告): a signed, expiring link, server-rendered.

The full report pages (radar chart, recordings, notes, masking by role behind WeCom OAuth) are issue 7's;
this page shows what the card summarises, so the card's button never leads nowhere.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from bot.cards import local_time
from bot.messages import render
from bot.store.models import AuditLog, Decision, Report
from jobs.decisions import read_report_link

bp = Blueprint("report_page", __name__)


@bp.get("/r/<token>")
def show_report(token: str):
    """Serve one report to the holder of its signed link."""
    settings = current_app.extensions["settings"]
    report_id = read_report_link(settings, token)
    report = Report.get_or_none(Report.id == report_id) if report_id else None
    if report is None:
        body = "这个报告链接无效或已过期，请从企业微信的报告卡片重新打开。"
        return render_template("message.html", title="链接无效", body=body), 404
    invitation = report.interview.invitation
    decision = Decision.get_or_none(Decision.interview == report.interview_id)
    AuditLog.create(actor="report-link", action="view_report", target_type="report", target_id=str(report.id))
    return render_template(
        "report.html", doc=report.document, name=invitation.candidate.display_name, company=settings.company_name,
        decision=decision, decided_at=local_time(decision.decided_at) if decision else "",
        decision_label=render(f"outcome_{decision.outcome}", settings.hr_locale) if decision else "")
