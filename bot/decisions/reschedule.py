"""Moving a candidate's next appointment (the second round) or the AI interview's deadline to a time written in
plain Chinese, at the candidate's request in chat or HR's /reschedule; both sides are told.

When the time is unclear we ask, and a question that proposes a day ("请问您希望改到12月7日（周一）下午的几点？")
is remembered in Redis for a day, per invitation and asker (the candidate, or the HR member): the answer ("3点")
is read on that day, not today. A time that is read in full spends the proposal.

When the position has published second-round slots with a seat left and the candidate passed, their request is
answered from the slots (bot/decisions/booking.py): a time that falls in a free slot books it, with the same lock
and capacity as the page; anything else (an unclear time, a time no slot has, a slot taken meanwhile) gets the first
few free slots in Beijing time and the signed link to the page. HR's /reschedule still moves to any time."""
from __future__ import annotations

import datetime as dt
import json

from bot.clock import CN_TZ, deadline_on, local_time, utcnow
from bot.decisions import booking, calendar_events, slots, timeparse
from bot.decisions.results import second_round_ics, when_text
from bot.decisions.timeparse import When
from bot.invitations.invites import OPEN_STATES, find_candidate, latest_invitation
from bot.links import invitation_link
from bot.store.db import db_session
from bot.store.kv import get_redis
from bot.store.models import Appointment, AuditLog, InterviewSlot, Invitation
from bot.wecom import messages, notify
from config.settings import get_settings

MAX_EXTENSION_DAYS = 14  # an AI interview's deadline moves at most this far past the original one
PROPOSAL_SECONDS = 24 * 3600  # how long the day our question proposed waits for the answer


HR_REASON = "招聘人员调整了复试安排"  # what the candidate is told when HR moves them by chat into a slot


def _reply(invitation: Invitation, template: str, request_key: str, **values) -> None:
    notify.to_candidate(invitation, template, f"{request_key}:reply", purpose="candidate", **values)


def now_cn() -> dt.datetime:
    """Now in Beijing time: the moment every time a person writes is read against (tests move utcnow)."""
    return utcnow().replace(tzinfo=dt.UTC).astimezone(CN_TZ)


def reschedule(invitation: Invitation, text: str, *, actor: str, request_key: str, by_hr: bool = False) -> str:
    """Move the candidate's next appointment (or AI-interview deadline) to the time in text, or ask."""
    key = _proposal_key(invitation, actor if by_hr else "candidate")
    when = timeparse.parse_when(text, now_cn(), **_proposed(key))
    if when.status != "ok" and when.day is not None:
        get_redis().set(key, json.dumps({"day": when.day.isoformat(), "part": when.part}), ex=PROPOSAL_SECONDS)
    elif when.status == "ok":
        get_redis().delete(key)
    if not by_hr and booking.passed(invitation) and _free(invitation):
        return _slot_request(invitation, when, request_key)
    if when.status != "ok":
        return _ask_hr(actor, when, request_key) if by_hr else _ask_candidate(invitation, when, request_key)
    appointment = Appointment.get_or_none((Appointment.invitation == invitation)
                                          & (Appointment.kind == "second_round"))
    if appointment is not None:
        slot = _matching(_free(invitation), when) if by_hr else None
        if slot is not None:  # HR named a published slot's time: booked into it, its seat counted like anyone's
            return _move_to_slot(invitation, appointment, slot, when, actor, request_key)
        return _move(invitation, appointment, when, actor, request_key, by_hr)
    if invitation.status in (*OPEN_STATES, "started") and not by_hr:
        return _extend(invitation, when, request_key)
    if by_hr:
        notify.to_hr(actor, "hr_reschedule_unknown", f"{request_key}:unknown", who=invitation.candidate.display_name)
    else:
        _reply(invitation, "reschedule_nothing", request_key)
    return "nothing"


def _free(invitation: Invitation) -> list[InterviewSlot]:
    """The position's free slots other than the one the candidate holds."""
    mine = booking.current(invitation)
    return [s for s in slots.free_slots(invitation.position_id) if mine is None or s.id != mine.slot_id]


def _slot_request(invitation: Invitation, when: When, request_key: str) -> str:
    """The position has published slots: a time that falls in a free one books it (as the page does: of two racing
    for its last seat one wins, the other is offered the next); anything else is answered with the free slots."""
    match = _matching(_free(invitation), when)
    if match is None:
        day = when.day or (when.start.date() if when.start else None)
        _offer(invitation, request_key, day=day, wanted=timeparse.describe(when) if when.status == "ok" else "")
        return "offered"
    answer = booking.pick(invitation, match.id)
    if answer.status == "booked":
        return "booked"
    if answer.status == "same":
        _reply(invitation, "reschedule_slot_same", request_key, position=invitation.position.title,
               when=when_text(answer.appointment))
        return "same"
    _offer(invitation, request_key, taken=True)
    return "taken"


def _matching(free: list[InterviewSlot], when: When) -> InterviewSlot | None:
    """The free slot starting at the time asked for, else the one the time falls in, else None."""
    wanted = _utc(when.start) if when.status == "ok" else None
    if wanted is None:
        return None
    return next((s for s in free if s.starts_at == wanted), None) or next(
        (s for s in free if s.starts_at <= wanted < s.ends_at), None)


def _move_to_slot(invitation: Invitation, appointment: Appointment, slot: InterviewSlot, when: When, actor: str,
                  request_key: str) -> str:
    """/reschedule by HR to a time inside a free published slot: moved into the slot as on the slots page (the
    candidate told, with a fresh .ics; the interviewer's event follows); a seat taken meanwhile: a time of its own."""
    answer = booking.move(appointment, slot.id, HR_REASON, actor)
    if answer.status != "booked":
        return _move(invitation, appointment, when, actor, request_key, True)
    notify.to_hr(actor, "hr_reschedule_done", f"{request_key}:hr", invitation=invitation,
                 name=invitation.candidate.display_name, position=invitation.position.title,
                 when=when_text(answer.appointment))
    return "moved"


def _offer(invitation: Invitation, request_key: str, *, day: dt.date | None = None, wanted: str = "",
           taken: bool = False) -> None:
    _reply(invitation, "reschedule_slots", request_key, position=invitation.position.title, wanted=wanted,
           taken=taken, **booking.offer_values(invitation, day))


def _proposal_key(invitation: Invitation, asker: str) -> str:
    return f"reschedule:proposed:{invitation.id}:{asker[:64]}"


def _proposed(key: str) -> dict:
    """The day (and part of it) our last question to this asker proposed, as parse_when takes them."""
    raw = get_redis().get(key)
    if not raw:
        return {}
    found = json.loads(raw)
    return {"day": dt.date.fromisoformat(found["day"]), "part": found["part"]}


def _ask_candidate(invitation: Invitation, when: When, request_key: str) -> str:
    _reply(invitation, "reschedule_ask", request_key, question=when.question or "")
    return when.status


def _ask_hr(actor: str, when: When, request_key: str) -> str:
    settings = get_settings()
    question = when.question or messages.render("hr_reschedule_usage", settings.hr_locale)
    notify.to_hr_text(actor, question, f"{request_key}:ask")
    return when.status


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moment.astimezone(dt.UTC).replace(tzinfo=None)


def _move(invitation: Invitation, appointment: Appointment, when: When, actor: str, request_key: str,
          by_hr: bool) -> str:
    old = when_text(appointment)
    duration = (appointment.ends_at - appointment.starts_at) if appointment.ends_at else dt.timedelta(hours=1)
    start = _utc(when.start)
    end = _utc(when.end) if when.end else start + duration
    # a time of one's own leaves the published slot it was booked into (bot/decisions/slots.py): its seat is free
    Appointment.update(starts_at=start, ends_at=end, updated_by=actor, version=Appointment.version + 1,
                       slot=None, status="scheduled", reminded_at=None).where(
        Appointment.id == appointment.id).execute()
    appointment = Appointment.get_by_id(appointment.id)
    calendar_events.queue_event(appointment)  # the interviewer's event (if any) moves with it
    AuditLog.create(actor=actor, action="reschedule", target_type="appointment", target_id=str(appointment.id),
                    detail={"from": old, "to": when_text(appointment), "text": when.text})
    position, name = invitation.position.title, invitation.candidate.display_name
    stamp = f"reschedule:{appointment.id}:{appointment.version}"
    notify.to_candidate(invitation, "reschedule_confirmed", f"{stamp}:candidate", purpose="reschedule",
                        ics=[second_round_ics(appointment, invitation)],
                        position=position, when=when_text(appointment), place=appointment.place or "-")
    if by_hr:
        notify.to_hr(actor, "hr_reschedule_done", f"{stamp}:hr", invitation=invitation, name=name,
                     position=position, when=when_text(appointment))
    else:
        notify.to_hr(invitation.invited_by, "hr_rescheduled", f"{stamp}:hr", invitation=invitation, name=name,
                     position=position, when=when_text(appointment), old=old)
    return "moved"


def _extend(invitation: Invitation, when: When, request_key: str) -> str:
    """The AI interview has no fixed time; a request past its deadline extends it (within limits)."""
    settings = get_settings()
    position, link = invitation.position.title, invitation_link(settings, invitation)
    wanted = when.end or when.start
    if _utc(wanted) <= invitation.expires_at:
        _reply(invitation, "reschedule_deadline_ok", request_key, position=position,
               deadline=local_time(invitation.expires_at), when=timeparse.describe(when), link=link)
        return "fits"
    latest = invitation.created_at + dt.timedelta(days=invitation.position.deadline_days + MAX_EXTENSION_DAYS)
    if _utc(wanted) > latest:
        _reply(invitation, "reschedule_too_far", request_key, latest=local_time(latest))
        return "too_far"
    expires = deadline_on(wanted.astimezone(CN_TZ).date())
    Invitation.update(expires_at=expires).where(Invitation.id == invitation.id).execute()
    invitation = Invitation.get_by_id(invitation.id)
    AuditLog.create(actor=f"candidate:{invitation.candidate_id}", action="extend", target_type="invitation",
                    target_id=str(invitation.id), detail={"expires_at": expires.isoformat()})
    stamp = f"extend:{invitation.id}:{expires.isoformat()}"
    notify.to_candidate(invitation, "reschedule_deadline", f"{stamp}:candidate", purpose="reschedule",
                        position=position, deadline=local_time(expires), link=invitation_link(settings, invitation))
    notify.to_hr(invitation.invited_by, "hr_deadline_extended", f"{stamp}:hr", invitation=invitation,
                 name=invitation.candidate.display_name, position=position, deadline=local_time(expires))
    return "extended"


def hr_reschedule(who: str, text: str, actor: str, request_key: str) -> str:
    """/reschedule <candidate> <time>: HR moves a candidate's second round."""
    with db_session():
        candidate = find_candidate(who)
        invitation = latest_invitation(candidate) if candidate else None
        if invitation is None:
            notify.to_hr(actor, "hr_reschedule_unknown", f"{request_key}:unknown", who=who[:32])
            return "unknown"
        return reschedule(invitation, text, actor=actor, request_key=request_key, by_hr=True)
