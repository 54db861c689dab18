"""A booked second round in the interviewer's WeCom calendar (oa/schedule/add, 日程 · 创建日程).

Booking queues one job per appointment version (bot/decisions/booking.py); the job creates the event with the slot's
interviewer as its attendee, a 15-minute reminder, the place, and the candidate masked (张*（#12）): a calendar is
shown to more people than the interviewer. The event's schedule_id and version are kept in Redis per appointment
(30 days): a booking moved to another slot cancels the earlier event (oa/schedule/del) before adding the new one; a
job whose appointment moved on since (a later version), or whose event exists already (a retry), does nothing.
"""
from __future__ import annotations

import datetime as dt
import json
import logging

from rq import Retry

from bot.errors import WeComError
from bot.privacy.roles import masked_label
from bot.queues import DELIVERY, enqueue
from bot.store.db import db_session
from bot.store.kv import get_redis
from bot.store.models import Appointment
from bot.wecom.delivery import wecom

log = logging.getLogger(__name__)
RETRY = Retry(max=3, interval=[10, 60, 300])
REMIND_SECONDS = 900
DONE_SECONDS = 30 * 86400


def _key(appointment: Appointment) -> str:
    return f"schedule:{appointment.id}:{appointment.version}"


def _stored_key(appointment_id: int) -> str:
    return f"wecom:schedule:{appointment_id}"


def queue_event(appointment: Appointment) -> None:
    """Queue the interviewer's calendar event for this version of the appointment."""
    enqueue(DELIVERY, "jobs.decisions.interviewer_event", appointment.id, appointment.version, key=_key(appointment),
            retry=RETRY)


def _seconds(moment: dt.datetime) -> int:
    return int(moment.replace(tzinfo=dt.UTC).timestamp())


def event_body(appointment: Appointment, agent_id: int) -> dict:
    """The oa/schedule/add request for the appointment's slot."""
    invitation, slot = appointment.invitation, appointment.slot
    who = masked_label(invitation.candidate)
    return {"agentid": agent_id, "schedule": {
        "start_time": _seconds(appointment.starts_at), "end_time": _seconds(appointment.ends_at),
        "summary": f"「{invitation.position.title}」复试 · {who}"[:128],
        "description": f"候选人：{who}\n由面试助手预约，详情见候选人的面试报告。",
        "location": (slot.place or "")[:128], "attendees": [{"userid": slot.interviewer}],
        "reminders": {"is_remind": 1, "remind_before_event_secs": REMIND_SECONDS, "timezone": 8}}}


def add_event(appointment_id: int, version: int) -> str:
    """Create the event (the job): added, already, stale (moved or gone since), or raise WeComError to retry."""
    with db_session():
        appointment = Appointment.get_or_none(Appointment.id == appointment_id)
        if appointment is None or appointment.version != version or appointment.slot is None:
            return "stale"
        redis, key = get_redis(), _stored_key(appointment.id)
        earlier = json.loads(redis.get(key) or "{}")
        if earlier.get("version", 0) >= version:
            return "already"
        client = wecom()  # a WeComError fails the job and RQ retries it (RETRY); the booking itself stands
        if earlier.get("schedule_id"):
            try:
                client.post("oa/schedule/del", data={"schedule_id": earlier["schedule_id"]})
            except WeComError as exc:  # gone already (the interviewer deleted it): the new one matters more
                log.info("earlier event of appointment %s not cancelled: %s", appointment.id, exc)
            redis.set(key, json.dumps({"version": earlier["version"]}), ex=DONE_SECONDS)  # a retry adds, not deletes
        answer = client.post("oa/schedule/add", data=event_body(appointment, client.agent_id))
        redis.set(key, json.dumps({"version": version, "schedule_id": str(answer.get("schedule_id", ""))}),
                  ex=DONE_SECONDS)
    return "added"
