"""Whether an answer gets the content right: required rubric points, and wrong practices said in other words.

A rubric point may be `required` (a good answer cannot leave it out: 报告可疑交易, 不自己垫付): when the answer does
not make it, 专业匹配度 is capped at REQUIRED_CAP, whatever else it says, and the report names the point.

A point may also carry `contradicts`: sentences, written affirmatively, that state the wrong practice the point
guards against ("自己先垫钱把差错补上", "资金来源是客户的隐私，照常给他办理"). A clause (or two adjacent ones)
of the answer says that wrong practice when it is close in meaning to the statement (cosine ≥ CONTRA_FLOOR), much
closer to it than to any rubric point's description (by CONTRA_MARGIN: a right answer on the same topic is
closer to the description), and negated the same way (`polarity`: 我不会自己掏钱补上 is not 自己先垫钱补上). The
sentence encoder is weak on polarity, so the thresholds are strict: a contradiction found is a serious signal,
quoted for HR to check, and one not found proves nothing (the listed `red_flags` phrases still apply).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from scoring import meaning
from scoring import text as text_mod

CONTRA_FLOOR = 0.48   # a clause this close to a wrong-practice statement may be saying it
CONTRA_MARGIN = 0.27  # and must be this much closer to it than to any rubric point's description
REQUIRED_CAP = 50.0   # 专业匹配度 at most, when a required point is missing (an adequate answer makes them)


def polarity(text: str) -> int:
    """How many negations in text govern a predicate, modulo 2 (不大 governs only an adjective: not counted)."""
    count = 0
    for neg in text_mod.NEGATION:
        at = text.find(neg)
        while at != -1:
            gap = text[at + len(neg):at + len(neg) + 6]
            if gap and text_mod._governs(gap):
                count += 1
            at = text.find(neg, at + len(neg))
    return count % 2


def contradictions(said: str, question: dict[str, Any]) -> list[dict[str, Any]]:
    """The wrong practices (a point's `contradicts`) the answer says in its own words, with the clause quoted;
    at most one per statement."""
    rubric = question.get("rubric") or []
    statements = [(p.get("point", ""), s) for p in rubric for s in p.get("contradicts") or [] if s]
    units = meaning.spans(meaning.clauses(said), 2)
    if not statements or not units:
        return []
    vectors = meaning.embed(units)
    wrong = vectors @ meaning.embed_fixed(tuple(s for _, s in statements)).T
    right = (vectors @ meaning.embed_fixed(tuple(meaning.point_text(p) for p in rubric)).T).max(axis=1)
    found = []
    for j, (point, statement) in enumerate(statements):
        for i in np.argsort(-wrong[:, j]):
            if wrong[i, j] < CONTRA_FLOOR:
                break
            if wrong[i, j] - right[i] >= CONTRA_MARGIN and polarity(units[i]) == polarity(statement):
                found.append({"point": point, "statement": statement, "quote": meaning.shorten(units[i]),
                              "similarity": round(float(wrong[i, j]), 3)})
                break
    return found


def missing_required(rubric: dict[str, Any], question: dict[str, Any]) -> list[str]:
    """The required points (rubric `required: true`) the answer did not make, by name."""
    required = {p.get("point", "") for p in question.get("rubric") or [] if p.get("required")}
    return [p["point"] for p in rubric.get("points") or [] if p["point"] in required and not p["hit"]]


def check(said: str, question: dict[str, Any], rubric: dict[str, Any]) -> dict[str, Any]:
    """Both checks of one answer: {"contradictions": [...], "missing_required": [...]}."""
    return {"contradictions": contradictions(said, question), "missing_required": missing_required(rubric, question)}
