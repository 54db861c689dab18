"""Recruiters' query commands: /status, /report, /compare, /remind, /cancel, /positions.

Each is a job answering the recruiter in chat; candidates are named by WeCom userid, WeChat id or name.
"""
from __future__ import annotations

from typing import Any

import peewee as pw

from bot.clock import local_time
from bot.invitations.invites import OPEN_STATES, REMINDABLE, find_position, open_titles
from bot.links import invitation_link, report_link
from bot.store.db import db_session
from bot.store.models import AuditLog, Candidate, Decision, Interview, Invitation, Position, Report
from bot.wecom import messages, notify, outbox
from bot.wecom.cards import KEYNAME_MAX_BYTES, clip, guide_values, report_card, task_id, template_card
from config.settings import get_settings

FUNNEL = ("invited", "opened", "started", "completed", "scored", "decided")


def run(name: str, args: list[str], userid: str, key: str) -> str:
    """Carry out one query command for a recruiter."""
    with db_session():
        return COMMANDS[name](list(args), userid, key)


def _say(userid: str, template: str, key: str, **values: Any) -> None:
    notify.to_hr(userid, template, f"{key}:{template}", **values)


def _position(name: str, userid: str, key: str) -> Position | None:
    position = find_position(name)
    if position is None:
        _say(userid, "hr_no_position", key, name=name, titles=open_titles())
    return position


def find_candidate(ref: str) -> Candidate | None:
    """A candidate by WeCom userid, WeChat external id, or (most recently created) name."""
    return (Candidate.get_or_none(Candidate.wecom_userid == ref)
            or Candidate.get_or_none(Candidate.external_userid == ref)
            or Candidate.select().where(Candidate.name == ref).order_by(Candidate.id.desc()).first())


def funnel(position: Position) -> dict[str, int]:
    """How far the position's candidates got: invited → opened → started → completed → scored → decided."""
    invitations = Invitation.select(Invitation.id).where(Invitation.position == position)
    interviews = Interview.select(Interview.id).where(Interview.invitation.in_(invitations))
    return {
        "invited": invitations.count(),
        "opened": invitations.where(Invitation.opened_at.is_null(False) | Invitation.id.in_(
            Interview.select(Interview.invitation).where(Interview.invitation.in_(invitations)))).count(),
        "started": interviews.count(),
        "completed": interviews.where(Interview.status == "completed").count(),
        "scored": Report.select().where(Report.interview.in_(interviews)).count(),
        "decided": Decision.select().where(Decision.interview.in_(interviews) & (Decision.outcome != "hold")).count(),
    }


def status(args: list[str], userid: str, key: str) -> str:
    locale = get_settings().hr_locale
    if args:
        position = _position(args[0], userid, key)
        positions = [position] if position else []
        if not positions:
            return "no-position"
    else:
        positions = list(Position.select().where(Position.is_open).order_by(Position.id))
    lines = [messages.render("status_head", locale)]
    for position in positions:
        counts = funnel(position)
        lines.append(messages.render("status_line", locale, position=position.title, **counts))
    notify.to_hr_text(userid, "\n".join(lines), f"{key}:status")
    return "ok"


def _latest_report(candidate: Candidate) -> Report | None:
    return (Report.select().join(Interview).join(Invitation).where(Invitation.candidate == candidate)
            .order_by(Report.created_at.desc()).first())


def report(args: list[str], userid: str, key: str) -> str:
    settings = get_settings()
    candidate = find_candidate(args[0])
    found = _latest_report(candidate) if candidate else None
    if found is None:
        _say(userid, "report_none", key, who=args[0])
        return "none"
    invitation = found.interview.invitation
    payload = report_card(touser=userid, locale=settings.hr_locale, company=settings.company_name,
                          name=candidate.display_name, position=invitation.position.title, doc=found.document,
                          report_id=found.id, report_url=report_link(settings, found.id), task=task_id(f"r{found.id}"))
    outbox.send(f"{key}:report-card", payload, purpose="report_card", invitation=invitation)
    AuditLog.create(actor=userid, action="view_report", target_type="report", target_id=str(found.id),
                    detail={"via": "/report"})
    return "sent"


def compare(args: list[str], userid: str, key: str) -> str:
    settings = get_settings()
    locale = settings.hr_locale
    found, missing = [], []
    for ref in args:
        candidate = find_candidate(ref)
        latest = _latest_report(candidate) if candidate else None
        (found.append((candidate, latest)) if latest else missing.append(ref))
    if len(found) < 2:
        _say(userid, "compare_none", key, missing="、".join(missing) or "-")
        return "none"
    found.sort(key=lambda pair: -pair[1].total)
    fields = [{"keyname": clip(c.display_name, KEYNAME_MAX_BYTES),
               "value": f"{r.total:.0f} · {r.document['recommendation']['label']}"} for c, r in found]
    lines = [f"{c.display_name}：" + "，".join(f"{d['name'][:2]}{d['score']:.0f}" for d in r.document["dimensions"])
             for c, r in found]
    if missing:
        lines.append(messages.render("compare_missing", locale, missing="、".join(missing)))
    title = messages.render("compare_title", locale, position=found[0][1].interview.invitation.position.title)
    payload = template_card(userid, "text_notice", locale, settings.company_name, title, messages.render(
        "compare_desc", locale, count=len(found)), "\n".join(lines), fields,
        f"{settings.public_base_url}/hr/compare?r={','.join(str(r.id) for _, r in found)}",
        task_id("cmp"))
    outbox.send(f"{key}:compare", payload, purpose="hr")
    return "sent"


def remind(args: list[str], userid: str, key: str) -> str:
    settings = get_settings()
    position = _position(args[0], userid, key)
    if position is None:
        return "no-position"
    mine = Invitation.position == position
    if userid not in settings.recruiters:
        mine &= Invitation.invited_by == userid
    waiting = list(Invitation.select().where(mine & Invitation.status.in_(REMINDABLE)
                                             & (Invitation.status != "started")))
    for invitation in waiting:
        notify.to_candidate(invitation, "reminder", f"{key}:remind:{invitation.id}", purpose="reminder",
                            name=invitation.candidate.display_name, position=position.title,
                            deadline=local_time(invitation.expires_at), started=False,
                            total_minutes=guide_values(position, invitation.candidate.locale)["total_minutes"],
                            link=invitation_link(settings, invitation))
    _say(userid, "remind_done", key, count=len(waiting), position=position.title)
    return "sent"


def cancel(args: list[str], userid: str, key: str) -> str:
    candidate = find_candidate(args[0])
    query = Invitation.select().where((Invitation.candidate == candidate) & Invitation.status.in_(
        (*OPEN_STATES, "started"))) if candidate else None
    if query is not None and len(args) > 1:
        position = _position(args[1], userid, key)
        if position is None:
            return "no-position"
        query = query.where(Invitation.position == position)
    invitations = list(query.order_by(Invitation.id.desc())) if query is not None else []
    if len(invitations) != 1:
        _say(userid, "cancel_none" if not invitations else "cancel_which", key, who=args[0],
             positions="、".join(i.position.title for i in invitations))
        return "none" if not invitations else "ambiguous"
    invitation = invitations[0]
    changed = (Invitation.update(status="cancelled").where(
        (Invitation.id == invitation.id) & Invitation.status.in_((*OPEN_STATES, "started"))).execute())
    if not changed:
        return "unchanged"
    AuditLog.create(actor=userid, action="cancel", target_type="invitation", target_id=str(invitation.id))
    notify.to_candidate(invitation, "cancelled", f"{key}:cancelled", purpose="candidate",
                        position=invitation.position.title)
    _say(userid, "cancel_done", key, who=invitation.candidate.display_name, position=invitation.position.title)
    return "cancelled"


def positions(args: list[str], userid: str, key: str) -> str:
    locale = get_settings().hr_locale
    counts = dict(Invitation.select(Invitation.position, pw.fn.COUNT(Invitation.id))
                  .group_by(Invitation.position).tuples())
    lines = [messages.render("positions_head", locale)]
    for position in Position.select().where(Position.is_open).order_by(Position.id):
        lines.append(messages.render("positions_line", locale, title=position.title, slug=position.slug,
                                     questions=len(position.questions), days=position.deadline_days,
                                     invited=counts.get(position.id, 0)))
    notify.to_hr_text(userid, "\n".join(lines), f"{key}:positions")
    return "ok"


COMMANDS = {"status": status, "report": report, "compare": compare, "remind": remind, "cancel": cancel,
            "positions": positions}
