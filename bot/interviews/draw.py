"""Drawing an interview's questions from its position's bank (docs/h5-api.md, "Which questions are asked").

A position's ``rubric["draw"]`` says how many questions to ask per competency ({competency: count}); without one
every question is asked, in the bank's order. The draw is made once, when the candidate consents, and kept on the
interview (its questions and ``Interview.draw``). Its seed is an HMAC of the invitation's id under the server's
secret: the same invitation always draws the same set (a reload, a retry, an audit re-running it), while a
candidate cannot predict another's set, and two candidates of a campaign rarely share one.

personalise adds the questions built from the candidate's résumé (bot/resumes/questions.py) after the first drawn
one, with the same seed, so they too are the same on every re-run.
"""
from __future__ import annotations

import hashlib
import hmac
import random
from typing import Any

from bot.resumes import questions as personalised
from bot.store.models import Invitation

DEFAULT_DIFFICULTY = 2


def seed_for(secret: str, invitation_id: int) -> str:
    """The invitation's draw seed: stored with the draw, so an auditor re-runs it without the secret."""
    return hmac.new(secret.encode("utf-8"), f"draw:{invitation_id}".encode(), hashlib.sha256).hexdigest()


def draw(bank: list[dict[str, Any]], rule: dict[str, int], seed: str) -> list[dict[str, Any]]:
    """The questions asked: every one without a rule; else ``count`` per competency of the rule, spread across
    difficulty levels as evenly as the bank allows, plus the questions with no competency (fixed ones, such as
    an introduction). They keep the bank's order, so the author's warm-up stays first."""
    if not rule:
        return [dict(q) for q in bank]
    rng = random.Random(seed)
    chosen: set[str] = set()
    for competency in sorted(rule):  # a stored rule's keys come back sorted: the draw must not depend on order
        chosen.update(_balanced([q for q in bank if q.get("competency") == competency], rule[competency], rng))
    return [dict(q) for q in bank if not q.get("competency") or q["key"] in chosen]


def personalise(asked: list[dict[str, Any]], invitation: Invitation, seed: str) -> list[dict[str, Any]]:
    """The drawn questions with the résumé's (the position's ``personalised`` rules) after the first: the warm-up
    stays first; the drawn ones alone for a candidate without a readable résumé."""
    position = invitation.position
    extra = personalised.for_candidate(invitation.candidate_id, (position.rubric or {}).get("personalised"),
                                       position.title, seed, {q["key"] for q in asked})
    return asked[:1] + extra + asked[1:]


def expected(invitation: Invitation, secret: str) -> int:
    """How many questions consent will give this invitation, by the same draw and the same résumé rules (the bank's
    draw, plus the résumé's for a candidate with one), so the page never announces 6 and asks 7."""
    bank, rule = invitation.position.questions, invitation.position.draw_rule
    seed = seed_for(secret, invitation.id)
    return len(personalise(draw(bank, rule, seed), invitation, seed))


def _balanced(pool: list[dict[str, Any]], count: int, rng: random.Random) -> list[str]:
    """Pick count keys from pool, one difficulty level after another (levels in a random order, questions
    shuffled within each level), so no level is drawn twice while another that still has questions is not."""
    levels: dict[int, list[str]] = {}
    for q in pool:
        levels.setdefault(difficulty(q), []).append(q["key"])
    for keys in levels.values():
        rng.shuffle(keys)
    order = sorted(levels)
    rng.shuffle(order)
    picked: list[str] = []
    while len(picked) < min(count, len(pool)):
        for level in order:
            if levels[level] and len(picked) < count:
                picked.append(levels[level].pop())
    return picked


def difficulty(question: dict[str, Any]) -> int:
    """A question's difficulty, 1 (basic) to 3 (demanding); 2 when the bank does not say."""
    try:
        return int(question.get("difficulty", DEFAULT_DIFFICULTY))
    except (TypeError, ValueError):
        return DEFAULT_DIFFICULTY


def record(bank: list[dict[str, Any]], rule: dict[str, int], seed: str,
           drawn: list[dict[str, Any]]) -> dict[str, Any]:
    """What the interview keeps about its draw: the rule, the seed, the bank it drew from and what it drew."""
    if not rule:
        return {}
    return {"rule": rule, "seed": seed, "bank": [q["key"] for q in bank], "keys": [q["key"] for q in drawn]}
