"""Scheduled work the scheduler enqueues: deadline reminders and HR's daily digest card."""
from __future__ import annotations

import datetime as dt
import logging

from bot.clock import CN_TZ, local_time, utcnow
from bot.invitations.invites import REMINDABLE
from bot.links import invitation_link, report_link
from bot.org import team
from bot.store.db import db_session
from bot.store.models import Decision, Interview, Invitation, Position, Report
from bot.wecom import messages, notify, outbox
from bot.wecom.cards import digest_card, guide_values, text_message
from config.settings import Settings, get_settings

log = logging.getLogger(__name__)



def send_reminders() -> int:
    """Remind candidates whose deadline is within REMINDER_HOURS and who haven't finished (once per deadline)."""
    settings = get_settings()
    now = utcnow()
    soon = now + dt.timedelta(hours=settings.reminder_hours)
    sent = 0
    with db_session():
        due = list(Invitation.select().where(Invitation.status.in_(REMINDABLE) & (Invitation.expires_at > now)
                                             & (Invitation.expires_at <= soon) & Invitation.reminded_at.is_null()))
        for invitation in due:
            claimed = (Invitation.update(reminded_at=now)
                       .where((Invitation.id == invitation.id) & Invitation.reminded_at.is_null()).execute())
            if not claimed:
                continue  # another run took it
            values = guide_values(invitation.position, invitation.candidate.locale)
            notify.to_candidate(invitation, "reminder", f"reminder:{invitation.id}:{invitation.expires_at.isoformat()}",
                                purpose="reminder", name=invitation.candidate.greeting_name,
                                position=invitation.position.title, deadline=local_time(invitation.expires_at),
                                started=invitation.status == "started", total_minutes=values["total_minutes"],
                                link=invitation_link(settings, invitation))
            sent += 1
    return sent


def told_about(settings: Settings) -> dict[str, list[int]]:
    """Each recruiter's positions: those whose cards reach them (the team, the unit's recruiters up the tree, the
    root's: bot/org/team.py)."""
    told: dict[str, list[int]] = {}
    for position in Position.select():
        for userid in team.recruiters(settings, position):
            told.setdefault(userid, []).append(position.id)
    return told


def digest_counts(userid: str, since: dt.datetime, positions: list[int] = ()) -> dict[str, int]:
    """The numbers of one recruiter's digest, for the invitations they sent and those of the positions they are
    told about: invited, completed, pending decisions, expired, undelivered."""
    mine = (Invitation.invited_by == userid) | Invitation.position.in_(list(positions))
    invited = Invitation.select().where(mine & (Invitation.created_at >= since)).count()
    completed = (Interview.select().join(Invitation)
                 .where(mine & (Interview.completed_at >= since)).count())
    decided = Decision.select(Decision.interview).where(Decision.outcome != "hold")
    pending = (Report.select().join(Interview).join(Invitation)
               .where(mine & Report.interview.not_in(decided)).count())
    expired = Invitation.select().where(
        mine & (Invitation.status == "expired") & (Invitation.expires_at >= since)).count()
    failed = Invitation.select().where(
        mine & (Invitation.status == "failed") & (Invitation.created_at >= since)).count()
    return {"invited": invited, "completed": completed, "pending": pending, "expired": expired, "unreachable": failed}


def _oldest_pending(userid: str, positions: list[int]) -> Report | None:
    decided = Decision.select(Decision.interview).where(Decision.outcome != "hold")
    mine = (Invitation.invited_by == userid) | Invitation.position.in_(positions)
    return (Report.select().join(Interview).join(Invitation)
            .where(mine & Report.interview.not_in(decided))
            .order_by(Report.created_at).first())


def _age(delta: dt.timedelta | None, locale: str) -> str:
    if delta is None:
        return ""
    hours = int(delta.total_seconds() // 3600)
    if locale == "en":
        return f"{hours // 24} days" if hours >= 48 else f"{hours} h"
    return f"{hours // 24} 天" if hours >= 48 else f"{hours} 小时"


def send_digest() -> int:
    """Send each recruiter with activity the daily digest card (once a day: the key is the date): who invited, and
    the recruiters each position's cards go to."""
    settings = get_settings()
    today = dt.datetime.now(CN_TZ).date()
    since = utcnow() - dt.timedelta(days=1)
    locale = settings.hr_locale
    sent = 0
    with db_session():
        told = told_about(settings)
        users = {r.invited_by for r in Invitation.select(Invitation.invited_by).distinct()} | set(told)
        for userid in sorted(users):
            counts = digest_counts(userid, since, told.get(userid, []))
            if not any(counts.values()):
                continue
            oldest = _oldest_pending(userid, told.get(userid, []))
            summary = messages.render("digest_summary", locale, pending=counts["pending"],
                                      oldest=_age(utcnow() - oldest.created_at if oldest else None, locale))
            if oldest is not None:  # the card opens the report that has waited longest
                payload = digest_card(touser=userid, locale=locale, company=settings.company_name,
                                      date=today.isoformat(), counts=counts, summary=summary,
                                      url=report_link(settings, oldest.id))
            else:  # nothing to open: the same numbers as text
                title = messages.render("digest_title", locale, date=today.isoformat())
                lines = [f"{messages.render(f'digest_{k}', locale)}：{v}" for k, v in counts.items()]
                payload = text_message(userid, "\n".join([title, *lines, summary]))
            _, created = outbox.send(f"digest:{userid}:{today.isoformat()}", payload, purpose="digest")
            sent += created
    return sent
