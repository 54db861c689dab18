"""HR's result card and the decision behind its buttons: exactly one decision, one candidate message.

The card goes to the recruiter who invited and the position's recruiters in one message, so one response_code
updates it for all of them; its interviewers and hiring manager get a masked copy without buttons. A click is a
job: the decision row is unique per interview (a 'hold' row can turn into pass or reject once, by a conditional
UPDATE), so duplicate, replayed, stale or simultaneous clicks decide once; only the click that decided queues the
candidate's message, under a key fixed by the interview (and by how often the decision was reopened after a review:
bot/decisions/review.py).

不通过 is taken back before it counts: the click turns the clicker's card into "确认不通过？" with 确认 / 撤回
(update_template_card with the click's response_code; the others' cards keep their buttons). Only 确认 decides, so
the 感谢函 leaves only then; 撤回 puts the card back as it was.

When the position has published second-round slots with a seat left (bot/decisions/slots.py), the 复试通知 carries a
signed link to pick one (handlers/h5/slots.py) instead of booking the position's fixed next_round time.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import peewee as pw

from bot.clock import CN_TZ, local_time, span_label, utcnow
from bot.decisions import calendar_events, once, slots
from bot.decisions.calendar import appointment_ics
from bot.errors import WeComError
from bot.integrations import webhooks
from bot.invitations import reach
from bot.links import report_link, slot_link
from bot.org import team
from bot.org.access import access_of
from bot.privacy import scrub
from bot.privacy.roles import can, masked_label
from bot.store.db import database, db_session
from bot.store.models import Appointment, AuditLog, Decision, Invitation, OutboundMessage, Report
from bot.wecom import messages, notify, outbox
from bot.wecom.cards import asking_card, report_card, task_id
from bot.wecom.delivery import wecom
from config.settings import Settings, get_settings

log = logging.getLogger(__name__)

OUTCOMES = ("pass", "hold", "reject")
CONFIRM, UNDO = "reject:confirm", "reject:undo"  # the confirmation card's buttons: decide:<report>:reject:confirm
CARD_ACTIONS = (*OUTCOMES, CONFIRM, UNDO)
REOPEN = "reopen_decision"  # the audit action of a reopened decision
NEXT_ROUND = {"after_days": 3, "at": "10:00", "duration_minutes": 60, "place": "", "contact": "", "materials": ""}


def reviewers(settings: Settings, invitation: Invitation) -> list[str]:
    """Who gets the result card with its buttons: the recruiter who invited, then the position's recruiters (its
    team's, else its unit's up the tree, else HR_USERIDS: bot/org/team.py)."""
    return list(dict.fromkeys([invitation.invited_by, *team.recruiters(settings, invitation.position)]))


def send_card(report: Report) -> None:
    """Queue the result card for a new report (once: the key is the report's); the position's interviewers and
    hiring manager get it too, the candidate masked and without buttons."""
    settings = get_settings()
    invitation = report.interview.invitation
    users = reviewers(settings, invitation)
    notify.flush_hr(invitation.invited_by)  # the "已完成" notice still folding goes first, then the card
    common = {"locale": settings.hr_locale, "company": settings.company_name, "position": invitation.position.title,
              "report_id": report.id, "report_url": report_link(settings, report.id),
              "task": task_id(f"report{report.id}")}
    known = scrub.known(invitation.candidate)
    payload = report_card(touser="|".join(users), doc=scrub.scrub(report.document, known, scrub.CHAT),
                          **card_names(settings, invitation), **common)
    outbox.send(f"report:{report.id}:card", payload, purpose="report_card", invitation=invitation)
    watching = [u for u in team.watchers(invitation.position) if u not in users]
    if watching:
        masked = report_card(touser="|".join(watching), doc=scrub.scrub(report.document, known, scrub.EVERYTHING),
                             buttons=False, **card_names(settings, invitation, masked=True),
                             **{**common, "task": task_id(f"report{report.id}m")})
        outbox.send(f"report:{report.id}:card:team", masked, purpose="report_card", invitation=invitation)


def card_names(settings: Settings, invitation: Invitation, *, masked: bool = False) -> dict[str, str]:
    """How a result card names the candidate: the name in its title, on its first line the name with their WeCom
    userid beside it (张三（zhangsan）) and how they were reached (企业微信, 微信客服, 外部联系人, 邮件…). A masked card
    (interviewers, hiring managers) shows 张*（#12） in both places, never the name or the userid."""
    candidate = invitation.candidate
    how = invitation.channel if invitation.channel in reach.CHANNELS else "member"
    channel = messages.render(f"card_channel_{how}", settings.hr_locale)
    if masked:
        return {"name": masked_label(candidate), "channel": channel}
    label = f"{candidate.name}（{candidate.wecom_userid}）" if candidate.name and candidate.wecom_userid else ""
    return {"name": candidate.display_name, "label": label or candidate.display_name, "channel": channel}


def card_message(report_id: int) -> OutboundMessage | None:
    """The result card's outbox row (its recipients are the people who may decide from it)."""
    return OutboundMessage.get_or_none(OutboundMessage.idempotency_key == f"report:{report_id}:card")


def _stamp(moment: dt.datetime) -> str:
    return local_time(moment)[5:]  # "11-24 10:30"


def decide(report_id: int, outcome: str, userid: str, response_code: str, request_key: str) -> str:
    """Take one click on the result card (or the report page, without a response_code); return what happened
    (decided, held, already, refused, …)."""
    settings = get_settings()
    if outcome not in OUTCOMES:
        return "unknown"
    with db_session():
        report = Report.get_or_none(Report.id == report_id)
        if report is None:
            return "missing"
        interview = report.interview
        invitation = interview.invitation
        barred = _barred(settings, report_id, invitation, userid, request_key)
        if barred:
            return barred
        result = (once.hold(Decision, "interview", interview.id, userid) if outcome == "hold"
                  else once.final(Decision, "interview", interview.id, outcome, userid))
        decision = Decision.get(Decision.interview == interview.id)
        if result in ("decided", "held"):
            AuditLog.create(actor=userid, action=f"decide:{outcome}", target_type="interview",
                            target_id=str(interview.id), detail={"report": report_id})
        if result == "decided":
            Report.update(released_at=utcnow()).where(Report.id == report_id).execute()
            tell_candidate(report, invitation, outcome)
            webhooks.decision_made(decision)
    if response_code:
        _update_card(settings, report, invitation, decision, result, userid, response_code, request_key)
    elif result in ("decided", "held"):
        _tell_reviewers(settings, report, invitation, decision, userid, request_key)
    return result


def _barred(settings: Settings, report_id: int, invitation: Invitation, userid: str, request_key: str) -> str:
    """Why userid may not decide on this report ('' when they may), told to them in chat."""
    card = card_message(report_id)
    allowed = can(access_of(settings, userid).role_for(invitation.position), "decide") or (
        card is not None and userid in card.recipient.split("|"))
    if not allowed:
        notify.to_hr(userid, "hr_not_allowed", f"{request_key}:refused")
        return "refused"
    if invitation.candidate.erased_at is not None:  # an old card of someone whose data is deleted
        notify.to_hr(userid, "hr_decide_erased", f"{request_key}:erased", position=invitation.position.title)
        return "erased"
    return ""


def click(report_id: int, action: str, userid: str, response_code: str, request_key: str) -> str:
    """Take one click on the result card: 进入复试 and 待定 decide; 不通过 asks first, 确认 decides, 撤回 undoes."""
    if action == "reject":
        return ask_reject(report_id, userid, response_code, request_key)
    if action == UNDO:
        return undo_reject(report_id, userid, response_code, request_key)
    return decide(report_id, "reject" if action == CONFIRM else action, userid, response_code, request_key)


def ask_reject(report_id: int, userid: str, response_code: str, request_key: str) -> str:
    """不通过 on the card: decide nothing yet; the clicker's card asks 确认不通过？ (asked, already, refused, …)."""
    settings = get_settings()
    found = _clicked(settings, report_id, userid, response_code, request_key)
    if isinstance(found, str):
        return found
    report, card, invitation, _ = found
    asking = _confirm_card(card.payload["template_card"], settings.hr_locale, invitation.candidate.display_name,
                           report_id)
    return _replace_own_card(report, invitation, userid, response_code, request_key, asking, "asked")


def undo_reject(report_id: int, userid: str, response_code: str, request_key: str) -> str:
    """撤回 on the confirmation card: the clicker's card is the result card again (held line and all)."""
    settings = get_settings()
    found = _clicked(settings, report_id, userid, response_code, request_key)
    if isinstance(found, str):
        return found
    report, card, invitation, decision = found
    original = card.payload["template_card"]
    restored = _held_card(original, settings.hr_locale, decision) if decision is not None else original
    return _replace_own_card(report, invitation, userid, response_code, request_key, restored, "undone")


def _clicked(settings: Settings, report_id: int, userid: str, response_code: str,
             request_key: str) -> tuple[Report, OutboundMessage, Invitation, Decision | None] | str:
    """What a 不通过 / 撤回 click is about (the report, its card, the invitation, the decision so far), or what
    happened instead: missing, refused, erased, or already (decided meanwhile: the card greys, as a late click's)."""
    with db_session():
        report = Report.get_or_none(Report.id == report_id)
        card = card_message(report_id)
        if report is None or card is None:
            return "missing"
        invitation = report.interview.invitation
        barred = _barred(settings, report_id, invitation, userid, request_key)
        if barred:
            return barred
        decision = Decision.get_or_none(Decision.interview == report.interview_id)
    if decision is not None and decision.outcome != "hold":
        _update_card(settings, report, invitation, decision, "already", userid, response_code, request_key)
        return "already"
    return report, card, invitation, decision


def _replace_own_card(report: Report, invitation: Invitation, userid: str, response_code: str, request_key: str,
                      fresh: dict[str, Any], result: str) -> str:
    """Show fresh on the clicker's card only (the others keep theirs); a used response_code is said in chat."""
    try:
        wecom().update_template_card([userid], response_code, template_card=fresh)
    except WeComError as exc:
        log.info("card of report %s not replaced: %s", report.id, exc)
        notify.to_hr(userid, "hr_card_stale", f"{request_key}:stale", name=invitation.candidate.display_name,
                     position=invitation.position.title, link=report_link(get_settings(), report.id))
        return "stale"
    return result


def _confirm_card(card: dict[str, Any], locale: str, name: str, report_id: int) -> dict[str, Any]:
    """The same card asking 确认不通过？ with 确认 and 撤回 in place of the decision buttons."""
    return asking_card(card, messages.render("card_reject_confirm_title", locale),
                       messages.render("card_reject_confirm_desc", locale, name=name),
                       (messages.render("card_reject_confirm", locale), f"decide:{report_id}:{CONFIRM}"),
                       (messages.render("card_reject_undo", locale), f"decide:{report_id}:{UNDO}", 2))


def _tell_reviewers(settings: Settings, report: Report, invitation: Invitation, decision: Decision, userid: str,
                    request_key: str) -> None:
    """A decision taken on the report page: the card cannot be updated without a click's response_code, so the
    others who got it are told in chat (a later tap on the card answers 'already decided')."""
    card = card_message(report.id)
    outcome = messages.render(f"outcome_{decision.outcome}", settings.hr_locale)
    for user in (card.recipient.split("|") if card is not None else []):
        if user != userid:
            notify.to_hr(user, "hr_decided_on_page", f"{request_key}:told:{user}", who=userid, outcome=outcome,
                         name=invitation.candidate.display_name, position=invitation.position.title)


def _update_card(settings: Settings, report: Report, invitation: Invitation, decision: Decision, result: str,
                 userid: str, response_code: str, request_key: str) -> None:
    """Grey the buttons for everyone who got the card (final), or show who put it on hold."""
    card = card_message(report.id)
    users = card.recipient.split("|") if card is not None else [userid]
    locale = settings.hr_locale
    outcome_label = messages.render(f"outcome_{decision.outcome}", locale)
    try:
        if decision.outcome == "hold" and card is not None:
            fresh = _held_card(card.payload["template_card"], locale, decision)
            wecom().update_template_card(users, response_code, template_card=fresh)
        else:
            label = messages.render("card_decided", locale, outcome=outcome_label, who=decision.decided_by,
                                    at=_stamp(decision.decided_at))
            wecom().update_template_card(users, response_code, button={"replace_name": label})
    except WeComError as exc:  # a used or expired response_code: the decision stands, say so in chat
        log.info("card of report %s not updated: %s", report.id, exc)
        name, title = invitation.candidate.display_name, invitation.position.title
        if result == "decided":
            notify.to_hr(userid, "hr_decided_stale", f"{request_key}:stale", outcome=outcome_label, name=name,
                         position=title)
        elif result == "already":
            notify.to_hr(userid, "hr_already_decided", f"{request_key}:already", name=name, position=title,
                         who=decision.decided_by, at=_stamp(decision.decided_at), outcome=outcome_label)


def _held_card(card: dict[str, Any], locale: str, decision: Decision) -> dict[str, Any]:
    """The same card (same task_id, live buttons) with a line saying who put it on hold and when."""
    note = messages.render("card_held", locale, who=decision.held_by, at=_stamp(decision.held_at))
    lines = [line for line in card.get("sub_title_text", "").split("\n") if not line.startswith(note[:4])]
    return {**card, "sub_title_text": "\n".join([note, *lines])}


def tell_candidate(report: Report, invitation: Invitation, outcome: str) -> None:
    """Queue the 复试通知 or the 感谢函 (once per interview and decision: the key is fixed by the interview and how
    often its decision was reopened; a message after a reopened decision says the earlier one no longer stands)."""
    settings = get_settings()
    position, candidate = invitation.position, invitation.candidate
    times = reopened(report.interview_id)
    key = f"result:{report.interview_id}" + (f":{times}" if times else "")
    if outcome == "pass" and may_pick(invitation):
        invite_to_pick(invitation, key, times)
        return
    if outcome == "pass":
        appointment = next_round(invitation)
        plan = {**NEXT_ROUND, **(position.rubric.get("next_round") or {})}
        text = messages.render("result_pass", candidate.locale, name=candidate.greeting_name, position=position.title,
                               when=when_text(appointment), place=appointment.place or "-",
                               contact=appointment.contact or invitation.invited_by, materials=plan["materials"])
        ics = [second_round_ics(appointment, invitation)]
    else:
        ics = None
        suggestions = [s for s in report.document.get("suggestions", []) if s][:3]
        text = messages.render("result_reject", candidate.locale, name=candidate.greeting_name,
                               company=settings.company_name, position=position.title, suggestions=suggestions,
                               days=settings.pool_retention_days,
                               pool=candidate.withdrawn_at is None)  # declined (or left) the pool: not a word of it
    if times:
        if outcome == "reject":  # a second round booked by the earlier 进入复试 no longer stands
            ics = _cancel_second_round(invitation) or None
        text = messages.render("result_supersedes", candidate.locale, position=position.title) + "\n\n" + text
    values = ({"name": candidate.greeting_name, "position": position.title, "when": when_text(appointment),
               "place": appointment.place or "-"} if outcome == "pass" else None)
    notify.send_to_candidate(invitation, text, key, purpose="result", ics=ics,
                             template="result_pass" if outcome == "pass" else "result_reject", values=values)


def _cancel_second_round(invitation: Invitation) -> list[dict[str, str]]:
    """Cancel the second round an earlier 进入复试 booked (its row kept, cancelled, its version bumped, so the seat is
    free and the interviewer's calendar event goes); return the CANCEL .ics for the candidate's letter."""
    booked = list(Appointment.select().where((Appointment.invitation == invitation)
                                             & (Appointment.kind == "second_round")
                                             & (Appointment.status == "scheduled")))
    cancelled = []
    for appointment in booked:
        Appointment.update(status="cancelled", version=Appointment.version + 1, updated_by="reopened",
                           reminded_at=None).where(Appointment.id == appointment.id).execute()
        appointment = Appointment.get_by_id(appointment.id)
        cancelled.append(second_round_ics(appointment, invitation, cancelled=True))
        calendar_events.queue_event(appointment)
    return cancelled


def may_pick(invitation: Invitation) -> bool:
    """Whether the 复试通知 asks the candidate to pick a published slot: the position has a free one, no second round
    is booked yet (a reopened decision keeps the one booked), and a message with a link reaches them."""
    booked = Appointment.select().where((Appointment.invitation == invitation) & (Appointment.kind == "second_round")
                                        & (Appointment.status == "scheduled")).exists()
    # The link is free text: a candidate reached only by SMS (approved templates) gets the fixed slot by SMS instead
    return (not booked and notify.route(invitation) != "none"
            and bool(slots.free_slots(invitation.position_id, limit=1)))


def invite_to_pick(invitation: Invitation, key: str, times: int) -> None:
    """The 复试通知 with a signed link to pick a time (handlers/h5/slots.py) instead of the position's fixed slot."""
    settings = get_settings()
    position, candidate = invitation.position, invitation.candidate
    plan = {**NEXT_ROUND, **(position.rubric.get("next_round") or {})}
    text = messages.render("result_pass_pick", candidate.locale, name=candidate.greeting_name, position=position.title,
                           link=slot_link(settings, invitation), contact=plan["contact"] or invitation.invited_by,
                           materials=plan["materials"])
    if times:
        text = messages.render("result_supersedes", candidate.locale, position=position.title) + "\n\n" + text
    notify.send_to_candidate(invitation, text, key, purpose="result", template="result_pass_pick")


def second_round_ics(appointment: Appointment, invitation: Invitation, *, cancelled: bool = False) -> dict[str, str]:
    """The second round as a calendar entry for the candidate's e-mail (bot/decisions/calendar.py); cancelled: the
    METHOD:CANCEL that takes it out (same UID, the version's SEQUENCE)."""
    settings, locale = get_settings(), invitation.candidate.locale
    values = {"company": settings.company_name, "position": invitation.position.title,
              "contact": appointment.contact or invitation.invited_by, "place": appointment.place or "-"}
    return appointment_ics(appointment, summary=messages.render("ics_summary", locale, **values),
                           description=messages.render("ics_description", locale, **values),
                           sender=settings.mail_from, cancelled=cancelled)


def reopened(interview_id: int) -> int:
    """How often the interview's decision was reopened (bot/decisions/review.py)."""
    return (AuditLog.select()
            .where((AuditLog.action == REOPEN) & (AuditLog.target_type == "interview")
                   & (AuditLog.target_id == str(interview_id)))
            .count())


def next_round(invitation: Invitation) -> Appointment:
    """Return the second-round appointment, proposing the position's default slot the first time."""
    existing = Appointment.get_or_none((Appointment.invitation == invitation) & (Appointment.kind == "second_round"))
    if existing is not None and existing.status != "cancelled":
        return existing
    plan = {**NEXT_ROUND, **(invitation.position.rubric.get("next_round") or {})}
    hour, minute = (int(x) for x in str(plan["at"]).split(":"))
    day = dt.datetime.now(CN_TZ).date() + dt.timedelta(days=int(plan["after_days"]))
    while day.weekday() >= 5:  # a weekday
        day += dt.timedelta(days=1)
    start = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CN_TZ).astimezone(dt.UTC)
    start = start.replace(tzinfo=None)
    ends = start + dt.timedelta(minutes=int(plan["duration_minutes"]))
    if existing is not None:  # cancelled by a reopened decision, passed again: the default slot, the next version
        Appointment.update(status="scheduled", starts_at=start, ends_at=ends, place=plan["place"],
                           contact=plan["contact"], slot=None, updated_by="system",
                           version=Appointment.version + 1).where(Appointment.id == existing.id).execute()
        return Appointment.get_by_id(existing.id)
    try:
        with database.atomic():
            return Appointment.create(invitation=invitation, kind="second_round", starts_at=start, ends_at=ends,
                                      place=plan["place"], contact=plan["contact"], updated_by="system")
    except pw.IntegrityError:
        return Appointment.get((Appointment.invitation == invitation) & (Appointment.kind == "second_round"))


def when_text(appointment: Appointment) -> str:
    """'11月30日（周一）14:00–15:00' in Beijing time."""
    return span_label(appointment.starts_at, appointment.ends_at)
