"""The degraded evaluation set: each clean fixture clip made worse in fixed, seeded ways, at eval time.

Nothing here is committed audio and nothing needs a system package: the clips are decoded with PyAV (through
faster-whisper's decode_audio), degraded with NumPy/SciPy, and written as 16 kHz WAV files into a temporary
folder. Every random draw comes from a generator seeded by the condition and the clip's name (CRC-32), so a rerun
writes the same samples, whatever the order or the subset of clips.

Conditions (CONDITIONS):
- clean      the clip as committed (Ogg Opus), decoded to 16 kHz.
- phone      a narrow-band call: 4th-order Butterworth band-pass 300–3400 Hz, down to 8 kHz, G.711 µ-law
             (8 bits), back to 16 kHz.
- babble20/10/5   other people talking at 20 / 10 / 5 dB SNR (a bank hall or a café): babble of six OTHER clips
             of the set (never the clip's own text), each at a seeded offset, looped, summed, plus 1/f (pink)
             noise a quarter of the bed's power for the room's hum. Speech power is measured over frames within
             40 dB of the loudest, so pauses do not lower it.
- reverb     a synthetic room: a seeded impulse response of exponentially decaying noise (RT60 0.6 s, a tiled
             hall), with a direct path and a few early reflections, convolved with the clip.
- clipped    a too-hot microphone: the clip's gain raised until 5 % of its samples exceed full scale, then hard
             clipped at ±1.
"""
from __future__ import annotations

import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from faster_whisper import decode_audio
from scipy import signal
from scipy.io import wavfile

RATE = 16_000
CONDITIONS = ("clean", "phone", "babble20", "babble10", "babble5", "reverb", "clipped")
SNR_DB = {"babble20": 20.0, "babble10": 10.0, "babble5": 5.0}
BABBLE_VOICES = 6
RT60_S = 0.6
CLIPPED_SHARE = 0.05
MU = 255.0


def seeded(*parts: str) -> np.random.Generator:
    """A generator seeded by the names given (stable across runs and Python versions)."""
    return np.random.default_rng(zlib.crc32("/".join(parts).encode("utf-8")))


def read(path: Path) -> np.ndarray:
    """Any file PyAV decodes, as 16 kHz mono float32 in [-1, 1]."""
    return decode_audio(str(path), sampling_rate=RATE).astype(np.float64)


def write(path: Path, samples: np.ndarray) -> Path:
    """16-bit PCM WAV, 16 kHz mono."""
    wavfile.write(path, RATE, (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16))
    return path


def speech_power(samples: np.ndarray, frame: int = RATE // 50) -> float:
    """Mean power over the 20 ms frames within 40 dB of the loudest (pauses do not count)."""
    n = len(samples) // frame
    powers = (samples[: n * frame].reshape(n, frame) ** 2).mean(axis=1) if n else np.array([np.mean(samples ** 2)])
    return float(powers[powers >= powers.max() * 1e-4].mean())


def phone(samples: np.ndarray) -> np.ndarray:
    """Band-pass 300–3400 Hz, 8 kHz, µ-law 8-bit, back to 16 kHz."""
    sos = signal.butter(4, (300, 3400), btype="bandpass", fs=RATE, output="sos")
    narrow = signal.resample_poly(signal.sosfilt(sos, samples), 1, 2)
    peak = max(np.abs(narrow).max(), 1e-9)
    x = np.clip(narrow / peak, -1, 1)
    coded = np.round(np.sign(x) * np.log1p(MU * np.abs(x)) / np.log1p(MU) * 127) / 127  # 8-bit µ-law code
    decoded = np.sign(coded) * np.expm1(np.abs(coded) * np.log1p(MU)) / MU * peak
    return signal.resample_poly(decoded, 2, 1)


def pink(n: int, rng: np.random.Generator) -> np.ndarray:
    """Pink (1/f power) noise: white noise shaped in the frequency domain, unit power."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    noise = np.fft.irfft(spectrum, n)
    return noise / np.sqrt(np.mean(noise ** 2))


def babble(n: int, others: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Six other voices at seeded offsets, each looped to n samples at equal power, plus pink hum; unit power."""
    picks = rng.choice(len(others), size=min(BABBLE_VOICES, len(others)), replace=False)
    bed = np.zeros(n)
    for i in picks:
        voice = others[i] / np.sqrt(speech_power(others[i]))
        start = int(rng.integers(len(voice)))
        bed += np.resize(np.roll(voice, -start), n)
    bed /= np.sqrt(np.mean(bed ** 2))
    bed = bed + 0.5 * pink(n, rng)  # a quarter of the bed's power
    return bed / np.sqrt(np.mean(bed ** 2))


def add_noise(samples: np.ndarray, snr_db: float, bed: np.ndarray) -> np.ndarray:
    """samples plus the bed scaled to snr_db below the speech power; peak-normalized to -1 dBFS when it clips."""
    noisy = samples + bed * np.sqrt(speech_power(samples) / 10 ** (snr_db / 10))
    peak = np.abs(noisy).max()
    return noisy * (0.89 / peak) if peak > 0.89 else noisy


def room_response(rng: np.random.Generator, rt60: float = RT60_S) -> np.ndarray:
    """A synthetic impulse response: direct path, five early reflections (5–40 ms), then a decaying noise tail."""
    n = int(rt60 * RATE)
    t = np.arange(n) / RATE
    tail = rng.standard_normal(n) * np.exp(-6.91 * t / rt60) * 0.3  # -60 dB at rt60
    tail[: int(0.005 * RATE)] = 0.0
    ir = tail
    ir[0] = 1.0
    for delay in rng.uniform(0.005, 0.040, 5):
        ir[int(delay * RATE)] += rng.uniform(0.3, 0.6) * rng.choice((-1, 1))
    return ir


def reverb(samples: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    wet = signal.fftconvolve(samples, room_response(rng))[: len(samples)]
    return wet * (np.abs(samples).max() / max(np.abs(wet).max(), 1e-9))


def clipped(samples: np.ndarray, share: float = CLIPPED_SHARE) -> np.ndarray:
    """Gain until `share` of the samples exceed full scale, then hard clipping."""
    level = np.quantile(np.abs(samples), 1 - share)
    return np.clip(samples / max(level, 1e-9), -1.0, 1.0)


def degrade(condition: str, name: str, samples: np.ndarray, others: list[np.ndarray]) -> np.ndarray:
    """One clip under one condition (others: the other clips' samples, for babble)."""
    rng = seeded(condition, name)
    if condition == "clean":
        return samples
    if condition == "phone":
        return phone(samples)
    if condition in SNR_DB:
        return add_noise(samples, SNR_DB[condition], babble(len(samples), others, rng))
    if condition == "reverb":
        return reverb(samples, rng)
    if condition == "clipped":
        return clipped(samples)
    raise ValueError(f"unknown condition {condition!r}; known: {', '.join(CONDITIONS)}")


def build(clips: Iterable[Path], folder: Path, conditions: Iterable[str] = CONDITIONS,
          babble_from: Iterable[Path] = ()) -> dict[str, dict[str, Path]]:
    """Write each clip under each condition as folder/<condition>/<clip>.wav; return {condition: {clip: path}}.

    The babble of a clip is made of the other clips (of `clips` and `babble_from`), never of itself."""
    clips = list(clips)
    sources = {p.name: read(p) for p in dict.fromkeys([*clips, *babble_from])}
    out: dict[str, dict[str, Path]] = {}
    for condition in conditions:
        (folder / condition).mkdir(parents=True, exist_ok=True)
        out[condition] = {}
        for clip in clips:
            others = [s for n, s in sorted(sources.items()) if n != clip.name]
            samples = degrade(condition, clip.name, sources[clip.name], others)
            out[condition][clip.name] = write(folder / condition / f"{clip.stem}.wav", samples)
    return out
