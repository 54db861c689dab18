"""The degraded evaluation set (tests/evaluation/degrade.py): the same bytes every run, and the conditions it says."""
from __future__ import annotations

import hashlib

import numpy as np
from scipy import signal

from tests.evaluation import degrade
from tests.support.paths import AUDIO

CLIPS = [AUDIO / "aml_weak.ogg", AUDIO / "intro_weak.ogg"]
BABBLE = [AUDIO / name for name in ("pressure_weak.ogg", "complaint_weak.ogg", "cross_sell_weak.ogg",
                                    "cash_discrepancy_weak.ogg", "aml_adequate.ogg", "intro_adequate.ogg")]


def digests(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*.wav")}


def test_the_set_is_the_same_every_run_whatever_the_clips_beside(tmp_path):
    degrade.build(CLIPS, tmp_path / "a", babble_from=BABBLE)
    degrade.build(CLIPS, tmp_path / "b", babble_from=BABBLE)
    one = digests(tmp_path / "a")
    assert len(one) == len(CLIPS) * len(degrade.CONDITIONS) and one == digests(tmp_path / "b")


def test_each_condition_is_what_it_says():
    clean = degrade.read(AUDIO / "aml_weak.ogg")
    others = [degrade.read(p) for p in BABBLE]
    for name, snr in degrade.SNR_DB.items():
        noisy = degrade.degrade(name, "aml_weak.ogg", clean, others)
        scale = np.dot(noisy, clean) / np.dot(clean, clean)  # peak normalisation may have scaled both
        noise = noisy - scale * clean
        measured = 10 * np.log10(degrade.speech_power(scale * clean) / np.mean(noise ** 2))
        assert abs(measured - snr) < 0.5, (name, measured)
    phone = degrade.degrade("phone", "aml_weak.ogg", clean, others)
    freqs, power = signal.welch(phone, degrade.RATE, nperseg=1024)
    assert power[freqs > 4000].sum() < 1e-4 * power.sum()  # nothing above the 8 kHz channel's Nyquist
    clipped = degrade.degrade("clipped", "aml_weak.ogg", clean, others)
    assert 0.04 < np.mean(np.abs(clipped) >= 1.0) < 0.06
    wet = degrade.degrade("reverb", "aml_weak.ogg", clean, others)
    assert len(wet) == len(clean) and np.abs(wet).max() <= 1.0 and not np.allclose(wet, clean)
