"""The day-before reminder of a second round, to the candidate and to the interviewer (a periodic job:
jobs/periodic.py remind_second_rounds).

An appointment is due from REMIND_AT (18:00 Beijing time) on the day before its Beijing day, until it starts; one
booked later than that (less than a day ahead) is due at once. Each is claimed in the database before anything is
sent: a conditional UPDATE sets appointment.reminded_at where it is still empty, so two schedulers or a rerun send
once. A move or a cancellation clears reminded_at (bot/decisions/slots.py, reschedule.py): the new time is reminded
of in its turn. The candidate's reminder goes over the channel that reaches them for the delivery kind "reminder"
(bot/wecom/notify.py route); as the approved SMS reminder template speaks of the AI interview, one that would go by
SMS goes with the second round's template (result_pass: 请于{when}到{place}参加复试). The interviewer — the slot's, or
for a time of its own the one whose calendar holds the event — gets a WeCom app message with the candidate masked.
"""
from __future__ import annotations

import datetime as dt

from bot.clock import CN_TZ, beijing, utcnow
from bot.decisions import calendar_events, slots
from bot.decisions.results import when_text
from bot.privacy.roles import masked_label
from bot.store.db import db_session
from bot.store.models import Appointment, Candidate, Invitation
from bot.wecom import messages, notify

REMIND_AT = dt.time(18, 0)  # Beijing time, the day before
BATCH = 500


def due_from(starts_at: dt.datetime) -> dt.datetime:
    """When the reminder of an appointment starting at starts_at (naive UTC) is due: REMIND_AT Beijing time the day
    before, as naive UTC."""
    day = beijing(starts_at).date() - dt.timedelta(days=1)
    moment = dt.datetime.combine(day, REMIND_AT, tzinfo=CN_TZ)
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def send_second_round_reminders() -> int:
    """Remind the candidate and the interviewer of every second round due now; return how many were reminded."""
    now = utcnow()
    sent = 0
    with db_session():
        # Due at the latest when it starts within 30 hours (18:00 the day before is at most 30 hours ahead)
        found = list(Appointment.select(Appointment, Invitation, Candidate).join(Invitation).join(Candidate)
                     .where((Appointment.kind == slots.KIND) & (Appointment.status == "scheduled")
                            & Appointment.reminded_at.is_null() & (Appointment.starts_at > now)
                            & (Appointment.starts_at <= now + dt.timedelta(hours=30))
                            & Candidate.erased_at.is_null())
                     .order_by(Appointment.starts_at).limit(BATCH))
        for appointment in found:
            if due_from(appointment.starts_at) <= now and _claim(appointment, now):
                remind(appointment)
                sent += 1
    return sent


def _claim(appointment: Appointment, now: dt.datetime) -> bool:
    """Take the reminder of this version of the appointment: only one caller's UPDATE matches."""
    return bool(Appointment.update(reminded_at=now)
                .where((Appointment.id == appointment.id) & (Appointment.version == appointment.version)
                       & Appointment.reminded_at.is_null() & (Appointment.status == "scheduled")).execute())


def remind(appointment: Appointment) -> None:
    """Queue the candidate's and the interviewer's reminder (keys fixed by the appointment's version)."""
    invitation = appointment.invitation
    stamp = f"second-round-reminder:{appointment.id}:{appointment.version}"
    values = {"position": invitation.position.title, "when": when_text(appointment),
              "place": appointment.place or "-"}
    text = messages.render("second_round_reminder", invitation.candidate.locale, **values)
    by_sms = notify.route(invitation, "reminder") == "sms"
    notify.send_to_candidate(invitation, text, f"{stamp}:candidate", purpose="reminder",
                             template="result_pass" if by_sms else "",
                             values={**values, "name": invitation.candidate.greeting_name})
    interviewer = calendar_events.interviewer_of(appointment)
    if interviewer:
        notify.to_hr(interviewer, "hr_second_round_reminder", f"{stamp}:interviewer",
                     invitation=invitation, who=masked_label(invitation.candidate), **values)
