"""A second round booked into a published slot, and what follows each change of it: the candidate picking a slot
(handlers/h5/slots.py, or a time in chat: bot/decisions/reschedule.py), HR moving a booked candidate to another
slot or cancelling the booking, HR cancelling a whole slot with its bookings (handlers/hr/slots.py).

The database side is bot/decisions/slots.py's (locks, capacity, audit). Here: the candidate is told over their
channel (the .ics by e-mail: same UID, SEQUENCE = version - 1, so a move replaces the entry and a cancellation's
METHOD:CANCEL takes it out), the recruiter who invited them is told of the candidate's own picks, and the
interviewer's WeCom calendar event follows (bot/decisions/calendar_events.py, one job per version). Each message's key
carries the appointment's version, so a replayed form post tells nobody twice. A cancelled candidate is offered the
free slots (the first few in Beijing time and the signed link to the page)."""
from __future__ import annotations

from bot.clock import beijing
from bot.decisions import calendar_events, slots
from bot.decisions.results import second_round_ics, when_text
from bot.links import slot_link
from bot.store.models import Appointment, Decision, Interview, InterviewSlot, Invitation
from bot.wecom import messages, notify
from config.settings import get_settings

OFFERED = 3  # free slots a chat message lists (the page lists them all)


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


def move(appointment: Appointment, slot_id: int, reason: str, actor: str) -> slots.Booking:
    """HR moves a booked candidate to another slot (capacity as for anyone): the candidate is told with the reason
    and a fresh .ics, the interviewer's event follows. SlotError for a missing reason."""
    reason = slots.check_reason(reason)
    invitation = appointment.invitation
    booking = slots.book(invitation, slot_id, actor, reason=reason)
    if booking.status != "booked":
        return booking
    moved = booking.appointment
    values = {"position": invitation.position.title, "when": when_text(moved), "place": moved.place or "-"}
    text = messages.render("slot_moved_by_hr", invitation.candidate.locale, reason=reason, **values)
    # rendered with the reason; its kind and SMS template are reschedule_confirmed's (an SMS carries no free text)
    notify.send_to_candidate(invitation, text, f"slot:{moved.id}:{moved.version}:candidate", purpose="reschedule",
                             ics=[second_round_ics(moved, invitation)], template="reschedule_confirmed",
                             values=values)
    calendar_events.queue_event(moved)
    return booking


def cancel(appointment: Appointment, reason: str, actor: str) -> Appointment:
    """HR cancels one booking: its seat is free, the candidate is told why with the free slots offered, and a CANCEL
    .ics; the interviewer's event goes."""
    was = when_text(appointment)
    cancelled = slots.cancel_booking(appointment.id, actor, reason)
    tell_cancelled(cancelled, was, slots.check_reason(reason))
    return cancelled


def cancel_slot(slot: InterviewSlot, reason: str, actor: str) -> list[Appointment]:
    """HR cancels a whole slot: every candidate booked into it is told and offered the free slots."""
    reason = slots.check_reason(reason)
    _, cancelled = slots.cancel_booked(slot.id, actor, reason)
    for appointment in cancelled:
        tell_cancelled(appointment, when_text(appointment), reason)
    return cancelled


def tell_cancelled(appointment: Appointment, was: str, reason: str) -> None:
    """The cancelled candidate's message (free slots offered) with the CANCEL .ics; the interviewer's event goes."""
    invitation = appointment.invitation
    text = messages.render("slot_booking_cancelled", invitation.candidate.locale, position=invitation.position.title,
                           when=was, reason=reason, **offer_values(invitation))
    notify.send_to_candidate(invitation, text, f"slot:{appointment.id}:{appointment.version}:cancelled",
                             purpose="reschedule", ics=[cancel_ics(appointment, invitation)])
    calendar_events.queue_event(appointment)


def offer_values(invitation: Invitation, day: object = None) -> dict[str, str]:
    """choices (the first OFFERED free slots, one a line; on day when it has any), example and link for a message
    offering free slots; empty choices when there is none."""
    mine = current(invitation)
    free = [s for s in slots.free_slots(invitation.position_id) if mine is None or s.id != mine.slot_id]
    that_day = [s for s in free if day is not None and beijing(s.starts_at).date() == day]
    shown = (that_day or free)[:OFFERED]
    return {"choices": "\n".join(f"• {slots.label(s)}" + (f"（{s.place}）" if s.place else "") for s in shown),
            "example": example(shown[0]) if shown else "",
            "link": slot_link(get_settings(), invitation) if shown else ""}


def example(slot: InterviewSlot) -> str:
    """How a candidate may write the slot's time so the chat reads it back: '12月8日14:00'."""
    start = beijing(slot.starts_at)
    return f"{start.month}月{start.day}日{start:%H:%M}"


def cancel_ics(appointment: Appointment, invitation: Invitation) -> dict[str, str]:
    """The cancellation as METHOD:CANCEL (same UID as the entry it takes out, the version's SEQUENCE)."""
    return second_round_ics(appointment, invitation, cancelled=True)
