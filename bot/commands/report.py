"""/report: the candidate's latest result card again, to the member who asks (and audited); like every card, it
names the candidate and how they were reached but carries no phone, e-mail or ID number they wrote (scrub.CHAT in
bot/privacy/scrub.py). An interviewer or hiring manager of the position may ask too: their card is masked
(王*（#12）) and has no buttons."""
from __future__ import annotations

from bot.commands.lookup import find_candidate, latest_report
from bot.commands.registry import READER, CommandError, command
from bot.decisions.results import card_names
from bot.links import report_link
from bot.org.access import acting
from bot.privacy import scrub
from bot.privacy.roles import can
from bot.store.models import AuditLog
from bot.wecom import outbox
from bot.wecom.cards import report_card, task_id
from config.settings import get_settings


@command("report", aliases=("报告",), args=(1, 1), who=READER, usage="/report <候选人>  例：/report zhangsan",
         summary="再次发送候选人的报告卡片")
def report(who: str, *, userid: str, key: str) -> str:
    """Send the candidate's latest report card to the member: with its buttons to the position's recruiters, masked
    and without buttons to its interviewers and hiring manager."""
    settings = get_settings()
    candidate = find_candidate(who)
    found = latest_report(candidate)
    if candidate is None or found is None:
        raise CommandError("report_none", who=who)
    invitation = found.interview.invitation
    access = acting()
    full = access is None or can(access.role_for(invitation.position), "decide")
    payload = report_card(touser=userid, locale=settings.hr_locale, company=settings.company_name,
                          **card_names(settings, invitation, masked=not full), position=invitation.position.title,
                          doc=scrub.scrub(found.document, scrub.known(candidate),
                                          scrub.CHAT if full else scrub.EVERYTHING),
                          report_id=found.id, report_url=report_link(settings, found.id), task=task_id(f"r{found.id}"),
                          buttons=full)
    outbox.send(f"{key}:report-card", payload, purpose="report_card", invitation=invitation)
    AuditLog.create(actor=userid, action="view_report", target_type="report", target_id=str(found.id),
                    detail={"via": "/report"})
    return "sent"
