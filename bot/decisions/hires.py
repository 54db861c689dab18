"""What follows 录用: the offer and the hire, one Hire row per invitation.

    offered → accepted | declined | withdrawn
    accepted → hired (first working day, unit, employee id) | withdrawn

Any other change is refused with a message saying what may follow. Every change is a conditional UPDATE on the row's
version and status (optimistic concurrency: the HR page's form, the chat command and the open API's If-Match carry
the version they read), bumps the version, is audited and announced by a webhook (offer.made, offer.accepted,
offer.declined, offer.withdrawn, candidate.hired), each at most once per invitation. A hire date before the
candidate's interviews is refused. Hired hands off to onboarding (bot/decisions/onboarding.py).
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import peewee as pw

from bot.clock import CN_TZ, utcnow
from bot.decisions import onboarding
from bot.errors import UserError
from bot.integrations import webhooks
from bot.org import team
from bot.store.db import database
from bot.store.models import Appointment, AuditLog, Hire, Interview, Invitation, OrgUnit
from bot.wecom import messages, notify
from config.settings import get_settings

log = logging.getLogger(__name__)

STATUSES = {"offered": "已发录用通知", "accepted": "已接受", "declined": "已拒绝", "withdrawn": "已撤回",
            "hired": "已入职"}
NEXT = {"offered": ("accepted", "declined", "withdrawn"), "accepted": ("hired", "withdrawn")}
EVENTS = {"offered": "offer.made", "accepted": "offer.accepted", "declined": "offer.declined",
          "withdrawn": "offer.withdrawn", "hired": "candidate.hired"}
EMPLOYEE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")


class HireError(UserError):
    """A change that cannot be made: `code` (for the API), `field` (the form's or body's), a Chinese message."""

    def __init__(self, message: str, code: str = "invalid_value", field: str = "", current: Hire | None = None):
        super().__init__(message)
        self.message, self.code, self.field, self.current = message, code, field, current


def label(status: str) -> str:
    """The status in HR's words."""
    return STATUSES.get(status, status)


def open_offer(invitation: Invitation, userid: str) -> Hire:
    """Open the Hire for a 录用 (once) and send the candidate the 录用通知 over their channels (never SMS)."""
    settings = get_settings()
    try:
        with database.atomic():
            hire = Hire.create(invitation=invitation, status="offered", updated_by=userid,
                               unit=invitation.position.unit_id)
    except pw.IntegrityError:
        return Hire.get(Hire.invitation == invitation)
    candidate = invitation.candidate
    text = messages.render("offer_made", candidate.locale, name=candidate.greeting_name, company=settings.company_name,
                           position=invitation.position.title, contact=invitation.invited_by)
    notify.send_to_candidate(invitation, text, f"offer:{invitation.id}", purpose="result", template="offer_made")
    AuditLog.create(actor=userid, action="hire:offered", target_type="hire", target_id=str(hire.id),
                    detail={"invitation": invitation.id})
    announce(hire)
    return hire


def interviewed_on(invitation: Invitation) -> dt.date | None:
    """The last day the candidate was interviewed (the AI interview, a second round booked), Beijing time."""
    moments = [i.completed_at for i in Interview.select().where(Interview.invitation == invitation) if i.completed_at]
    moments += [a.starts_at for a in Appointment.select().where((Appointment.invitation == invitation)
                                                                 & (Appointment.status != "cancelled"))]
    return max(m.replace(tzinfo=dt.UTC).astimezone(CN_TZ).date() for m in moments) if moments else None


def _hired_values(hire: Hire, hired_on: Any, unit: Any, employee_id: Any) -> dict[str, Any]:
    """The hire's first working day, unit and employee id, checked."""
    if isinstance(hired_on, str) and hired_on.strip():
        try:
            hired_on = dt.date.fromisoformat(hired_on.strip())
        except ValueError:
            raise HireError("入职日期的格式应为 2027-01-04", field="hired_on") from None
    if not isinstance(hired_on, dt.date):
        raise HireError("请填写入职日期，格式如 2027-01-04", field="hired_on")
    first = interviewed_on(hire.invitation)
    if first is not None and hired_on < first:
        raise HireError(f"入职日期 {hired_on.isoformat()} 早于候选人的面试日期 {first.isoformat()}，请检查",
                        field="hired_on")
    employee_id = str(employee_id or "").strip()
    if not EMPLOYEE_ID.fullmatch(employee_id):
        raise HireError("请填写工号：1-32 位字母、数字、- 或 _，如 E1234", field="employee_id")
    if Hire.select().where(Hire.employee_index.matches(employee_id) & (Hire.id != hire.id)).exists():
        raise HireError(f"工号 {employee_id} 已登记给另一位入职者，请核对", field="employee_id")
    values: dict[str, Any] = {"hired_on": hired_on, "employee_id": employee_id}
    if isinstance(unit, OrgUnit):
        values["unit"] = unit
    elif unit not in (None, ""):
        try:
            values["unit"] = team.resolve_unit(unit)
        except team.TeamError as exc:
            raise HireError(str(exc).replace("unit 必须", "机构必须"), field="unit") from None
    return values


def change(hire_id: int, status: str, userid: str, *, version: int | None = None, hired_on: Any = None,
           unit: Any = None, employee_id: Any = None) -> tuple[Hire, bool]:
    """Move the hire to status (from the version read, when given); return it and whether it changed (asking for
    the status it already has changes nothing). Raise HireError when the change is not allowed or someone changed
    it since."""
    hire = Hire.get_or_none(Hire.id == hire_id)
    if hire is None:
        raise HireError("没有这条录用记录", code="not_found")
    if hire.invitation.candidate.erased_at is not None:
        raise HireError("该候选人的个人信息已删除，录用状态不能再更改", code="candidate_erased", current=hire)
    if version is not None and version != hire.version:
        raise HireError(f"录用状态已被 {hire.updated_by or '他人'} 更新（现为「{label(hire.status)}」，版本 "
                        f"{hire.version}），请刷新后重试", code="version_conflict", current=hire)
    if status not in STATUSES:
        raise HireError("未知的录用状态；可用：" + "、".join(f"{s}（{t}）" for s, t in STATUSES.items()),
                        field="status")
    if status == hire.status:
        return hire, False
    allowed = NEXT.get(hire.status, ())
    if status not in allowed:
        then = "、".join(label(s) for s in allowed) or "不能再更改"
        raise HireError(f"「{label(hire.status)}」不能改为「{label(status)}」（之后可以：{then}）",
                        code="illegal_transition", field="status", current=hire)
    now = utcnow()
    values: dict[str, Any] = {"status": status, "updated_by": userid, "updated_at": now, "version": hire.version + 1}
    if status in ("accepted", "declined"):
        values["responded_at"] = now
    if status == "hired":
        values.update(_hired_values(hire, hired_on, unit, employee_id))
    with database.atomic():
        changed = Hire.update(**values).where((Hire.id == hire.id) & (Hire.version == hire.version)
                                              & (Hire.status == hire.status)).execute()
        if not changed:
            now_is = Hire.get_by_id(hire.id)
            raise HireError(f"录用状态刚刚被 {now_is.updated_by} 改为「{label(now_is.status)}」，请刷新后重试",
                            code="version_conflict", current=now_is)
        AuditLog.create(actor=userid, action=f"hire:{status}", target_type="hire", target_id=str(hire.id),
                        detail={"from": hire.status, "version": values["version"]})
    hire = Hire.get_by_id(hire.id)
    announce(hire)
    if status == "hired":
        onboarding.hand_off(hire)
    return hire, True


def announce(hire: Hire) -> int:
    """The webhook of the hire's present status (offer.made … candidate.hired), once per invitation and event; a
    webhook problem never undoes the change (what was recorded is queued again by webhooks.requeue_stalled)."""
    try:
        return webhooks.emit(EVENTS[hire.status], f"invitation:{hire.invitation_id}", onboarding.hire_data(hire),
                             hire.invitation.position)
    except Exception:
        log.exception("webhook of hire %s (%s) not recorded", hire.id, hire.status)
        return 0


def of_invitation(invitation: Invitation) -> Hire | None:
    """The invitation's hire, if 录用 was decided."""
    return Hire.get_or_none(Hire.invitation == invitation)
