"""Candidates' chat on a set of messages written blind (tests/fixtures/chat/phrasings.yaml), graded with the
conversation's own rules (tests/evaluation/chat_phrasings.py): no act is ever done at once that a message did not
ask for, and the share understood stays where it was measured (docs/candidate-chat.md)."""
from __future__ import annotations

import pytest

from tests.evaluation.chat_phrasings import grade, load, summary

# measured when the phrasings were frozen (the held-out half after its one scoring and two bug fixes, see the docs)
MEASURED = {"dev": 121 / 135, "heldout": 95 / 128}
SLACK = 0.02
ACTS = ("erasure", "leave_pool", "decline", "withdraw", "unsubscribe", "accept_offer", "decline_offer", "review",
        "reschedule")


def test_the_set_covers_every_act_asked_refused_and_asked_about():
    rows = load()
    assert len(rows) >= 250 and len({r["text"] for r in rows}) == len(rows)
    for act in ACTS:
        assert {r["mode"] for r in rows if r["intent"] == act} == {"request", "negated", "question"}, act
    assert sum(r["intent"] == "none" for r in rows) >= 50


@pytest.mark.parametrize("part", ["dev", "heldout"])
def test_no_act_is_done_unasked_and_the_share_understood_holds(part):
    graded = [grade(r) for r in load(part)]
    s = summary(graded)
    wrong = [g.text for g in graded if g.acted_wrongly]
    assert not wrong, f"done at once though not asked for: {wrong}"
    assert s["asked_wrongly"] <= 1, [g.text for g in graded if g.asked_wrongly]
    assert s["understood"] / s["messages"] >= MEASURED[part] - SLACK, s
