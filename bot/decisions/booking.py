"""A candidate picking a published second-round slot (handlers/h5/slots.py): book it (bot/decisions/slots.py), then
tell the candidate over their channel (the .ics by e-mail: a moved booking's higher version replaces the earlier
entry) and the recruiter who invited them, and queue the interviewer's WeCom calendar event
(bot/decisions/calendar_events.py). Each message's key carries the appointment's version, so a replayed
form post tells nobody twice."""
from __future__ import annotations

from bot.decisions import calendar_events, slots
from bot.decisions.results import second_round_ics, when_text
from bot.store.models import Appointment, Decision, Interview, Invitation
from bot.wecom import notify


def passed(invitation: Invitation) -> bool:
    """Whether HR passed the invitation's interview (only then may the candidate book a second round)."""
    return (Decision.select().join(Interview)
            .where((Interview.invitation == invitation) & (Decision.outcome == "pass")).exists())


def current(invitation: Invitation) -> Appointment | None:
    """The invitation's second round, if one is scheduled."""
    return Appointment.get_or_none((Appointment.invitation == invitation) & (Appointment.kind == slots.KIND)
                                   & (Appointment.status == "scheduled"))


def pick(invitation: Invitation, slot_id: int) -> slots.Booking:
    """Book slot_id for the candidate and, when it was booked, tell them and the recruiter, and put it in the
    interviewer's WeCom calendar."""
    booking = slots.book(invitation, slot_id, f"candidate:{invitation.candidate_id}")
    if booking.status == "booked":
        confirm(invitation, booking.appointment)
        calendar_events.queue_event(booking.appointment)
    return booking


def confirm(invitation: Invitation, appointment: Appointment) -> None:
    """The candidate's confirmation with the .ics (template reschedule_confirmed: its SMS template fits too), and the
    recruiter's note."""
    position, stamp = invitation.position.title, f"slot:{appointment.id}:{appointment.version}"
    when, place = when_text(appointment), appointment.place or "-"
    notify.to_candidate(invitation, "reschedule_confirmed", f"{stamp}:candidate", purpose="reschedule",
                        ics=[second_round_ics(appointment, invitation)], position=position, when=when, place=place)
    notify.to_hr(invitation.invited_by, "hr_slot_booked", f"{stamp}:hr", invitation=invitation,
                 name=invitation.candidate.display_name, position=position, when=when,
                 interviewer=appointment.slot.interviewer if appointment.slot else "-")
