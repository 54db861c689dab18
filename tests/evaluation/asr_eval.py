"""Transcription accuracy under bad sound: character error rate per condition of the degraded set.

    make eval        (or: .venv/bin/python -m tests.evaluation.asr_eval [--subset] [--beam N] [--batch N]
                      [--min-silence-ms N])

The spoken clips of tests/fixtures/audio (near-silence excepted) are degraded as tests/evaluation/degrade.py says
(phone band, babble at 20/10/5 dB SNR, a reverberant room, clipping), into a temporary folder that is deleted
afterwards, and transcribed with the shipped decoding (WHISPER_BEAM_SIZE, WHISPER_BATCH_SIZE,
WHISPER_VAD_MIN_SILENCE_MS) or the one given (`--beam 5 --batch 0 --min-silence-ms 2000`: the decoding of before).
Printed: the mean CER of each condition (punctuation and spaces ignored), the share of clips whose transcript is
unsure enough to lower a report's confidence (语音识别把握较低), and the seconds it took.
`--subset` takes the 12 clips the scoring benchmark uses (excellent and weak answers, 197 s) instead of all 32.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from config.settings import get_settings
from scoring import models, report
from scoring.transcribe import Transcriber
from tests.evaluation import degrade
from tests.evaluation.evaluate import AUDIO, cer

SUBSET = ("excellent", "weak")


def clips(subset: bool = False) -> list[dict[str, Any]]:
    """The spoken clips of the development set (with their scripts), or the benchmark's subset of them."""
    manifest = json.loads((AUDIO / "manifest.json").read_text("utf-8"))
    spoken = [c for c in manifest if c["quality"] != "near_silent"]
    return [c for c in spoken if c["quality"] in SUBSET] if subset else spoken


def build(folder: Path, chosen: list[dict[str, Any]]) -> dict[str, dict[str, Path]]:
    """Every condition of every chosen clip under folder; babble is made of all the other spoken clips."""
    return degrade.build([AUDIO / c["file"] for c in chosen], folder,
                         babble_from=[AUDIO / c["file"] for c in clips()])


def read_condition(transcriber: Transcriber, chosen: list[dict[str, Any]],
                   files: dict[str, Path]) -> dict[str, float]:
    """Mean CER of the chosen clips in files, and the share of them whose transcript is unsure enough (mean log
    probability below report.UNSURE_LOGPROB) to lower a report's confidence with 语音识别把握较低."""
    heard = [(c, transcriber.transcribe(files[c["file"]])) for c in chosen]
    return {"cer": round(sum(cer(c["text"], t.text) for c, t in heard) / len(heard), 3),
            "unsure": round(sum(t.mean_logprob < report.UNSURE_LOGPROB for _, t in heard) / len(heard), 2)}


def cer_by_condition(transcriber: Transcriber, chosen: list[dict[str, Any]],
                     paths: dict[str, dict[str, Path]]) -> dict[str, float]:
    """Mean CER of the chosen clips under each condition built."""
    return {condition: read_condition(transcriber, chosen, files)["cer"] for condition, files in paths.items()}


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subset", action="store_true", help="the benchmark's 12 clips, not all 32")
    parser.add_argument("--beam", type=int, default=settings.whisper_beam_size, help="beam width")
    parser.add_argument("--batch", type=int, default=settings.whisper_batch_size, help="batch size (0: whole file)")
    parser.add_argument("--min-silence-ms", type=int, default=settings.whisper_vad_min_silence_ms,
                        help="the VAD's shortest pause cut out")
    args = parser.parse_args(argv)
    chosen = clips(args.subset)
    folder = Path(tempfile.mkdtemp(prefix="asr-eval-"))
    try:
        paths = build(folder, chosen)
        transcriber = Transcriber(models.whisper_model_dir(settings), **{
            **models.whisper_options(settings), "beam_size": args.beam, "batch_size": args.batch,
            "min_silence_ms": args.min_silence_ms})
        print(f"CER of {len(chosen)} clips per condition, beam {args.beam}, "
              f"{'batch ' + str(args.batch) if args.batch else 'whole file'}:")
        for condition in degrade.CONDITIONS:
            started = time.perf_counter()
            value = read_condition(transcriber, chosen, paths[condition])
            print(f"  {condition:10s} CER {value['cer']:.3f}   unsure (语音识别把握较低) "
                  f"{value['unsure']:4.0%} of clips"
                  f"   ({time.perf_counter() - started:.0f} s)", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
