"""Invitation jobs: invite candidates to a position, settle delivery, take a decline, expire old ones."""
from __future__ import annotations

import datetime as dt
import logging

import peewee as pw

from bot import outbox
from bot.cards import CN_TZ, invitation_card, local_time
from bot.links import make_token
from bot.store.db import database, db_session
from bot.store.models import AuditLog, Candidate, Invitation, Position, utcnow
from config.settings import Settings, get_settings
from jobs.delivery import schedule, send_text, wecom

log = logging.getLogger(__name__)

OPEN_STATES = ("created", "sent", "opened")
STATUS_NAMES = {"created": "发送中", "sent": "已送达", "opened": "已打开", "started": "面试中",
                "completed": "已完成", "failed": "未送达", "declined": "已婉拒", "expired": "已过期",
                "cancelled": "已取消"}


def invitation_link(settings: Settings, invitation: Invitation) -> str:
    """Return the candidate's signed link to the interview page."""
    expires = invitation.expires_at.replace(tzinfo=dt.UTC).timestamp()
    token = make_token(settings.secret_key, invitation.id, invitation.candidate_id, expires)
    return f"{settings.public_base_url}/i/{token}"


def find_position(name: str) -> Position | None:
    """Find an open position by its title or slug."""
    return Position.get_or_none(((Position.title == name) | (Position.slug == name)) & Position.is_open)


def _candidate(userid: str) -> Candidate:
    try:
        with database.atomic():
            return Candidate.get_or_create(wecom_userid=userid)[0]
    except pw.IntegrityError:  # another job created it a moment ago
        return Candidate.get(Candidate.wecom_userid == userid)


def deadline(days: int) -> dt.datetime:
    """Return 23:59 Beijing time `days` days from now, as naive UTC (people read whole-day deadlines)."""
    local = dt.datetime.now(CN_TZ) + dt.timedelta(days=days)
    end = local.replace(hour=23, minute=59, second=0, microsecond=0)
    return end.astimezone(dt.UTC).replace(tzinfo=None)


def _open_invitation(position: Position, candidate: Candidate, invited_by: str) -> tuple[Invitation, bool]:
    """Return the candidate's invitation to position, creating or reopening it; (invitation, is_new)."""
    expires = deadline(position.deadline_days)
    with database.atomic():
        invitation = Invitation.get_or_none(position=position, candidate=candidate)
        if invitation is None:
            try:
                with database.atomic():
                    return Invitation.create(position=position, candidate=candidate, invited_by=invited_by,
                                             expires_at=expires), True
            except pw.IntegrityError:
                return Invitation.get(position=position, candidate=candidate), False
        if invitation.status in ("expired", "declined", "cancelled", "failed"):
            Invitation.update(status="created", expires_at=expires, invited_by=invited_by, sent_at=None).where(
                Invitation.id == invitation.id).execute()
            return Invitation.get_by_id(invitation.id), True
        return invitation, False


def _queue_card(settings: Settings, position: Position, invitation: Invitation) -> None:
    candidate = invitation.candidate
    payload = invitation_card(
        touser=candidate.wecom_userid, company=settings.company_name, candidate_name=candidate.display_name,
        position=position.title, question_count=len(position.questions), think_seconds=position.think_seconds,
        answer_seconds=position.answer_seconds, answer_modes=position.answer_modes, deadline=invitation.expires_at,
        link=invitation_link(settings, invitation), decline_key=f"decline:{invitation.id}",
    )
    # The expiry is part of the key: a reopened invitation is a new message, a retry of this one is not.
    key = f"invitation:{invitation.id}:{invitation.expires_at.isoformat()}"
    message, _ = outbox.record(key, payload, purpose="invitation", invitation=invitation)
    schedule(message.id)


def invite(position_name: str, userids: list[str], invited_by: str, request_key: str) -> dict[str, list[str]]:
    """Invite each userid to the position; tell the recruiter what could not be done at once."""
    settings = get_settings()
    outcome: dict[str, list[str]] = {"queued": [], "existing": []}
    with db_session():
        position = find_position(position_name)
        if position is None:
            titles = "、".join(p.title for p in Position.select().where(Position.is_open)) or "（暂无）"
            send_text(invited_by, f"没有找到岗位「{position_name}」。现有岗位：{titles}", f"{request_key}:no-position")
            return outcome
        notes = []
        for userid in userids:
            invitation, is_new = _open_invitation(position, _candidate(userid), invited_by)
            if is_new or invitation.status == "created":  # "created": an earlier run stopped before sending
                _queue_card(settings, position, invitation)
                outcome["queued"].append(userid)
                if is_new:
                    AuditLog.create(actor=invited_by, action="invite", target_type="invitation",
                                    target_id=str(invitation.id), detail={"position": position.title})
            else:
                outcome["existing"].append(userid)
                status = STATUS_NAMES.get(invitation.status, invitation.status)
                notes.append(f"{userid} 已有「{position.title}」的邀请（{status}，"
                             f"截止 {local_time(invitation.expires_at)}），未重复发送。")
    if notes:
        send_text(invited_by, "\n".join(notes), f"{request_key}:existing")
    return outcome


def delivery_settled(invitation_id: int, delivered: bool, reason: str) -> None:
    """Record whether the invitation card reached the candidate, and tell the recruiter."""
    settings = get_settings()
    invitation = Invitation.get_by_id(invitation_id)
    status = "sent" if delivered else "failed"
    changed = (Invitation.update(status=status, sent_at=utcnow() if delivered else None)
               .where((Invitation.id == invitation_id) & (Invitation.status == "created")).execute())
    if not changed:
        return
    who, title = invitation.candidate.display_name, invitation.position.title
    if delivered:
        text = f"✅ 已向 {who} 发送「{title}」面试邀请，截止 {local_time(invitation.expires_at)}。"
    else:
        text = (f"❌ 「{title}」面试邀请未能送达 {who}（{reason[:120] or '原因未知'}）。"
                f"可把这个链接转给候选人：{invitation_link(settings, invitation)}")
    send_text(invitation.invited_by, text, f"invitation-{status}:{invitation_id}:{invitation.expires_at.isoformat()}")


def decline(invitation_id: int, userid: str, response_code: str, request_key: str) -> str:
    """The candidate tapped 暂不参加 on the invitation card."""
    with db_session():
        invitation = Invitation.get_or_none(Invitation.id == invitation_id)
        if invitation is None or invitation.candidate.wecom_userid != userid:
            log.warning("decline of invitation %s by %s ignored: not theirs", invitation_id, userid)
            return "ignored"
        changed = (Invitation.update(status="declined")
                   .where((Invitation.id == invitation_id) & Invitation.status.in_(OPEN_STATES)).execute())
        state = STATUS_NAMES.get(invitation.status, invitation.status)
        label = "已选择暂不参加" if changed else f"邀请{state}"
        try:
            wecom().update_template_card([userid], response_code, button={"replace_name": label})
        except Exception as exc:  # the card stays as it was; the decision itself is recorded
            log.warning("could not grey the invitation card: %s", exc)
        if not changed:
            return "unchanged"
        AuditLog.create(actor=userid, action="decline", target_type="invitation", target_id=str(invitation_id))
    title = invitation.position.title
    send_text(userid, f"已收到您的回复，感谢您对「{title}」岗位的关注。如改变主意，请联系招聘人员重新发送邀请。",
              f"{request_key}:candidate")
    send_text(invitation.invited_by, f"{invitation.candidate.display_name} 选择暂不参加「{title}」面试。",
              f"{request_key}:recruiter")
    return "declined"


def expire_invitations() -> int:
    """Mark invitations past their deadline as expired (the scheduler runs this)."""
    with db_session():
        return (Invitation.update(status="expired")
                .where((Invitation.expires_at < utcnow()) & Invitation.status.in_(OPEN_STATES)).execute())
