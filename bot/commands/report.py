"""/report: the candidate's latest result card again, to the recruiter who asks (and audited); like every card,
it names the candidate but carries no phone, e-mail or ID number they wrote (scrub.CHAT in bot/privacy/scrub.py)."""
from __future__ import annotations

from bot.commands.lookup import find_candidate, latest_report
from bot.commands.registry import CommandError, command
from bot.links import report_link
from bot.privacy import scrub
from bot.store.models import AuditLog
from bot.wecom import outbox
from bot.wecom.cards import report_card, task_id
from config.settings import get_settings


@command("report", aliases=("报告",), args=(1, 1), usage="/report <候选人>  例：/report zhangsan",
         summary="再次发送候选人的报告卡片")
def report(who: str, *, userid: str, key: str) -> str:
    """Send the candidate's latest report card to the recruiter."""
    settings = get_settings()
    candidate = find_candidate(who)
    found = latest_report(candidate)
    if candidate is None or found is None:
        raise CommandError("report_none", who=who)
    invitation = found.interview.invitation
    payload = report_card(touser=userid, locale=settings.hr_locale, company=settings.company_name,
                          name=candidate.display_name, position=invitation.position.title,
                          doc=scrub.scrub(found.document, scrub.known(candidate), scrub.CHAT),
                          report_id=found.id, report_url=report_link(settings, found.id), task=task_id(f"r{found.id}"))
    outbox.send(f"{key}:report-card", payload, purpose="report_card", invitation=invitation)
    AuditLog.create(actor=userid, action="view_report", target_type="report", target_id=str(found.id),
                    detail={"via": "/report"})
    return "sent"
