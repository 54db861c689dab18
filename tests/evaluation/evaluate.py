"""Scoring quality: Spearman's rho between the pipeline's scores and human labels on spoken answers.

    make eval        (or: .venv/bin/python -m tests.evaluation.evaluate [--json out.json])

Every clip in tests/fixtures/audio/manifest.json that has labels is scored as one answer to its question
of the 柜员 position (config/positions/teller.yaml) with the real Whisper model, exactly as a worker
scores an upload. Printed: each clip's transcript error rate (CER, against the script it was spoken
from), total and dimension scores beside the labels, then rho for the total and for each labelled
dimension, and the target (rho ≥ 0.7 for the total). What the set is and what it does not prove: README.
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

from bot.store.positions import POSITIONS_DIR, parse_position
from config.settings import get_settings
from scoring import models, pipeline
from scoring.text import position_reference
from scoring.transcribe import Transcriber

AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
TARGET_RHO = 0.7
LABELLED_DIMENSIONS = ("沟通能力", "逻辑思维", "专业匹配度", "岗位适配性")
PUNCTUATION = re.compile(r"[\s，。、！？；：“”‘’（）,.!?;:\"'()…—-]")


def cer(reference: str, heard: str) -> float:
    """Character error rate with punctuation and spaces ignored."""
    ref, hyp = PUNCTUATION.sub("", reference), PUNCTUATION.sub("", heard)
    return jiwer.cer(ref, hyp) if ref else float(bool(hyp))


def evaluate(clips: list[dict[str, Any]] | None = None, *, out=sys.stdout) -> dict[str, Any]:
    """Score every labelled clip; return the per-clip rows and the correlations."""
    settings = get_settings()
    position = parse_position(POSITIONS_DIR / "teller.yaml")
    questions = {q["key"]: q for q in position["questions"]}
    ordinals = {q["key"]: i for i, q in enumerate(position["questions"], 1)}
    reference = position_reference(position["description"], position["questions"])
    weights = position["rubric"]["dimensions"]
    transcriber = Transcriber(models.whisper_model_dir(settings))
    clips = clips if clips is not None else json.loads((AUDIO / "manifest.json").read_text("utf-8"))
    rows = []
    for clip in clips:
        if "labels" not in clip or clip.get("question") not in questions:
            continue
        started = time.perf_counter()
        result = pipeline.score(
            pipeline.AnswerInput(question=questions[clip["question"]], ordinal=ordinals[clip["question"]],
                                 mode="audio", media=AUDIO / clip["file"]),
            transcriber, position_reference=reference, weights=weights)
        heard = (result.get("transcript") or {}).get("text", "")
        row = {"file": clip["file"], "quality": clip["quality"], "labels": clip["labels"],
               "status": result["status"], "total": result["total"],
               "dimensions": {name: d["score"] for name, d in result["dimensions"].items()},
               "cer": round(cer(clip["text"], heard), 3) if clip["quality"] != "near_silent" else None,
               "seconds": round(time.perf_counter() - started, 2)}
        rows.append(row)
        dims = " ".join(f"{row['dimensions'].get(n, 0):5.1f}" for n in LABELLED_DIMENSIONS)
        print(f"{row['file']:38s} {row['quality']:15s} label {clip['labels']['overall']}  total {row['total']:5.1f}"
              f"  [{dims}]  CER {row['cer'] if row['cer'] is not None else '  -  '}", file=out)
    rho = {"total": spearmanr([r["total"] for r in rows], [r["labels"]["overall"] for r in rows]).statistic}
    for name in LABELLED_DIMENSIONS:
        rho[name] = spearmanr([r["dimensions"].get(name, 0.0) for r in rows],
                              [r["labels"][name] for r in rows]).statistic
    cers = [r["cer"] for r in rows if r["cer"] is not None]
    summary = {"clips": len(rows), "rho": {k: round(float(v), 3) for k, v in rho.items()},
               "mean_cer": round(sum(cers) / len(cers), 3) if cers else None, "target_rho": TARGET_RHO}
    print(f"\n{len(rows)} clips; mean CER {summary['mean_cer']}", file=out)
    for name, value in summary["rho"].items():
        print(f"Spearman rho {name:6s} {value:6.3f}", file=out)
    verdict = "meets" if summary["rho"]["total"] >= TARGET_RHO else "MISSES"
    print(f"total {verdict} the target rho ≥ {TARGET_RHO}", file=out)
    return {"rows": rows, **summary}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="also write the rows and correlations here")
    args = parser.parse_args(argv)
    result = evaluate()
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    return 0 if result["rho"]["total"] >= TARGET_RHO else 1


if __name__ == "__main__":
    sys.exit(main())
