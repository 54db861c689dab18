"""Scoring quality as a regression guard: the held-out clips must keep ranking like their human labels."""
from __future__ import annotations

import io

from tests.evaluation.evaluate import TARGET_RHO, evaluate, load_sets


def test_held_out_scores_rank_answers_like_the_human_labels(model_settings):
    clips = [c for c in load_sets() if c["set"] == "held-out"]
    assert len(clips) >= 20
    out = io.StringIO()
    result = evaluate(clips, out=out)
    print(out.getvalue())
    rho = result["rho"]["held-out"]
    assert rho["total"] >= TARGET_RHO
    assert min(rho.values()) > 0.5  # every labelled dimension ranks the answers in the labels' direction
    assert result["mean_cer"] < 0.15
    by_quality = {}
    for row in result["rows"]:
        by_quality.setdefault(row["quality"], []).append(row["total"])
    mean = {quality: sum(v) / len(v) for quality, v in by_quality.items()}
    assert mean["excellent"] > mean["adequate"] > mean["weak"] and mean["adequate"] > mean["off_topic"]
