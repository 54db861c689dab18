"""How an answer sounds: speech rate, pauses, pitch and energy variability (Praat via parselmouth).

Inputs are 16 kHz mono float samples and the transcript's word timestamps. The numbers feed 沟通能力
(fluency) and 情绪稳定性 (steadiness); they are weak signals and are weighted as such in scoring.report.
"""
from __future__ import annotations

import statistics
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import parselmouth

PAUSE_S = 0.8          # a gap between words this long is a pause
LONG_PAUSE_S = 2.0     # and this long, a long one
PITCH_FLOOR, PITCH_CEILING = 75.0, 500.0
QUIET_DB = 25.0        # intensity frames this far below the loud end are not speech


def ramp(value: float, zero_low: float, one_low: float, one_high: float, zero_high: float) -> float:
    """1 inside [one_low, one_high], falling linearly to 0 at zero_low and zero_high."""
    if one_low <= value <= one_high:
        return 1.0
    if value < one_low:
        return max(0.0, (value - zero_low) / (one_low - zero_low)) if one_low > zero_low else 0.0
    return max(0.0, (zero_high - value) / (zero_high - one_high)) if zero_high > one_high else 0.0


def pauses(words: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """Pauses between words ([start, end, text] triples): count, long ones, longest, time before speaking."""
    gaps = [(round(b[0] - a[1], 2), round(a[1], 2)) for a, b in pairwise(words) if b[0] - a[1] >= PAUSE_S]
    return {
        "count": len(gaps), "long": sum(1 for g, _ in gaps if g >= LONG_PAUSE_S),
        "longest": max((g for g, _ in gaps), default=0.0), "at": [at for g, at in gaps if g >= LONG_PAUSE_S][:5],
        "latency": round(words[0][0], 2) if words else None,
    }


def speech_rate(words: Sequence[Sequence[Any]], chars: int) -> dict[str, Any]:
    """Characters per second of speaking time (the span of the words minus the pauses)."""
    if not words or not chars:
        return {"chars_per_s": 0.0, "speaking_s": 0.0, "steadiness": 0.0}
    span = words[-1][1] - words[0][0]
    paused = sum(b[0] - a[1] for a, b in pairwise(words) if b[0] - a[1] >= PAUSE_S)
    speaking = max(0.5, span - paused)
    # steadiness: how even the pace is across runs of words between pauses (1 - coefficient of variation)
    runs, current = [], [words[0]]
    for a, b in pairwise(words):
        if b[0] - a[1] >= PAUSE_S:
            runs.append(current)
            current = []
        current.append(b)
    runs.append(current)
    rates = [sum(len(w[2]) for w in run) / max(0.3, run[-1][1] - run[0][0]) for run in runs if len(run) >= 3]
    cv = statistics.pstdev(rates) / statistics.mean(rates) if len(rates) >= 2 and statistics.mean(rates) else 0.0
    return {"chars_per_s": round(chars / speaking, 2), "speaking_s": round(speaking, 2),
            "steadiness": round(max(0.0, 1.0 - cv), 3)}


def prosody(samples: np.ndarray, sample_rate: int) -> dict[str, Any]:
    """Pitch (semitones re 100 Hz) and intensity (dB) statistics over the voiced, audible frames."""
    if samples.size < sample_rate // 2:
        return {"voiced_s": 0.0, "pitch_median_hz": None, "pitch_sd_st": None, "intensity_sd_db": None}
    sound = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=sample_rate)
    pitch = sound.to_pitch(time_step=0.01, pitch_floor=PITCH_FLOOR, pitch_ceiling=PITCH_CEILING)
    f0 = pitch.selected_array["frequency"]
    voiced = f0[f0 > 0]
    intensity = sound.to_intensity(minimum_pitch=PITCH_FLOOR).values[0]
    intensity = intensity[np.isfinite(intensity) & (intensity > 0)]  # digital silence gives -300 dB frames
    loud = intensity[intensity >= np.percentile(intensity, 95) - QUIET_DB] if intensity.size else intensity
    semitones = 12 * np.log2(voiced / 100.0) if voiced.size else voiced
    return {
        "voiced_s": round(voiced.size * 0.01, 2),
        "pitch_median_hz": round(float(np.median(voiced)), 1) if voiced.size else None,
        "pitch_sd_st": round(float(np.std(semitones)), 2) if voiced.size > 20 else None,
        "intensity_sd_db": round(float(np.std(loud)), 2) if loud.size > 20 else None,
        "peak_db": round(float(np.percentile(intensity, 95)), 1) if intensity.size else None,
    }


def analyse(samples: np.ndarray, sample_rate: int, words: Sequence[Sequence[Any]], chars: int) -> dict[str, Any]:
    """Every voice signal of one answer, with 0–1 sub-scores for fluency and steadiness."""
    rate, gaps, tone = speech_rate(words, chars), pauses(words), prosody(samples, sample_rate)
    minutes = max(rate["speaking_s"] / 60, 0.25)
    rate_score = ramp(rate["chars_per_s"], 1.5, 3.0, 5.8, 8.5)
    pause_score = max(0.0, 1.0 - gaps["long"] / minutes / 4)
    pitch_sd = tone["pitch_sd_st"]
    # monotone (< 1.5 st) or agitated (> 7 st) pitch and jumpy loudness read as less steady delivery
    pitch_score = ramp(pitch_sd, 0.5, 1.5, 6.0, 9.0) if pitch_sd is not None else 0.5
    energy_sd = tone["intensity_sd_db"]
    energy_score = ramp(energy_sd, 0.0, 2.0, 9.0, 14.0) if energy_sd is not None else 0.5
    return {
        "rate": rate, "pauses": gaps, "prosody": tone,
        "scores": {"rate": round(rate_score, 3), "pauses": round(pause_score, 3), "pitch": round(pitch_score, 3),
                   "energy": round(energy_score, 3), "steadiness": rate["steadiness"]},
    }
