"""Speech to text with timestamps: faster-whisper on a local CTranslate2 model, Simplified Chinese out.

Whisper base often writes Traditional characters for Mandarin; every transcript goes through OpenCC
(t2s) before any matching. The model directory comes from scoring.models (never downloaded here).
"""
from __future__ import annotations

import functools
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from opencc import OpenCC

ZH_PROMPT = "以下是普通话的句子。"  # nudges Whisper towards Simplified characters and punctuation
_load_lock = threading.Lock()
# Silero VAD's speech probability threshold (its default 0.5 dropped most of a phone-band answer in a low voice:
# 1.8 s kept of 26.8 s, character error 0.92; at 0.3 the same clip reads at 0.05, and near-silence stays silence).
VAD_THRESHOLD = 0.3
SAMPLING_SEED = 20261206  # the temperature fallback's sampling, seeded per transcription


@dataclass
class Word:
    start: float
    end: float
    text: str
    probability: float


@dataclass
class Segment:
    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    words: list[Word] = field(default_factory=list)


@dataclass
class Transcript:
    language: str
    language_probability: float
    duration: float          # of the audio
    speech_duration: float   # what the VAD kept
    segments: list[Segment]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments).strip()

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]

    @property
    def mean_logprob(self) -> float:
        return (sum(s.avg_logprob for s in self.segments) / len(self.segments)) if self.segments else 0.0

    def to_json(self) -> dict[str, Any]:
        """The transcript as stored: text, language, durations and timestamped segments (words kept compact)."""
        return {
            "text": self.text, "language": self.language, "language_probability": round(self.language_probability, 3),
            "duration": round(self.duration, 2), "speech_duration": round(self.speech_duration, 2),
            "mean_logprob": round(self.mean_logprob, 3),
            "segments": [{**{k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(s).items()
                             if k != "words"},
                          "words": [[round(w.start, 2), round(w.end, 2), w.text] for w in s.words]}
                         for s in self.segments],
        }


@functools.lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional → Simplified Chinese (other scripts pass through unchanged)."""
    return _t2s().convert(text)


class Transcriber:
    """One loaded Whisper model; transcribe() is safe to call from one thread at a time per instance.

    beam_size 5 with batch_size 0 is the original decoding (whole file, 30 s windows one after another, each
    conditioned on nothing before it); batch_size > 0 cuts the speech the VAD finds into chunks of at most 30 s
    and decodes them batch_size at a time (faster-whisper's BatchedInferencePipeline). docs/scoring.md compares
    them. compute_type None: int8 on the CPU, int8_float16 on a GPU.
    """

    def __init__(self, model_dir: Path, *, cpu_threads: int = 0, beam_size: int = 5, device: str = "cpu",
                 batch_size: int = 0, compute_type: str | None = None, min_silence_ms: int = 2000) -> None:
        self.model_dir = Path(model_dir)
        self.device = device
        self.cpu_threads = cpu_threads
        self.beam_size = beam_size
        self.batch_size = batch_size
        self.min_silence_ms = min_silence_ms
        self.compute_type = compute_type or ("int8" if device == "cpu" else "int8_float16")  # int8 weights
        self._model = None
        self._batched = None

    @property
    def model(self):
        if self._model is None:
            with _load_lock:
                if self._model is None:
                    from faster_whisper import BatchedInferencePipeline, WhisperModel

                    self._model = WhisperModel(str(self.model_dir), device=self.device,
                                               compute_type=self.compute_type, cpu_threads=self.cpu_threads)
                    self._batched = BatchedInferencePipeline(self._model)
        return self._model

    def transcribe(self, audio: Path | str | np.ndarray, *, language: str | None = "zh") -> Transcript:
        """Transcribe a file (any format PyAV reads) or 16 kHz mono samples; language None: detect it."""
        prompt = ZH_PROMPT if language == "zh" else None  # detection ignores it; OpenCC converts anyway
        model = self.model
        # Whisper falls back to sampling (temperature > 0) when a window decodes badly, near-silence above all: a
        # fixed seed makes the same recording give the same transcript, and so the same score, every time.
        import ctranslate2

        ctranslate2.set_random_seed(SAMPLING_SEED)
        # condition_on_previous_text=False: no repetition loops (and no 20 s of retries) on near-silence
        options = dict(language=language, initial_prompt=prompt, beam_size=self.beam_size, vad_filter=True,
                       vad_parameters={"threshold": VAD_THRESHOLD, "min_silence_duration_ms": self.min_silence_ms},
                       word_timestamps=True, condition_on_previous_text=False)
        source = audio if isinstance(audio, np.ndarray) else str(audio)
        if self.batch_size > 0:
            segments, info = self._batched.transcribe(source, batch_size=self.batch_size, **options)
        else:
            segments, info = model.transcribe(source, **options)
        out = []
        for seg in segments:
            words = [Word(float(w.start), float(w.end), simplified(w.word).strip(), float(w.probability))
                     for w in (seg.words or [])]
            out.append(Segment(float(seg.start), float(seg.end), simplified(seg.text).strip(),
                               float(seg.avg_logprob), float(seg.no_speech_prob), words))
        return Transcript(info.language, float(info.language_probability), float(info.duration),
                          float(info.duration_after_vad or 0.0), out)
