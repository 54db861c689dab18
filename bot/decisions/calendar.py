"""The second round as a calendar entry (.ics, RFC 5545) attached to the candidate's e-mail.

Every version of one appointment has the same UID and SEQUENCE = its version - 1, so a rescheduled appointment
replaces the earlier entry in the candidate's calendar instead of adding a second one; a cancelled one goes as
METHOD:CANCEL with STATUS:CANCELLED (same UID, its own higher SEQUENCE), which takes the entry out."""
from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event

from bot.clock import utcnow
from bot.store.models import Appointment

PRODID = "-//interview-bot//second round//ZH"


def appointment_ics(appointment: Appointment, *, summary: str, description: str, sender: str,
                    cancelled: bool = False) -> dict[str, str]:
    """The appointment as an attachment for an e-mail payload: {filename, content, method}; cancelled: the CANCEL
    that takes the entry out of the candidate's calendar."""
    domain = sender.rpartition("@")[2] or "localhost"
    start = appointment.starts_at.replace(tzinfo=dt.UTC)
    end = (appointment.ends_at or appointment.starts_at + dt.timedelta(hours=1)).replace(tzinfo=dt.UTC)
    event = Event()
    event.add("uid", f"appointment-{appointment.id}@{domain}")
    event.add("sequence", max(appointment.version - 1, 0))
    event.add("dtstamp", utcnow().replace(tzinfo=dt.UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("description", description)
    if cancelled:
        event.add("status", "CANCELLED")
    if appointment.place:
        event.add("location", appointment.place)
    if sender:
        event.add("organizer", f"mailto:{sender}")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    method = "CANCEL" if cancelled else "PUBLISH"
    calendar.add("method", method)
    calendar.add_component(event)
    return {"filename": "second-round.ics", "content": calendar.to_ical().decode(), "method": method}
