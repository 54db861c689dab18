"""What candidates write to us (as members or through 微信客服): every message read, and every one answered.

The intent registry (bot/commands/intents.py) says what a message mentions, clause by clause, with negation and
questions. What was asked is explained, what was declined ("我不想退出人才库") is acknowledged and nothing more,
facts are answered from the position and the invitation. A consequential act — leaving the talent pool, deleting
one's data, declining, withdrawing — is first stated exactly, and done only when the candidate confirms (回复「确认」
within 30 minutes, or the card's button in member chat); whatever else they write cancels it. Several such acts in
one message get a clarifying question instead. A review request and a new time go ahead at once. A clear time with
no words around it ("明天上午十点可以吗") is a request to reschedule. Anything else goes to the recruiter, who
answers with /reply, and the candidate is told a person will reply: nothing is dropped.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from bot.channels import confirmations
from bot.clock import CN_TZ
from bot.commands.intents import reply
from bot.commands.registry import ACT, ANSWER, CANCEL, CONFIRM, CONFIRM_SECONDS, HINT, INTENTS, Mention, Turn, read
from bot.commands.sentences import Clause, clauses
from bot.decisions import timeparse
from bot.decisions.reschedule import reschedule
from bot.invitations.invites import latest_invitation
from bot.links import invitation_link
from bot.org import team
from bot.org.access import is_recruiter
from bot.privacy.rights import request_review  # noqa: F401  (the H5 page's review request comes through here)
from bot.store.db import db_session
from bot.store.models import AuditLog, Candidate, Invitation
from bot.wecom import messages, notify, outbox
from bot.wecom.cards import template_card
from bot.wecom.delivery import wecom
from config.settings import get_settings

log = logging.getLogger(__name__)

QUIET = ("greeting", "thanks")  # answered only when the message says nothing else

CLOSED_BY_SOMEONE = ("declined", "cancelled")  # nothing left to reschedule: a message goes to the recruiter

def find_candidate(channel: str, user: str) -> Candidate | None:
    """The candidate behind a member userid, a WeChat external_userid, or an SMS reply ("#12": the inbox found the
    candidate by their number)."""
    if channel == "sms":
        return Candidate.get_or_none(Candidate.id == int(user[1:])) if user[1:].isdigit() else None
    field = Candidate.wecom_userid if channel == "member" else Candidate.external_userid
    return Candidate.get_or_none(field == user)


def candidate_text(channel: str, user: str, text: str, request_key: str, open_kfid: str = "") -> str:
    """Answer a candidate's message; return what was done, step by step ("leave_pool:declined", "forwarded")."""
    with db_session():
        candidate = find_candidate(channel, user)
        invitation = latest_invitation(candidate) if candidate else None
        if invitation is None:
            return stranger(channel, user, text, request_key, open_kfid)
        return converse(Turn(candidate, invitation, channel, user, text, request_key))


def stranger(channel: str, user: str, text: str, request_key: str, open_kfid: str) -> str:
    """Someone with no invitation: a member gets the general hint; a WeChat user's message goes to HR (who answer
    in the 微信客服 console: there is no candidate to /reply to) and they are told so."""
    if channel == "member":
        notify.to_hr_text(user, HINT, f"{request_key}:hint")
        return "unknown"
    recipients = team.recruiters(get_settings(), None)  # no position: the root's recruiters
    for userid in recipients:
        notify.to_hr(userid, "hr_stranger_message", f"{request_key}:forward:{userid}", text=text[:1500],
                     channel=channel)
    AuditLog.create(actor=f"wechat:{user}", action="chat_forward", target_type="wechat_user", target_id=user[:64],
                    detail={"to": recipients, "chars": len(text), "channel": channel})
    if channel == "kf" and open_kfid:
        reply_key = f"{request_key}:reply"
        body = messages.render("forwarded", None)
        outbox.send(reply_key, {"touser": user, "open_kfid": open_kfid, "msgtype": "text", "text": {"content": body},
                                "msgid": notify.kf_msgid(reply_key)}, purpose="candidate", channel="kf")
    return "forwarded"


def converse(turn: Turn) -> str:
    """Act on what the message says, in its order; forward it when it says nothing we read."""
    done: list[str] = []
    mentions = _settle_pending(turn, read(turn.text), done)
    steps = _steps(mentions)
    asking = {m.intent.name for m in steps if _would_ask(m, turn.text)}
    if len(asking) > 1:
        locale = turn.candidate.locale
        labels = [label(m.intent.name, locale) for m in steps if m.intent.name in asking]
        notify.to_candidate(turn.invitation, "clarify_several", f"{turn.key}:clarify", purpose="candidate",
                            labels=(", " if messages.normalize_locale(locale) == "en" else "、").join(labels))
        done.append("ask:several")
    for number, mention in enumerate(steps):
        step = dataclasses.replace(turn, key=turn.key if number == 0 else f"{turn.key}:{number}")
        done.append(_one(step, mention, ask_allowed=len(asking) <= 1))
    if not done:
        done.append(_unread(turn, mentions))
    return ",".join(done)


def _settle_pending(turn: Turn, mentions: list[Mention], done: list[str]) -> list[Mention]:
    """确认 carries out what waits; anything else cancels it. Return the mentions still to act on."""
    pending = confirmations.peek(turn.candidate.id)
    meta = [m for m in mentions if m.intent.kind in (CONFIRM, CANCEL)]
    others = [m for m in mentions if m.intent.kind not in (CONFIRM, CANCEL)]
    if pending is None:
        if meta and not others:
            reply(turn, "nothing_pending")
            done.append("nothing_pending")
        return others
    confirming = _confirms(turn.text, meta, pending.intent)
    taken = confirmations.take(turn.candidate.id, pending.token)
    if taken is None:
        return others
    if confirming:
        done.append(carry_out(turn, taken))
        return [m for m in others if m.intent.name != taken.intent]
    cancelled = dataclasses.replace(turn, key=f"{turn.key}:cancelled")
    notify.to_candidate(turn.invitation, "confirm_cancelled", f"{cancelled.key}:reply", purpose="candidate",
                        what=label(taken.intent, turn.candidate.locale))
    done.append(f"{taken.intent}:cancelled")
    return others


def _confirms(text: str, meta: list[Mention], pending: str) -> bool:
    """An explicit confirmation: 确认 said plainly (not negated, not asked), no 取消, and no doubt elsewhere — a
    clause that negates without plainly asking for something else ("确认，不对，先不要", "确认，不要删除我的数据")
    takes it back."""
    plain = any(m.intent.kind == CONFIRM and not m.negated and not m.question for m in meta)
    if not plain or any(m.intent.kind == CANCEL for m in meta):
        return False
    return not any(clause.negated_anywhere() and not _asks_for_another(clause, pending) for clause in clauses(text))


def _asks_for_another(clause: Clause, pending: str) -> bool:
    return any(m.intent.kind in (ACT, ANSWER) and not m.negated and m.intent.name != pending
               for m in read(clause.text))


def carry_out(turn: Turn, pending: confirmations.Pending) -> str:
    """Do the confirmed act on the invitation it was asked about."""
    invitation = Invitation.get_or_none((Invitation.id == pending.invitation_id)
                                        & (Invitation.candidate == turn.candidate.id))
    spec = INTENTS.get(pending.intent)
    if invitation is None or spec is None or spec.handler is None:
        return f"{pending.intent}:gone"
    return f"{spec.name}:" + spec.handler(dataclasses.replace(turn, invitation=invitation))


def _steps(mentions: list[Mention]) -> list[Mention]:
    """The mentions worth a reply: acts, answers asked for, and a greeting only when nothing else was said."""
    acts = [m for m in mentions if m.intent.kind == ACT]
    act_clauses = {id(m.clause) for m in acts}
    steps = []
    for m in mentions:
        if m.intent.kind == ANSWER:
            if id(m.clause) in act_clauses or (acts and not m.question):
                continue  # "对结果有疑问，申请人工复核": the act speaks for the clause
            if m.intent.name in QUIET and len(mentions) > 1:
                continue
        steps.append(m)
    return steps


def how(mention: Mention, text: str) -> str:
    """What the conversation does with a mention, before anything stored is looked at: answer (a question it
    answers), explain (an act asked about), refuse (an act negated: acknowledged, nothing done), ask (for the
    candidate's confirmation) or act."""
    spec = mention.intent
    if spec.kind == ANSWER:
        return "answer"
    if _explains(mention, text):  # asked about, even in the negative ("不能退出人才库吗？"): explained
        return "explain"
    if mention.negated:
        return "refuse"
    return "ask" if spec.confirm else "act"


def plan(text: str) -> list[tuple[str, str]]:
    """What a message would get with nothing waiting for confirmation: (intent, how) for each step, as converse
    decides it (the evaluation of chat reading grades this: tests/evaluation/chat_phrasings.py)."""
    mentions = [m for m in read(text) if m.intent.kind not in (CONFIRM, CANCEL)]
    return [(m.intent.name, how(m, text)) for m in _steps(mentions)]


def _would_ask(mention: Mention, text: str) -> bool:
    return how(mention, text) == "ask"


def _explains(mention: Mention, text: str) -> bool:
    """A question about an act is explained, unless the act reads a question as a proposal (a time)."""
    asked_back = mention.intent.acts_when_asked
    return mention.question and not (asked_back and asked_back(text))


def _one(turn: Turn, mention: Mention, *, ask_allowed: bool) -> str:
    spec = mention.intent
    subject = spec.about(turn) if spec.about else None
    if subject is not None:  # an act about another invitation than the latest (an offer for an earlier position)
        turn = dataclasses.replace(turn, invitation=subject)
    what = how(mention, turn.text)
    if what == "answer":
        spec.handler(turn)
        return f"{spec.name}:answered"
    if what == "explain":
        reply(turn, spec.explain)
        return f"{spec.name}:explained"
    if what == "refuse":
        reply(turn, spec.declined)
        return f"{spec.name}:declined"
    if what == "ask":
        if not ask_allowed:
            return f"{spec.name}:clarified"
        instead = spec.unavailable(turn) if spec.unavailable else ""
        if instead:  # nothing to confirm: no offer to answer, say
            reply(turn, instead)
            return f"{spec.name}:unavailable"
        ask_to_confirm(turn, spec.name, spec.ask)
        return f"{spec.name}:asked"
    return f"{spec.name}:" + spec.handler(turn)


def ask_to_confirm(turn: Turn, intent: str, template: str) -> None:
    """State what will happen and wait for 确认; in member chat a card with two buttons follows the statement
    (a card's text is too short to hold it)."""
    pending = confirmations.ask(turn.candidate.id, intent, turn.invitation.id, turn.key)
    reply(turn, template)
    invitation = turn.invitation
    if notify.route(invitation) != "member":
        return
    locale, settings = invitation.candidate.locale, get_settings()
    card = template_card(invitation.candidate.wecom_userid, "button_interaction", locale, settings.company_name,
                         messages.render("confirm_title", locale), label(intent, locale),
                         messages.render("confirm_card", locale, minutes=CONFIRM_SECONDS // 60), [],
                         invitation_link(settings, invitation), f"confirm-{pending.token}")
    card["template_card"]["button_list"] = [
        {"type": 0, "text": messages.render("confirm_yes", locale), "style": 1, "key": f"confirm:{pending.token}"},
        {"type": 0, "text": messages.render("confirm_no", locale), "style": 2, "key": f"cancel:{pending.token}"},
    ]
    outbox.send(f"{turn.key}:card", card, purpose="candidate", invitation=invitation)


def card_answer(userid: str, token: str, confirmed: bool, response_code: str, request_key: str) -> str:
    """A tap on the confirmation card: carry out (or cancel) what waits, when the card is the latest one."""
    with db_session():
        candidate = find_candidate("member", userid)
        invitation = latest_invitation(candidate) if candidate else None
        pending = confirmations.take(candidate.id, token) if invitation else None
        answered = "confirm_stale" if pending is None else "confirm_done" if confirmed else "confirm_dropped"
        _grey(userid, response_code, answered, candidate.locale if candidate else None)
        if pending is None:
            return "stale"
        turn = Turn(candidate, invitation, "member", userid, "", request_key)
        if confirmed:
            return carry_out(turn, pending)
        notify.to_candidate(invitation, "confirm_cancelled", f"{request_key}:cancelled:reply", purpose="candidate",
                            what=label(pending.intent, candidate.locale))
        return f"{pending.intent}:cancelled"


def label(intent: str, locale: str | None) -> str:
    """What a consequential intent is called, in the candidate's language ("删除个人信息")."""
    return messages.render(INTENTS[intent].label, locale)


def _grey(userid: str, response_code: str, answered: str, locale: str | None) -> None:
    """Replace the card's buttons with what happened (the click's answer is recorded either way)."""
    try:
        wecom().update_template_card([userid], response_code,
                                     button={"replace_name": messages.render(answered, locale)})
    except Exception as exc:  # a card left as it was confirms nothing twice: its token is taken
        log.warning("could not update the confirmation card: %s", exc)


def _unread(turn: Turn, mentions: list[Mention]) -> str:
    """Nothing acted on: a bare time is a request to reschedule; anything else goes to the recruiter. After a
    decline or a cancellation a time is part of a reason or a wish to come back ("下周在外地实习"): the recruiter's."""
    if mentions:
        return "noted"
    if turn.invitation.status in CLOSED_BY_SOMEONE:
        return forward(turn)
    when = timeparse.parse_when(turn.text, dt.datetime.now(CN_TZ))
    if when.status != "none" or timeparse.wants_reschedule(turn.text):
        return "reschedule:" + reschedule(turn.invitation, turn.text, actor=turn.user, request_key=turn.key)
    return forward(turn)


def recruiters_of(invitation: Invitation) -> list[str]:
    """Who answers a candidate's question: the recruiter who invited them while they still recruit, else the
    position's recruiters (its team, its unit up the tree, the root: bot/org/team.py)."""
    settings = get_settings()
    if is_recruiter(settings, invitation.invited_by):
        return [invitation.invited_by]
    return team.recruiters(settings, invitation.position)


def handle_of(candidate: Candidate) -> str:
    """What a recruiter types after /reply to reach this candidate."""
    return candidate.wecom_userid or candidate.external_userid or f"#{candidate.id}"


def forward(turn: Turn) -> str:
    """Give the message to the recruiter (with how to answer it), audit it, and tell the candidate."""
    invitation, candidate = turn.invitation, turn.candidate
    recipients = recruiters_of(invitation)
    for userid in recipients:
        notify.to_hr(userid, "hr_candidate_message", f"{turn.key}:forward:{userid}", invitation=invitation,
                     name=candidate.display_name, position=invitation.position.title, text=turn.text[:1500],
                     who=handle_of(candidate))
    AuditLog.create(actor=f"candidate:{candidate.id}", action="chat_forward", target_type="invitation",
                    target_id=str(invitation.id), detail={"to": recipients, "chars": len(turn.text),
                                                          "channel": turn.channel})
    reply(turn, "forwarded")
    return "forwarded"
