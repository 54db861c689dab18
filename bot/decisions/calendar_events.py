"""A booked second round in the interviewer's WeCom calendar: oa/schedule/add (日程 · 创建日程), oa/schedule/update
(更新日程) when the appointment moves, oa/schedule/del (取消日程) when it is cancelled.

Every change of the appointment (booked, moved on the page, by chat or by HR, cancelled) queues one job per version;
the job brings the event in line: it creates it with the slot's interviewer as its attendee, a 15-minute reminder, the
place, and the candidate masked (张*（#12）): a calendar is shown to more people than the interviewer. The event's
schedule_id, interviewer and version are kept in Redis per appointment (30 days). A move within the same
interviewer's calendar updates the event (update overwrites, so every field is sent again); a move to another
interviewer's slot deletes the earlier event and adds one; a move to a time of one's own (no slot) keeps the same
interviewer and updates their event; a cancellation deletes it. A job whose appointment moved on since (a later
version), or whose version is done already (a retry), does nothing. An event WeCom no longer has (deleted by hand) is
added again; a transient WeCom error fails the job so RQ retries it.
"""
from __future__ import annotations

import datetime as dt
import json
import logging

import redis
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


def interviewer_of(appointment: Appointment) -> str:
    """Who interviews: the slot's interviewer, else — a time of its own, moved out of a slot — the one whose calendar
    holds the event ('' when nobody is known, or Redis cannot say just now)."""
    if appointment.slot is not None:
        return appointment.slot.interviewer
    try:
        return json.loads(get_redis().get(_stored_key(appointment.id)) or "{}").get("interviewer", "")
    except redis.RedisError:
        log.warning("the interviewer of appointment %s could not be read", appointment.id, exc_info=True)
        return ""


def queue_event(appointment: Appointment) -> None:
    """Queue the interviewer's calendar event for this version of the appointment."""
    enqueue(DELIVERY, "jobs.decisions.interviewer_event", appointment.id, appointment.version, key=_key(appointment),
            retry=RETRY)


def _seconds(moment: dt.datetime) -> int:
    return int(moment.replace(tzinfo=dt.UTC).timestamp())


def event_body(appointment: Appointment, agent_id: int, interviewer: str = "") -> dict:
    """The oa/schedule/add request for the appointment (its slot's interviewer unless another is named)."""
    invitation = appointment.invitation
    interviewer = interviewer or appointment.slot.interviewer
    who = masked_label(invitation.candidate)
    ends_at = appointment.ends_at or appointment.starts_at + dt.timedelta(hours=1)
    return {"agentid": agent_id, "schedule": {
        "start_time": _seconds(appointment.starts_at), "end_time": _seconds(ends_at),
        "summary": f"「{invitation.position.title}」复试 · {who}"[:128],
        "description": f"候选人：{who}\n由面试助手预约，详情见候选人的面试报告。",
        "location": (appointment.place or "")[:128], "attendees": [{"userid": interviewer}],
        "reminders": {"is_remind": 1, "remind_before_event_secs": REMIND_SECONDS, "timezone": 8}}}


def add_event(appointment_id: int, version: int) -> str:
    """Bring the interviewer's event in line with this version of the appointment (the job): added, updated,
    deleted, none (nothing to show or take out), already (a retry), stale (moved on since), or raise WeComError to
    retry. The name stays for the jobs already queued (jobs/decisions.py interviewer_event)."""
    with db_session():
        appointment = Appointment.get_or_none(Appointment.id == appointment_id)
        if appointment is None or appointment.version != version:
            return "stale"
        redis, key = get_redis(), _stored_key(appointment.id)
        earlier = json.loads(redis.get(key) or "{}")
        if earlier.get("version", 0) >= version:
            return "already"
        client = wecom()  # a WeComError fails the job and RQ retries it (RETRY); the booking itself stands
        interviewer = appointment.slot.interviewer if appointment.slot is not None else earlier.get("interviewer")
        if appointment.status != "scheduled" or not interviewer:
            _delete(client, earlier, appointment.id)
            redis.set(key, json.dumps({"version": version}), ex=DONE_SECONDS)
            return "deleted" if earlier.get("schedule_id") else "none"
        body = event_body(appointment, client.agent_id, interviewer)
        if earlier.get("schedule_id") and earlier.get("interviewer") == interviewer:
            if _update(client, earlier["schedule_id"], body["schedule"]):
                _remember(key, version, earlier["schedule_id"], interviewer)
                return "updated"
            earlier.pop("schedule_id")  # gone from their calendar (deleted by hand): add it again
        elif earlier.get("schedule_id"):  # another interviewer's slot: out of the earlier one's calendar
            _delete(client, earlier, appointment.id)
            redis.set(key, json.dumps({"version": earlier["version"]}), ex=DONE_SECONDS)  # a retry adds, not deletes
        answer = client.post("oa/schedule/add", data=body)
        _remember(key, version, str(answer.get("schedule_id", "")), interviewer)
    return "added"


def _remember(key: str, version: int, schedule_id: str, interviewer: str) -> None:
    get_redis().set(key, json.dumps({"version": version, "schedule_id": schedule_id, "interviewer": interviewer}),
                    ex=DONE_SECONDS)


def _update(client, schedule_id: str, schedule: dict) -> bool:
    """oa/schedule/update (overwrites the event: every field is sent again); False when WeCom no longer has it."""
    try:
        client.post("oa/schedule/update", data={"skip_attendees": 0,
                                                "schedule": {"schedule_id": schedule_id, **schedule}})
    except WeComError as exc:
        if exc.transient:
            raise
        log.info("event %s not updated, added again: %s", schedule_id, exc)
        return False
    return True


def _delete(client, earlier: dict, appointment_id: int) -> None:
    """oa/schedule/del of the earlier event, if there is one; one gone already (deleted by hand) is fine."""
    if not earlier.get("schedule_id"):
        return
    try:
        client.post("oa/schedule/del", data={"schedule_id": earlier["schedule_id"]})
    except WeComError as exc:
        if exc.transient:
            raise
        log.info("earlier event of appointment %s not cancelled: %s", appointment_id, exc)
