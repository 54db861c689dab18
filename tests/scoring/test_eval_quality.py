"""The frozen scorer's numbers on the held-out part of the labelled set (docs/scoring.md, "Scoring quality"), kept as
a regression guard: the answers scored as the product scores them, from the cached Whisper transcripts.

The bounds sit a little under what was measured when the scorer was frozen (issue 19's targets are higher and not
met yet: rho 0.85 with rubrics and 0.75 without, every gaming answer below the adequate ones); a change that makes
the scorer worse on answers it was never tuned on fails here."""
from __future__ import annotations

import io

import pytest

from tests.evaluation import eval_set

pytestmark = pytest.mark.skipif(not eval_set.HELDOUT.exists(), reason="the held-out part is not in this checkout")


@pytest.fixture(scope="module")
def heldout() -> dict:
    return eval_set.evaluate(split="heldout", write_cache=False, out=io.StringIO())["splits"]["heldout"]


def test_the_held_out_answers_rank_like_their_labels(heldout):
    rho = heldout["rho"]
    assert heldout["answers"] >= 100 and heldout["clips"] >= 60
    assert rho["with_rubric"]["genuine"] >= 0.72 and rho["with_rubric"]["all"] >= 0.60  # measured 0.766, 0.648
    assert rho["without_rubric"]["genuine"] >= 0.50 and rho["without_rubric"]["all"] >= 0.42  # 0.557, 0.465
    assert heldout["dimension_rho"]["专业匹配度"]["with_rubric"] >= 0.68  # 0.732


def test_most_gaming_is_named_and_the_kinds_found_by_text_always_are(heldout):
    gaming = heldout["gaming"]
    named = [g for g in gaming if g["named_in_concerns"]]
    assert len(named) >= 21  # 23 of 31 measured: every kind but fluent wrong content and one read-back
    for g in gaming:
        if g["gaming"] in ("keyword_list", "recited_rubric", "reused_template"):
            assert g["named_in_concerns"], g
    assert sum(1 for g in gaming if g["below"]) >= 12  # 13 of 31 below every adequate answer of their question
