"""Invitation jobs: invite candidates to a position, settle delivery, take a decline, expire old ones."""
from __future__ import annotations

import datetime as dt
import logging
import re
from urllib.parse import quote

import peewee as pw

from bot.clock import CN_TZ, deadline_on, local_time, utcnow
from bot.errors import OUTAGES, WeComError
from bot.links import invitation_link
from bot.org import names
from bot.org.access import acting, in_scope
from bot.store.db import database, db_session
from bot.store.kv import get_redis
from bot.store.models import AuditLog, Candidate, Invitation, OutboundMessage, Position
from bot.wecom import delivery, messages, notify, outbox
from bot.wecom.cards import asking_card, clip, guide_values, invitation_card
from bot.wecom.delivery import send_text, wecom
from bot.wecom.outbox import schedule
from config.settings import Settings, get_settings

log = logging.getLogger(__name__)

OPEN_STATES = ("created", "sent", "opened")
WECHAT = re.compile(r"(?:wx|微信)[:：](\S{1,32})")  # a candidate who is not a member: reached via kf / contact me
REMINDABLE = ("sent", "opened", "started")  # invitations a reminder may still help
NO_KF_KEY, NO_KF_SECONDS = "kf:contact-link:none", 600  # WeCom had no 微信客服 link to give: don't ask each row

STATUS_NAMES = {"created": "发送中", "sent": "已送达", "opened": "已打开", "started": "面试中",
                "completed": "已完成", "failed": "未送达", "declined": "已婉拒", "expired": "已过期",
                "cancelled": "已取消"}


def open_titles() -> str:
    """The open positions' titles (those the acting member may see), for a "no such position" answer."""
    return "、".join(p.title for p in Position.select().where(Position.is_open & in_scope())) or "-"


def match_positions(name: str) -> list[Position]:
    """The open positions (among those the acting member may see) a recruiter means by name: the one whose title
    or code it is, else every one whose title contains it (客户经理 → 客户经理（北京分行）, 客户经理（对公）…)."""
    name = name.strip()
    if not name:
        return []
    exact = Position.get_or_none(((Position.title == name) | (Position.slug == name.lower())) & Position.is_open
                                 & in_scope())
    if exact is not None:
        return [exact]
    if len(name) < 2:
        return []
    return [p for p in Position.select().where(Position.is_open & in_scope()).order_by(Position.title)
            if name.lower() in p.title.lower()][:8]


def find_position(name: str) -> Position | None:
    """The one open position name means (see match_positions); None when it means none, or several."""
    found = match_positions(name)
    return found[0] if len(found) == 1 else None


def no_position(name: str) -> tuple[str, dict[str, str]]:
    """What to tell a recruiter whose position name found none or several: the message and its values."""
    found = match_positions(name)
    if len(found) > 1:
        titles = "、".join(f"{p.title}（{p.slug}）" for p in found)
        return "hr_position_ambiguous", {"name": name[:32], "titles": titles}
    return "hr_no_position", {"name": name[:32], "titles": open_titles()}


def _candidate(userid: str, position: Position) -> Candidate:
    """The candidate a recruiter's /invite names: a member by userid (with their WeCom directory name when they have
    none yet: bot/org/names.py), or a WeChat user (wx:名字) by the name the recruiter gave."""
    wechat = WECHAT.fullmatch(userid)
    if wechat:  # not a member: one candidate per name and position (a second invite finds the first)
        name = wechat.group(1)
        found = (Candidate.select().join(Invitation).where(Candidate.lookup("name", name)
                 & Candidate.wecom_userid.is_null() & (Invitation.position == position)).first())
        return found or Candidate.create(name=name, source="wechat")
    try:
        with database.atomic():
            candidate = Candidate.get_or_create(wecom_userid=userid)[0]
    except pw.IntegrityError:  # another job created it a moment ago
        candidate = Candidate.get(Candidate.wecom_userid == userid)
    return names.fill_name(candidate)


def deadline(days: int) -> dt.datetime:
    """Return 23:59 Beijing time `days` days from now, as naive UTC (people read whole-day deadlines)."""
    return deadline_on((dt.datetime.now(CN_TZ) + dt.timedelta(days=days)).date())


def open_invitation(position: Position, candidate: Candidate, invited_by: str) -> tuple[Invitation, bool]:
    """Return the candidate's invitation to position, creating or reopening it; (invitation, is_new)."""
    expires = deadline(position.deadline_days)
    with database.atomic():
        invitation = Invitation.get_or_none(position=position, candidate=candidate)
        if invitation is None:
            try:
                with database.atomic():
                    return Invitation.create(position=position, candidate=candidate, invited_by=invited_by,
                                             expires_at=expires), True
            except pw.IntegrityError:
                return Invitation.get(position=position, candidate=candidate), False
        if invitation.status in ("expired", "declined", "cancelled", "failed"):
            Invitation.update(status="created", expires_at=expires, invited_by=invited_by, sent_at=None).where(
                Invitation.id == invitation.id).execute()
            return Invitation.get_by_id(invitation.id), True
        return invitation, False


def queue_card(settings: Settings, position: Position, invitation: Invitation, *, later: bool = True,
               again: str = "", exclude: tuple[str, ...] = ()) -> int:
    """Record the invitation (once per invitation and expiry) over the channel the position's delivery policy picks
    (a card to a member, a text by SMS or e-mail); queue its delivery unless `later` is False. `again` names a new
    attempt (the recruiter's /remind, the unopened invitation's fallback): a new message, sent once; `exclude`, the
    channels not to use for it."""
    candidate = invitation.candidate
    # The expiry is part of the key: a reopened invitation is a new message, a retry of this one is not.
    key = f"invitation:{invitation.id}:{invitation.expires_at.isoformat()}" + (f":{again}" if again else "")
    how = notify.route(invitation, "invitation", exclude=exclude)
    if how in ("sms", "email", "kf", "external"):  # not a member's card: the invitation's text
        via = "?via=email" if how in ("sms", "email") else ""  # the text's link is read in an e-mail (an SMS: a code)
        values = {"name": candidate.greeting_name, "company": settings.company_name, "position": position.title,
                  "deadline": local_time(invitation.expires_at), "link": invitation_link(settings, invitation) + via,
                  **guide_values(position, candidate.locale)}
        text = messages.render("invitation_text", candidate.locale, **values)
        if how in ("sms", "email") and (kf := _kf_or_nothing(invitation)):  # chat updates in WeChat (48 h windows)
            text += "\n\n" + messages.render("invitation_kf", candidate.locale, kf=kf)
        channel, payload = notify.candidate_payload(  # the channel route found: never None here
            invitation, text, key, template="invitation_text", values=values, subject="email_subject_invitation",
            exclude=exclude) or (how, {})
        Invitation.update(channel=channel).where(Invitation.id == invitation.id).execute()
        message, _ = outbox.record(key, payload, purpose="invitation", channel=channel, invitation=invitation)
    else:
        payload = invitation_card(
            touser=candidate.wecom_userid, locale=candidate.locale, company=settings.company_name,
            candidate_name=candidate.display_name, position=position, deadline=invitation.expires_at,
            link=invitation_link(settings, invitation), decline_key=f"decline:{invitation.id}",
        )
        message, _ = outbox.record(key, payload, purpose="invitation", invitation=invitation)
    if later:
        schedule(message.id)
    return message.id


def invite(position_name: str, userids: list[str], invited_by: str, request_key: str) -> dict[str, list[str]]:
    """Invite each userid to the position; tell the recruiter what could not be done at once."""
    settings = get_settings()
    outcome: dict[str, list[str]] = {"queued": [], "existing": []}
    with db_session():
        position = find_position(position_name)
        if position is None:
            template, values = no_position(position_name)
            send_text(invited_by, messages.render(template, settings.hr_locale, **values), f"{request_key}:no-position")
            return outcome
        notes = []
        for userid in userids:
            invitation, is_new = open_invitation(position, _candidate(userid, position), invited_by)
            if is_new or invitation.status == "created":  # "created": an earlier run stopped before sending
                if invitation.candidate.wecom_userid:
                    queue_card(settings, position, invitation)
                else:
                    _hand_to_recruiter(settings, invitation, request_key)
                outcome["queued"].append(userid)
                if is_new:
                    AuditLog.create(actor=invited_by, action="invite", target_type="invitation",
                                    target_id=str(invitation.id), detail={"position": position.title})
            else:
                outcome["existing"].append(userid)
                status = STATUS_NAMES.get(invitation.status, invitation.status)
                notes.append(messages.render("hr_invite_exists", settings.hr_locale, name=userid,
                                             position=position.title, status=status,
                                             deadline=local_time(invitation.expires_at)))
    if notes:
        send_text(invited_by, "\n".join(notes), f"{request_key}:existing")
    return outcome


def kf_link(invitation: Invitation) -> str:
    """The 微信客服 link whose scene_param names the invitation (the account's base link is cached)."""
    cache = get_redis()
    base = (cache.get("kf:contact-link") or b"").decode()
    if not base:
        accounts = wecom().post("kf/account/list", data={"offset": 0, "limit": 100}).get("account_list") or []
        if not accounts:
            raise WeComError(None, "no 微信客服 account: create one in the WeCom admin console")
        base = wecom().post("kf/add_contact_way", data={"open_kfid": accounts[0]["open_kfid"],
                                                        "scene": "invite"})["url"]
        cache.set("kf:contact-link", base, ex=86400)
    return f"{base}{'&' if '?' in base else '?'}scene_param={quote(f'inv.{invitation.id}')}"


def kf_offer(invitation: Invitation) -> str:
    """The 微信客服 link the interview page offers a candidate reached by SMS or e-mail who is not in a 微信客服
    session yet (their result and 复试通知 then come there), or ""."""
    if invitation.channel not in ("sms", "email") or invitation.candidate.external_userid:
        return ""
    return _kf_or_nothing(invitation)


def _kf_or_nothing(invitation: Invitation) -> str:
    """The 微信客服 link for an invitation going by SMS or e-mail, or "" when WeCom has none to give now (then not
    asked again for NO_KF_SECONDS: a bulk run of outsiders makes one failed call, not thousands)."""
    try:
        if get_redis().exists(NO_KF_KEY):
            return ""
        return kf_link(invitation)
    except (WeComError, *OUTAGES) as exc:
        log.info("no 微信客服 link for invitation %s: %s", invitation.id, exc)
        try:
            get_redis().set(NO_KF_KEY, "1", ex=NO_KF_SECONDS)
        except OUTAGES:
            pass
        return ""


def contact_me_link(invitation: Invitation) -> str:
    """A 联系我 QR code of the recruiter whose state names the invitation (the add event brings it back)."""
    result = wecom().post("externalcontact/add_contact_way", data={
        "type": 1, "scene": 2, "state": f"inv.{invitation.id}", "user": [invitation.invited_by],
        "remark": clip(f"{invitation.position.title} {invitation.candidate.display_name}", 30)})
    return str(result.get("qr_code") or "-")


def _hand_to_recruiter(settings: Settings, invitation: Invitation, request_key: str) -> None:
    """A candidate who is not a member can't be written to first: give the recruiter the links to pass on."""
    links = {}
    for name, make in (("kf_link", kf_link), ("contact_link", contact_me_link)):
        try:
            links[name] = make(invitation)
        except WeComError as exc:
            log.warning("no %s for invitation %s: %s", name, invitation.id, exc)
            links[name] = "-"
    Invitation.update(status="sent", channel="wechat", sent_at=utcnow()).where(
        (Invitation.id == invitation.id) & (Invitation.status == "created")).execute()
    notify.to_hr(invitation.invited_by, "hr_external_invite", f"external-invite:{invitation.id}:"
                 f"{invitation.expires_at.isoformat()}", invitation=invitation, name=invitation.candidate.display_name,
                 link=invitation_link(settings, invitation), **links)


@delivery.after_send
def _card_settled(message: OutboundMessage, state: str, reason: str) -> None:
    """An invitation card was delivered or failed for good: settle its invitation."""
    if message.purpose == "invitation" and message.invitation_id and state in ("sent", "failed"):
        delivery_settled(message.invitation_id, state == "sent", reason)


def delivery_settled(invitation_id: int, delivered: bool, reason: str) -> None:
    """Record whether the invitation card reached the candidate, and tell the recruiter."""
    settings = get_settings()
    invitation = Invitation.get_by_id(invitation_id)
    status = "sent" if delivered else "failed"
    changed = (Invitation.update(status=status, sent_at=utcnow() if delivered else None)
               .where((Invitation.id == invitation_id) & (Invitation.status == "created")).execute())
    if not changed or invitation.bulk_run_id:  # a bulk run reports its progress in one message a minute
        return
    who, title = invitation.candidate.display_name, invitation.position.title
    if delivered:
        text = messages.render("hr_invite_sent", settings.hr_locale, name=who, position=title,
                               deadline=local_time(invitation.expires_at))
    else:
        text = messages.render("hr_invite_failed", settings.hr_locale, name=who, position=title,
                               reason=reason[:120] or "-", link=invitation_link(settings, invitation))
    send_text(invitation.invited_by, text, f"invitation-{status}:{invitation_id}:{invitation.expires_at.isoformat()}")


DECLINE_CONFIRM, DECLINE_BACK = "confirm", "back"  # the asking card's buttons: decline:<id>:confirm, decline:<id>:back
DECLINE_STEPS = ("", DECLINE_CONFIRM, DECLINE_BACK)


def decline_click(invitation_id: int, step: str, userid: str, response_code: str, request_key: str) -> str:
    """A click on the invitation card's 暂不参加 (step ""), or on the card that then asks 确认暂不参加？: only
    确认 declines; 返回 puts the invitation card back as it was. Nothing changes on an ask or a return."""
    if step == DECLINE_CONFIRM:
        return decline(invitation_id, userid, response_code, request_key)
    with db_session():
        invitation = Invitation.get_or_none(Invitation.id == invitation_id)
        if invitation is None or invitation.candidate.wecom_userid != userid:
            log.warning("decline of invitation %s by %s ignored: not theirs", invitation_id, userid)
            return "ignored"
        sent = (OutboundMessage.select().where((OutboundMessage.invitation == invitation_id)
                                               & (OutboundMessage.purpose == "invitation"))
                .order_by(OutboundMessage.id.desc()).first())
        locale, title = invitation.candidate.locale, invitation.position.title
        open_now = invitation.status in OPEN_STATES
        state = STATUS_NAMES.get(invitation.status, invitation.status)
    if not open_now:  # closed meanwhile: the button says what the invitation is now
        _grey(userid, response_code, f"邀请{state}")
        return "unchanged"
    if sent is None:  # erased meanwhile: no card to show again
        return "missing"
    card = sent.payload["template_card"]
    fresh = card if step == DECLINE_BACK else _decline_confirm_card(card, locale, title, invitation_id)
    try:
        wecom().update_template_card([userid], response_code, template_card=fresh)
    except WeComError as exc:  # a used or stale response_code: the card stays as it was, nothing was decided
        log.info("invitation card %s not replaced: %s", invitation_id, exc)
        return "stale"
    return "back" if step == DECLINE_BACK else "asked"


def _grey(userid: str, response_code: str, label: str) -> None:
    try:
        wecom().update_template_card([userid], response_code, button={"replace_name": label})
    except Exception as exc:  # the card stays as it was; the decision itself is recorded
        log.warning("could not grey the invitation card: %s", exc)


def _decline_confirm_card(card: dict, locale: str, title: str, invitation_id: int) -> dict:
    """The same card asking 确认暂不参加？ with 确认暂不参加 and 返回 in place of its buttons."""
    return asking_card(card, messages.render("invitation_decline_title", locale),
                       messages.render("invitation_decline_desc", locale, position=title),
                       (messages.render("invitation_decline_confirm", locale),
                        f"decline:{invitation_id}:{DECLINE_CONFIRM}"),
                       (messages.render("invitation_decline_back", locale), f"decline:{invitation_id}:{DECLINE_BACK}",
                        1))


def decline(invitation_id: int, userid: str, response_code: str, request_key: str) -> str:
    """The candidate confirmed 暂不参加 on the invitation card."""
    with db_session():
        invitation = Invitation.get_or_none(Invitation.id == invitation_id)
        if invitation is None or invitation.candidate.wecom_userid != userid:
            log.warning("decline of invitation %s by %s ignored: not theirs", invitation_id, userid)
            return "ignored"
        changed = (Invitation.update(status="declined")
                   .where((Invitation.id == invitation_id) & Invitation.status.in_(OPEN_STATES)).execute())
        state = STATUS_NAMES.get(invitation.status, invitation.status)
        _grey(userid, response_code, "已选择暂不参加" if changed else f"邀请{state}")
        if not changed:
            return "unchanged"
        AuditLog.create(actor=userid, action="decline", target_type="invitation", target_id=str(invitation_id))
    title = invitation.position.title
    settings = get_settings()
    send_text(userid, messages.render("decline_ack", invitation.candidate.locale, position=title),
              f"{request_key}:candidate")
    send_text(invitation.invited_by, messages.render("hr_declined", settings.hr_locale,
                                                     name=invitation.candidate.display_name, position=title),
              f"{request_key}:recruiter")
    return "declined"


def expire_invitations() -> int:
    """Mark invitations past their deadline as expired (the scheduler runs this)."""
    with db_session():
        return (Invitation.update(status="expired")
                .where((Invitation.expires_at < utcnow()) & Invitation.status.in_(OPEN_STATES)).execute())


def find_candidate(ref: str) -> Candidate | None:
    """A candidate by WeCom userid, WeChat external id, or (most recently created) name; when a member is acting,
    only a candidate invited to a position they may see (another branch's candidates are not found)."""
    query = Candidate.select()
    if acting() is not None:
        query = query.where(Candidate.id.in_(Invitation.select(Invitation.candidate).join(Position)
                                             .where(in_scope())))
    return (query.where(Candidate.wecom_userid == ref).first()
            or query.where(Candidate.external_userid == ref).first()
            or query.where(Candidate.lookup("name", ref)).order_by(Candidate.id.desc()).first())


def visible_candidate(candidate: Candidate | None) -> bool:
    """Whether the acting member may see the candidate: invited to a position they may see, or, never invited (a
    WeChat user who wrote in), when they see the root."""
    access = acting()
    if candidate is None or access is None or access.everything:
        return candidate is not None
    invited = Invitation.select().where(Invitation.candidate == candidate)
    if not invited.exists():
        return None in access.units
    return invited.join(Position).where(in_scope()).exists()


def latest_invitation(candidate: Candidate) -> Invitation | None:
    """The candidate's most recent invitation (the one a message is most likely about)."""
    return candidate.invitations.order_by(Invitation.created_at.desc(), Invitation.id.desc()).first()
