"""1,000 candidates finishing in the same minute: every message arrives, nobody gets more than 30 a minute.

The candidates each get their 面试已完成 message; the recruiter's 1,000 completion notices fold into a few
messages instead of 1,000 (which WeCom's 30/min and 1,000/h per member would hold back for over an hour).
"""
from __future__ import annotations

import re

CANDIDATES = 1000


def max_in_any_minute(times: list[float]) -> int:
    """The most messages inside any 60-second window."""
    times, best, start = sorted(times), 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 60:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_a_thousand_candidates_finishing_in_the_same_minute(stack):
    from bot.interviews import flow as interviews
    from bot.invitations.invites import deadline
    from bot.store.db import database
    from bot.store.models import Answer, Candidate, Interview, Invitation, OutboundMessage, Position

    position = Position.get(Position.slug == "teller")
    with database.atomic():
        Candidate.insert_many([{"name": f"候选人{i:04d}", "wecom_userid": f"c{i:04d}"}
                               for i in range(CANDIDATES)]).execute()
        people = list(Candidate.select().order_by(Candidate.id))
        Invitation.insert_many([{"position": position, "candidate": c, "invited_by": "hr_li", "status": "started",
                                 "expires_at": deadline(7)} for c in people]).execute()
        invitations = list(Invitation.select().order_by(Invitation.id))
        Interview.insert_many([{"invitation": i, "questions": position.questions} for i in invitations]).execute()
        started = list(Interview.select().order_by(Interview.id))
        # One answer each, not yet scored: no report is due, this is about the completion messages.
        Answer.insert_many([{"interview": iv, "question_key": "intro", "ordinal": 1, "mode": "text", "text": "x"}
                            for iv in started]).execute()
    for invitation, interview in zip(invitations, started, strict=True):
        interviews.complete(invitation, interview)
    stack.drain(rounds=40)

    assert OutboundMessage.select().where(OutboundMessage.state.not_in(["sent", "merged"])).count() == 0
    stats = stack.api("GET", "stats")
    assert stats["dropped"] == 0
    for i in (0, 499, CANDIDATES - 1):
        [done] = [m for m in stack.inbox(f"c{i:04d}") if "面试已完成" in m["payload"]["text"]["content"]]
    candidates_told = sum(1 for m in OutboundMessage.select().where(OutboundMessage.purpose == "completed")
                          if m.state == "sent")
    assert candidates_told == CANDIDATES
    hr = stack.inbox("hr_li")
    assert max_in_any_minute([m["time"] for m in hr]) <= 30
    assert len(hr) <= 10, f"{len(hr)} messages: the notices were not folded"
    told = 0
    for m in hr:
        text = m["payload"]["text"]["content"]
        folded = re.match(r"(\d+) 位候选人刚完成面试", text)
        told += int(folded.group(1)) if folded else 1
    assert told == CANDIDATES  # every completion reached the recruiter, folded or alone
    print(f"\n{CANDIDATES} completions → {CANDIDATES} candidate messages, {len(hr)} messages to the recruiter")


def test_forty_cards_to_one_recruiter_in_a_minute_wait_instead_of_being_dropped(stack):
    """At WeCom's real rate (30/min per member): 30 go now, 10 wait for the window, none is lost."""
    from bot.clock import utcnow
    from bot.store.models import OutboundMessage
    from bot.wecom import outbox
    from bot.wecom.cards import text_message
    from bot.wecom.outbox import schedule

    for i in range(40):
        message, _ = outbox.record(f"flood:{i}", text_message("hr_li", f"报告 {i}"), purpose="hr")
        schedule(message.id)
    stack.drain(rounds=3)
    received = stack.inbox("hr_li")
    assert len(received) == 30 and stack.api("GET", "stats")["dropped"] == 0
    waiting = list(OutboundMessage.select().where(OutboundMessage.state == "deferred"))
    assert len(waiting) == 10 and all(0 < (m.next_attempt_at - utcnow()).total_seconds() <= 61 for m in waiting)
