"""An invitation delivered but not opened goes once more over the next channel that reaches the candidate.

An SMS lost among a phone's verification codes, an e-mail in a spam folder, a chat message scrolled away: after the
position's `delivery.fallback_hours` (DELIVERY_FALLBACK_HOURS; 0 never) with the link never opened, the invitation is
sent once more over the next channel of the delivery policy (bot/wecom/policy.py) that is not the one already used,
and later messages follow it there. Once per invitation, claimed in the database so two runs never both send; nothing
goes to a candidate who unsubscribed; nothing at all when no other channel reaches them. Only invitations sent
between fallback_hours and twice that ago are looked at: turning the fallback on (or upgrading) does not send a wave
to everyone invited weeks ago.
"""
from __future__ import annotations

import datetime as dt
import logging

from bot.clock import utcnow
from bot.invitations.invites import queue_card
from bot.store.db import db_session
from bot.store.models import AuditLog, Candidate, Invitation, Position
from bot.wecom import notify, policy
from config.settings import get_settings

log = logging.getLogger(__name__)


def resend_unopened(now: dt.datetime | None = None) -> int:
    """Send each invitation unopened past its position's fallback hours once more over the next channel; return
    how many went (the scheduler runs this every 15 minutes)."""
    now = now or utcnow()
    sent = 0
    with db_session():
        for position in Position.select().where(Position.status == "open"):
            hours = policy.for_position(position).fallback_hours
            if not hours:
                continue
            due = (Invitation.select().join(Candidate)
                   .where((Invitation.position == position) & (Invitation.status == "sent")
                          & Invitation.opened_at.is_null() & Invitation.fallback_at.is_null()
                          & (Invitation.sent_at <= now - dt.timedelta(hours=hours))
                          & (Invitation.sent_at > now - dt.timedelta(hours=2 * hours))  # not a wave on upgrade
                          & (Invitation.expires_at > now)
                          & Candidate.unsubscribed_at.is_null())
                   .order_by(Invitation.id))
            sent += sum(_fall_back(position, invitation, now) for invitation in due)
    return sent


def _fall_back(position: Position, invitation: Invitation, now: dt.datetime) -> int:
    """Claim the invitation's one fallback and send it over the next channel; 0 when another run took it or no
    other channel reaches the candidate."""
    claimed = (Invitation.update(fallback_at=now)
               .where((Invitation.id == invitation.id) & Invitation.fallback_at.is_null()).execute())
    if not claimed:
        return 0
    tried = (invitation.channel,)
    to = notify.route(invitation, "invitation", exclude=tried)
    if to == "none":
        log.info("invitation %s unopened; no channel beside %s reaches the candidate", invitation.id, tried[0])
        return 0
    queue_card(get_settings(), position, invitation, again="fallback", exclude=tried)
    AuditLog.create(actor="system", action="invitation.fallback", target_type="invitation",
                    target_id=str(invitation.id), detail={"from": tried[0], "to": to})
    return 1
