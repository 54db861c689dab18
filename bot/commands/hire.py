"""/offer and /hire: a recruiter records, in chat, what became of an offer (bot/decisions/hires.py).

    /offer zhangsan 接受            (拒绝, 撤回; accept, decline, withdraw)
    /hire zhangsan 入职 2027-01-04 工号 E1234 [机构 bj]     (/hire zhangsan 2027-01-04 id E1234 unit bj)

The change applies to the version the command read, so a change made meanwhile on the HR page or through the API
is not overwritten; an illegal change, a stale one or a hire date before the interview is answered with its
message. The same change as the page's: audited, announced by its webhook, the onboarding card on hire.
"""
from __future__ import annotations

import datetime as dt
import re

from bot.commands.lookup import find_candidate
from bot.commands.registry import ARG_MAX, CommandError, UsageError, command
from bot.decisions import hires
from bot.org.access import in_scope
from bot.store.models import Hire, Invitation, Position
from bot.wecom import notify

ANSWERS = {"接受": "accepted", "accept": "accepted", "accepted": "accepted", "拒绝": "declined",
           "decline": "declined", "declined": "declined", "撤回": "withdrawn", "withdraw": "withdrawn",
           "withdrawn": "withdrawn"}
DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
KEYWORDS = {"工号": "employee_id", "id": "employee_id", "employee": "employee_id", "机构": "unit", "unit": "unit",
            "入职": "", "on": "", "日期": ""}


def read_offer(words: tuple[str, ...]) -> tuple[str, str]:
    """(candidate, status) from `zhangsan 接受`; raise UsageError when malformed."""
    if len(words) != 2 or len(words[0]) > ARG_MAX or words[1].lower() not in ANSWERS:
        raise UsageError()
    return words[0], ANSWERS[words[1].lower()]


def read_hire(words: tuple[str, ...]) -> tuple[str, str, str, str]:
    """(candidate, date, employee id, unit) from `zhangsan 入职 2027-01-04 工号 E1234 机构 bj`; UsageError when
    the date or the employee id is missing."""
    if len(words) < 3 or any(len(w) > ARG_MAX for w in words):
        raise UsageError()
    who, found, pending = words[0], {"date": "", "employee_id": "", "unit": ""}, ""
    for word in words[1:]:
        key = KEYWORDS.get(word.lower(), None)
        if key is not None:
            pending = key
        elif pending:
            found[pending], pending = word, ""
        elif DATE.fullmatch(word) and not found["date"]:
            found["date"] = word
        elif not found["employee_id"]:
            found["employee_id"] = word
        else:
            raise UsageError()
    matched = DATE.fullmatch(found["date"])
    if matched is None or not found["employee_id"]:
        raise UsageError()
    try:
        day = dt.date(*(int(part) for part in matched.groups())).isoformat()
    except ValueError:
        raise UsageError(f"没有这一天：{found['date']}。日期格式如 2027-01-04。") from None
    return who, day, found["employee_id"], found["unit"]


def _hire_of(who: str) -> Hire:
    """The candidate's latest offer or hire the member may see; CommandError when there is none."""
    candidate = find_candidate(who)
    found = (Hire.select().join(Invitation).join(Position)
             .where((Invitation.candidate == candidate) & in_scope()).order_by(Hire.id.desc()).first()
             if candidate is not None else None)
    if found is None:
        raise CommandError("hr_hire_none", who=who)
    return found


def _told(hire: Hire, userid: str, key: str) -> str:
    invitation = hire.invitation
    notify.to_hr(userid, "hr_hire_changed", f"{key}:hire", name=invitation.candidate.display_name,
                 position=invitation.position.title, status=hires.label(hire.status),
                 hired_on=hire.hired_on.isoformat() if hire.hired_on else "")
    return hire.status


@command("offer", aliases=("录用通知",), args=read_offer,
         usage="/offer <候选人> 接受|拒绝|撤回",
         summary="记录录用通知的答复或撤回录用")
def offer(who: str, status: str, *, userid: str, key: str) -> str:
    """Record the candidate's answer to the offer (or withdraw it)."""
    hire = _hire_of(who)
    changed, _ = hires.change(hire.id, status, userid, version=hire.version)
    return _told(changed, userid, key)


@command("hire", aliases=("入职",), args=read_hire,
         usage="/hire <候选人> 入职 <日期> 工号 <工号> [机构 <代码>]",
         summary="登记入职")
def hire(who: str, day: str, employee_id: str, unit: str, *, userid: str, key: str) -> str:
    """Record the hire: first working day, employee id, unit (the position's by default)."""
    found = _hire_of(who)
    changed, _ = hires.change(found.id, "hired", userid, version=found.version, hired_on=day,
                              employee_id=employee_id, unit=unit or None)
    return _told(changed, userid, key)
