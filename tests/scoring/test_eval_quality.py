"""The frozen scorer's numbers on the held-out parts of the labelled set (docs/scoring.md, "Scoring quality"), kept as
a regression guard: the answers scored as the product scores them, from the cached Whisper transcripts.

The bounds sit a little under what was measured (issue 19's targets are higher and not met: rho 0.85 with rubrics
and 0.75 without, every gaming answer below the adequate ones). The second held-out part was scored once, with
meaning-1.2 frozen (commit 684317b), and is the blind measure; the first had been looked at while tuning meaning-1.1
and 1.2, so it is a development part now, kept here so that a change cannot quietly undo what was gained on it. A
change that makes the scorer worse on answers it was never tuned on fails here."""
from __future__ import annotations

import io

import pytest

from tests.evaluation import eval_set

PARTS = {"heldout": eval_set.HELDOUT, "heldout2": eval_set.HELDOUT2}
# measured (meaning-1.2): with rubric genuine/all, without rubric genuine/all, the questions HR typed (genuine),
# 专业匹配度 with rubric, gaming named in the concerns, gaming below every adequate answer of its question (of 31)
MEASURED = {"heldout": (0.816, 0.762, 0.617, 0.501, 0.694, 0.774, 23, 24),
            "heldout2": (0.775, 0.779, 0.508, 0.554, 0.746, 0.732, 20, 25)}
SLACK = 0.04  # rho moves by a few hundredths when one of ~10 answers of a question changes place
# what the second part's gaming answers showed the detectors miss (docs/scoring.md): a spoken keyword list whose
# transcript Whisper punctuated into phrase-long pieces, and fluent wrong content
MISSED = {"heldout": set(), "heldout2": {"teller2_queue_jump_keyword_list"}}


@pytest.fixture(scope="module", params=sorted(PARTS))
def part(request) -> tuple[str, dict]:
    if not PARTS[request.param].exists():
        pytest.skip(f"{PARTS[request.param].name} is not in this checkout")
    split = request.param
    return split, eval_set.evaluate(split=split, write_cache=False, out=io.StringIO())["splits"][split]


def test_the_held_out_answers_rank_like_their_labels(part):
    split, scored = part
    with_g, with_a, without_g, without_a, typed_by_hr, professional, _, _ = MEASURED[split]
    rho = scored["rho"]
    assert scored["answers"] >= 100 and scored["clips"] >= 60
    assert rho["with_rubric"]["genuine"] >= with_g - SLACK and rho["with_rubric"]["all"] >= with_a - SLACK
    assert rho["without_rubric"]["genuine"] >= without_g - SLACK and rho["without_rubric"]["all"] >= without_a - SLACK
    assert rho["new_questions"]["genuine"] >= typed_by_hr - SLACK
    assert scored["dimension_rho"]["专业匹配度"]["with_rubric"] >= professional - SLACK


def test_most_gaming_is_named_and_the_kinds_found_by_text_always_are(part):
    split, scored = part
    *_, named_measured, below_measured = MEASURED[split]
    gaming = scored["gaming"]
    assert len(gaming) == 31
    assert sum(1 for g in gaming if g["named_in_concerns"]) >= named_measured - 2
    for g in gaming:
        if g["gaming"] in ("keyword_list", "recited_rubric", "reused_template") and g["id"] not in MISSED[split]:
            assert g["named_in_concerns"], g
    assert sum(1 for g in gaming if g["below"]) >= below_measured - 3
