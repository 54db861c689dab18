"""One answer in, its analysis out: decode → transcribe → text, voice (and face) signals → scores.

No database and no queue here (bot.reports.scoring does that): given the question, the answer's text or media
file and a loaded Transcriber, return the analysis document stored for the answer and used by the report.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scoring import correctness, face, meaning, media, report, text, voice
from scoring.transcribe import Transcriber

SAMPLE_RATE = 16000
DEFAULT_ANSWER_SECONDS = 120  # a question snapshot from before answer times were stored
MIN_SPEECH_CHARS = 6   # fewer recognised characters than this is silence, not an answer
REASONS = {
    "silence": "录音几乎无声或没有可识别的语音",
    "empty": "没有填写回答",
    "corrupt": "录音文件无法解码",
    "too_long": "录音超过了作答时限，未予评分（文件的时长信息与实际内容不符），可请候选人重答",
    "no_face": "视频中没有检测到人脸",
    "error": "评分时出错（已记录），可请候选人重答或由 HR 人工评估",
}


class Unscorable(Exception):
    """The answer cannot be scored; reason is one of REASONS' keys."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class AnswerInput:
    question: dict[str, Any]            # the interview's snapshot of the question (text, rubric, …)
    ordinal: int
    mode: str                           # video | audio | text
    text: str = ""                      # the typed answer (mode text)
    media: Path | None = None           # the recording (mode video/audio)
    face: bool = False                  # face analysis allowed (position policy + candidate consent)
    expression: bool = False            # facial expression as a (small) scored signal
    video_required: bool = False        # the position allows only video answers
    language: str | None = "zh"
    pasted_chars: int = 0               # characters pasted into a typed answer (the page counts them)
    extra: dict[str, Any] = field(default_factory=dict)


def decode(path: Path, max_seconds: float) -> np.ndarray:
    """The file's audio as 16 kHz mono float32 samples, at most max_seconds of it.

    Unscorable('too_long') past the bound: a file whose timestamps lie about its length (the upload check
    should have refused it) is not decoded and transcribed whole; Unscorable('corrupt') when it cannot be decoded.
    """
    try:
        return media.decode_audio(path, max_seconds, SAMPLE_RATE)
    except media.MediaError as exc:
        raise Unscorable("too_long" if exc.code == "too_long" else "corrupt", str(exc)) from exc


def answer_bound(question: dict[str, Any]) -> float:
    """The most audio an answer to the question may hold: its answer time plus the upload's slack."""
    return float(question.get("answer_seconds") or DEFAULT_ANSWER_SECONDS) + media.ANSWER_SLACK


def unscorable(answer: AnswerInput, reason: str, detail: str = "", **extra: Any) -> dict[str, Any]:
    """The analysis of an answer that cannot be scored, with a reason a person can read."""
    return {"question_key": answer.question["key"], "ordinal": answer.ordinal, "question": answer.question["text"],
            "mode": answer.mode, "status": "unscorable", "reason": reason, "reason_text": REASONS[reason],
            "detail": detail[:300], "total": 0.0, "dimensions": {}, "highlights": [], "suggestions": [], **extra}


def position_inputs(description: str, questions: list[dict[str, Any]], competencies: dict[str, str] | None = None,
                    dimensions: dict[str, float] | None = None) -> dict[str, Any]:
    """What score() needs to know of the position, from its description, questions, competencies and dimension
    weights: its vocabulary (position_reference), what it asks of a person (profile) and the dimensions it names
    itself with their sentences (custom). Every caller builds them here."""
    own = {name: (competencies or {}).get(name, name) for name in dimensions or {} if name not in report.DIMENSIONS}
    return {"position_reference": text.position_reference(description, questions),
            "profile": meaning.profile(description, competencies), "custom": own}


def score(answer: AnswerInput, transcriber: Transcriber | None, *, position_reference: str,
          weights: dict[str, float], target_chars: int = 100, profile: tuple[str, ...] = (),
          custom: dict[str, str] | None = None) -> dict[str, Any]:
    """Analyse and score one answer; never raises for bad media (the result says unscorable and why).
    profile: what the position asks of a person (scoring.meaning.profile), for 岗位适配性."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    transcript, voice_signals, face_signals = None, None, None
    if answer.mode == "text":
        said = answer.text.strip()
        if not said:
            return unscorable(answer, "empty")
    else:
        try:
            samples = decode(answer.media, answer_bound(answer.question))
        except Unscorable as exc:
            return unscorable(answer, exc.reason, exc.detail)
        timings["decode"] = time.perf_counter() - started
        mark = time.perf_counter()
        face_job = None
        if answer.mode == "video" and answer.face:  # frames are read and searched while Whisper runs
            face_job = _FACE_POOL.submit(_timed, _face, answer.media, answer.expression)
        transcript = transcriber.transcribe(samples, language=answer.language)
        timings["transcribe"] = time.perf_counter() - mark
        said = transcript.text
        if face_job is not None:
            face_signals, timings["face"] = face_job.result()
            if face_signals.get("unscorable_reason") == "no_face" and answer.video_required:
                return unscorable(answer, "no_face", transcript=transcript.to_json(), face=face_signals)
        if text.content_chars(said) < MIN_SPEECH_CHARS:
            return unscorable(answer, "silence", f"recognised {said!r}", transcript=transcript.to_json())
    mark = time.perf_counter()
    text_signals = text.analyse(said, answer.question, position_reference,
                                target_chars=int(answer.question.get("target_chars") or target_chars),
                                spoken=transcript is not None,  # pinyin matching is for transcripts only
                                profile=profile, custom=custom)
    text_signals.update(correctness.check(said, answer.question, text_signals["rubric"]))
    if answer.mode == "text":
        text_signals["gaming"] = text_signals["gaming"] + meaning.pasted(text_signals["chars"], answer.pasted_chars)
    if transcript is not None:
        words = [[w.start, w.end, w.text] for w in transcript.words]
        voice_signals = voice.analyse(samples, SAMPLE_RATE, words, text_signals["chars"])
    timings["analyse"] = time.perf_counter() - mark
    dims = report.answer_dimensions(text_signals, voice_signals, face_signals, expression=answer.expression,
                                    custom=custom, competency=answer.question.get("competency", ""))
    return {
        "question_key": answer.question["key"], "ordinal": answer.ordinal, "question": answer.question["text"],
        "mode": answer.mode, "status": "scored", "reason": None,
        "total": report.weighted_total(dims, weights),
        "dimensions": dims,
        "rubric": {"hit": text_signals["rubric"]["hit"], "missed": text_signals["rubric"]["missed"],
                   "points": text_signals["rubric"]["points"], "basis": text_signals["rubric"]["basis"]},
        "highlights": report.highlights(answer.question, text_signals, voice_signals),
        "suggestions": report.suggestions(answer.question, text_signals, voice_signals),
        "transcript": transcript.to_json() if transcript else {"text": said, "language": None, "segments": []},
        "signals": {"text": {k: v for k, v in text_signals.items() if k != "rubric"}, "voice": voice_signals,
                    "face": face_signals},
        "timings": {k: round(v, 3) for k, v in {**timings, "total": time.perf_counter() - started}.items()},
    }


_FACE_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="face")


def _timed(func, *args: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    return func(*args), time.perf_counter() - started


def _face(path: Path, expression: bool) -> dict[str, Any]:
    try:
        return face.analyse_video(path, expression=expression)
    except face.FaceError as exc:
        return {"unscorable_reason": "no_video_stream", "error": str(exc)}
