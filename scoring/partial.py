"""Transcribing a recording while it still arrives: the finished pieces now, only the tail once it is complete.

The audio received so far (a prefix of the recording: its chunks joined and decoded) is cut just after the speech
before its last pause that is over; what lies before the cut is transcribed once and kept as a Progress: how many
samples were read, a fingerprint of them, and the segments with their times in the recording's own clock. The next
prefix goes on from there. When the recording is complete, Resuming.transcribe() checks that it begins with exactly
the samples that were read (otherwise it transcribes the whole file, as if nothing had been done before) and
transcribes only what follows, joining the segments. No database and no queue here (bot.reports.partial keeps a
Progress; bot.interviews.transcribing feeds it).
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from scoring.transcribe import VAD_THRESHOLD, Segment, Transcriber, Transcript, Word

SAMPLE_RATE = 16000
CUT_SILENCE_MS = 500  # a pause at least this long may end a piece (the clips pause ~1 s between sentences)
END_PAD = 0.25  # seconds of a pause kept after a piece's last speech (Whisper invents words in longer tails)
MARGIN = 1.0  # seconds at the end of a prefix not trusted: the resampler's flush, a frame cut by the chunking
# Whisper reads 30 s windows whatever they hold (its encoder, half the cost, is paid per window): a piece waits
# until MIN_PIECE seconds are pending and ends at the last pause within MAX_PIECE. Longer pieces cost less CPU and
# leave a longer tail to read at the end (docs/scoring.md#transcribing-while-the-candidate-speaks: 20 s left 7.7 s
# from the last upload to the report, 12 s 4.0 s).
MIN_PIECE = 12.0
MAX_PIECE = 28.0
MIN_TAIL = 0.2  # seconds: a shorter tail holds no word


def fingerprint(samples: np.ndarray) -> str:
    """The sha256 of float32 samples: the same audio decoded twice gives the same fingerprint."""
    return hashlib.sha256(np.ascontiguousarray(samples, dtype=np.float32).tobytes()).hexdigest()


@dataclass
class Progress:
    """What was transcribed of a recording so far: its first `samples` samples (16 kHz), fingerprinted."""

    language: str | None  # the language asked for (None: detected)
    samples: int = 0
    fingerprint: str = field(default_factory=lambda: fingerprint(np.zeros(0, np.float32)))
    detected: str | None = None  # the language Whisper reported for the first piece with speech
    language_probability: float = 0.0
    speech_duration: float = 0.0
    segments: list[Segment] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.samples / SAMPLE_RATE

    def to_json(self) -> dict[str, Any]:
        """The progress as kept between jobs (every number at full precision: a join must not drift)."""
        return {**{k: v for k, v in asdict(self).items() if k != "segments"},
                "segments": [asdict(s) for s in self.segments]}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Progress:
        """The progress to_json() wrote."""
        segments = [Segment(**{**s, "words": [Word(**w) for w in s["words"]]}) for s in doc["segments"]]
        return cls(**{**doc, "segments": segments})


def cut(samples: np.ndarray, start: int) -> int | None:
    """Where the next piece after sample start may end: END_PAD into the last pause that is over (before the
    untrusted end of the prefix), at least MIN_PIECE and at most MAX_PIECE after start (past MAX_PIECE, the first
    pause); None while there is none. The rest of the pause opens the next piece."""
    end = len(samples) - int(MARGIN * SAMPLE_RATE)
    shortest, longest = int(MIN_PIECE * SAMPLE_RATE), int(MAX_PIECE * SAMPLE_RATE)
    if end - start < shortest:
        return None
    options = VadOptions(threshold=VAD_THRESHOLD, min_silence_duration_ms=CUT_SILENCE_MS, speech_pad_ms=0)
    spans = get_speech_timestamps(samples[start:end], options, sampling_rate=SAMPLE_RATE)
    if not spans:
        return None  # nothing said yet (or only noise): the whole-file VAD judges it at the end
    gaps = [(a["end"], b["start"]) for a, b in zip(spans, spans[1:], strict=False)]
    if end - start - spans[-1]["end"] >= CUT_SILENCE_MS * SAMPLE_RATE // 1000:
        gaps.append((spans[-1]["end"], end - start))  # a pause still going on at the trusted end
    pad = int(END_PAD * SAMPLE_RATE)
    cuts = [min(left + pad, (left + right) // 2) for left, right in gaps]
    cuts = [m for m in cuts if m >= shortest]
    within = [m for m in cuts if m <= longest]
    if within or cuts:
        return start + (within[-1] if within else cuts[0])
    return None


def _shifted(segments: list[Segment], seconds: float) -> list[Segment]:
    """Segments of a piece moved to the recording's clock (the piece began `seconds` into it)."""
    return [Segment(s.start + seconds, s.end + seconds, s.text, s.avg_logprob, s.no_speech_prob,
                    [Word(w.start + seconds, w.end + seconds, w.text, w.probability) for w in s.words])
            for s in segments]


def advance(transcriber: Transcriber, samples: np.ndarray, progress: Progress) -> Progress:
    """Transcribe the prefix's finished pieces after progress; the progress reached (the same when nothing is
    finished yet). A prefix that does not begin with the samples already read starts over from the beginning."""
    if len(samples) < progress.samples or fingerprint(samples[:progress.samples]) != progress.fingerprint:
        progress = Progress(progress.language)
    at = cut(samples, progress.samples)
    if at is None:
        return progress
    piece = transcriber.transcribe(samples[progress.samples:at], language=progress.language)
    first = progress.detected is None and bool(piece.segments)
    return Progress(progress.language, at, fingerprint(samples[:at]),
                    piece.language if first else progress.detected,
                    piece.language_probability if first else progress.language_probability,
                    progress.speech_duration + piece.speech_duration,
                    progress.segments + _shifted(piece.segments, progress.seconds))


class Resuming:
    """A Transcriber that, given the complete recording, transcribes only what follows a matching Progress.

    resumed says whether the progress was used (the recording began with its samples); everything else is the
    wrapped Transcriber's.
    """

    def __init__(self, transcriber: Transcriber, progress: Progress | None) -> None:
        self.transcriber = transcriber
        self.progress = progress
        self.resumed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transcriber, name)

    def matches(self, samples: np.ndarray, language: str | None) -> bool:
        """Whether samples begin with what the progress read, in the language it was read in."""
        done = self.progress
        return (done is not None and done.samples > 0 and done.language == language and len(samples) >= done.samples
                and fingerprint(samples[:done.samples]) == done.fingerprint)

    def transcribe(self, audio: Any, *, language: str | None = "zh") -> Transcript:
        """The transcript of the whole recording: the progress joined with the tail's (or all of it afresh)."""
        if not isinstance(audio, np.ndarray) or not self.matches(audio, language):
            return self.transcriber.transcribe(audio, language=language)
        self.resumed, done = True, self.progress
        tail = audio[done.samples:]
        if len(tail) >= MIN_TAIL * SAMPLE_RATE:
            rest = self.transcriber.transcribe(tail, language=language)
        else:
            rest = Transcript(done.detected or language or "", 0.0, len(tail) / SAMPLE_RATE, 0.0, [])
        first = done.detected is None and bool(rest.segments)
        return Transcript(rest.language if first or done.detected is None else done.detected,
                          rest.language_probability if first or done.detected is None else done.language_probability,
                          len(audio) / SAMPLE_RATE, done.speech_duration + rest.speech_duration,
                          done.segments + _shifted(rest.segments, done.seconds))
