"""Scoring quality: Spearman's rho between the pipeline's scores and human labels on spoken answers.

    make eval        (or: .venv/bin/python -m tests.evaluation.evaluate [--json out.json])

Every clip in tests/fixtures/audio/manifest.json that has labels is scored as one answer to its question
of the 柜员 position (config/positions/teller.yaml) with the real Whisper model, exactly as a worker
scores an upload. Printed: each clip's transcript error rate (CER, against the script it was spoken
from), total and dimension scores beside the labels, then rho for the total and for each labelled
dimension, and the target (rho ≥ 0.7 for the total). What the set is and what it does not prove: docs/scoring.md.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import jiwer
from scipy.stats import spearmanr

from bot.positions.catalog import POSITIONS_DIR, parse_position
from config.settings import get_settings
from scoring import models, pipeline
from scoring.transcribe import Transcriber

AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
TARGET_RHO = 0.7
LABELLED_DIMENSIONS = ("沟通能力", "逻辑思维", "专业匹配度", "岗位适配性")
PUNCTUATION = re.compile(r"[\s，。、！？；：“”‘’（）,.!?;:\"'()…—-]")


def cer(reference: str, heard: str) -> float:
    """Character error rate with punctuation and spaces ignored."""
    ref, hyp = PUNCTUATION.sub("", reference), PUNCTUATION.sub("", heard)
    return jiwer.cer(ref, hyp) if ref else float(bool(hyp))


SETS = {"development": AUDIO, "held-out": AUDIO / "heldout"}


def load_sets() -> list[dict[str, Any]]:
    """Every labelled clip of each set that exists, with its set's name and folder."""
    clips = []
    for name, folder in SETS.items():
        manifest = folder / "manifest.json"
        if manifest.exists():
            clips += [{**c, "set": name, "folder": folder} for c in json.loads(manifest.read_text("utf-8"))]
    return clips


def correlations(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Spearman's rho (ties averaged) of the total and of each labelled dimension against the labels."""
    rho = {"total": spearmanr([r["total"] for r in rows], [r["labels"]["overall"] for r in rows]).statistic}
    for name in LABELLED_DIMENSIONS:
        rho[name] = spearmanr([r["dimensions"].get(name, 0.0) for r in rows],
                              [r["labels"][name] for r in rows]).statistic
    return {k: round(float(v), 3) for k, v in rho.items()}


def evaluate(clips: list[dict[str, Any]] | None = None, *, out=sys.stdout) -> dict[str, Any]:
    """Score every labelled clip; return the per-clip rows and the correlations, per set and overall."""
    settings = get_settings()
    position = parse_position(POSITIONS_DIR / "teller.yaml")
    questions = {q["key"]: q for q in position["questions"]}
    ordinals = {q["key"]: i for i, q in enumerate(position["questions"], 1)}
    context = pipeline.position_inputs(position["description"], position["questions"],
                                       position["rubric"].get("competencies"))
    weights = position["rubric"]["dimensions"]
    transcriber = Transcriber(models.whisper_model_dir(settings), **models.whisper_options(settings))
    clips = clips if clips is not None else load_sets()
    rows = []
    for clip in clips:
        if "labels" not in clip or clip.get("question") not in questions:
            continue
        started = time.perf_counter()
        result = pipeline.score(
            pipeline.AnswerInput(question=questions[clip["question"]], ordinal=ordinals[clip["question"]],
                                 mode="audio", media=clip.get("folder", AUDIO) / clip["file"]),
            transcriber, **context, weights=weights)
        heard = (result.get("transcript") or {}).get("text", "")
        row = {"file": clip["file"], "set": clip.get("set", "development"), "quality": clip["quality"],
               "labels": clip["labels"], "status": result["status"], "total": result["total"],
               "dimensions": {name: d["score"] for name, d in result["dimensions"].items()},
               "cer": round(cer(clip["text"], heard), 3) if clip["quality"] != "near_silent" else None,
               "seconds": round(time.perf_counter() - started, 2)}
        rows.append(row)
        dims = " ".join(f"{row['dimensions'].get(n, 0):5.1f}" for n in LABELLED_DIMENSIONS)
        print(f"{row['set'][:3]} {row['file']:38s} {row['quality']:15s} label {clip['labels']['overall']}  "
              f"total {row['total']:5.1f}  [{dims}]  CER {row['cer'] if row['cer'] is not None else '  -  '}",
              file=out)
    cers = [r["cer"] for r in rows if r["cer"] is not None]
    groups = {name: [r for r in rows if r["set"] == name] for name in SETS}
    groups = {name: group for name, group in groups.items() if len(group) >= 3}
    if len(groups) > 1:
        groups["all"] = rows
    summary = {"clips": len(rows), "rho": {name: correlations(group) for name, group in groups.items()},
               "mean_cer": round(sum(cers) / len(cers), 3) if cers else None, "target_rho": TARGET_RHO}
    print(f"\n{len(rows)} clips; mean CER {summary['mean_cer']}", file=out)
    print(f"{'Spearman rho':14s}" + "".join(f"{name:>14s}" for name in summary["rho"]), file=out)
    for dimension in ("total", *LABELLED_DIMENSIONS):
        print(f"{dimension:14s}" + "".join(f"{rho[dimension]:14.3f}" for rho in summary["rho"].values()), file=out)
    headline = summary["rho"].get("held-out", next(iter(summary["rho"].values())))["total"]
    summary["headline_rho"] = headline
    print(f"total {'meets' if headline >= TARGET_RHO else 'MISSES'} the target rho ≥ {TARGET_RHO}"
          f" ({'held-out' if 'held-out' in summary['rho'] else 'development'} set)", file=out)
    return {"rows": rows, **summary}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="also write the rows and correlations here")
    args = parser.parse_args(argv)
    result = evaluate()
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    return 0 if result["headline_rho"] >= TARGET_RHO else 1


if __name__ == "__main__":
    sys.exit(main())
