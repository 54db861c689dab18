"""Face signals from a video answer: is the candidate there, alone, facing the camera, and (opt-in) how they look.

Frames are decoded in-process with PyAV, sampled like ffmpeg's fps filter (each tick takes the latest frame at or
before it, to the nearest tick) and only those are turned gray and scaled to fit 512 px a side. Faces are found with
opencv's frontal-face Haar cascade using deepface's opencv-backend parameters (scale 1.1, 10 neighbours) once per
frame, ignoring faces under a tenth of the frame's short side (a candidate at a webcam is far larger; this is what
makes a frame cost ~30 ms instead of deepface's ~160 ms). Expression, when enabled, runs deepface's Emotion model on
the largest face's crop only.
"""
from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np

from scoring import models

FRAME_SIDE = 512
MIN_FACE_FRACTION = 0.1
MAX_AWAY_SECONDS = 5.0
TIMEOUT = 300
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


class FaceError(ValueError):
    """The file could not be read as media; the message says why."""


def _real_videos(container: Any) -> list[Any]:
    """The video streams that are recordings (cover art attached to an audio file is not one)."""
    return [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]


def _video_streams(path: Path) -> int:
    """Count the real video streams of a file."""
    try:
        with av.open(str(path), timeout=(TIMEOUT, TIMEOUT)) as container:
            return len(_real_videos(container))
    except Exception as exc:  # av.error.* for anything that is not media
        raise FaceError(f"{path.name} is not readable media: {exc}"[:400]) from None


def _fit(width: int, height: int) -> tuple[int, int]:
    """The size ffmpeg's scale=512:512:force_original_aspect_ratio=decrease:force_divisible_by=2 gives."""
    fit_w = min(FRAME_SIDE, math.floor(FRAME_SIDE * width / height + 0.5))
    fit_h = min(FRAME_SIDE, math.floor(FRAME_SIDE * height / width + 0.5))
    return max(2, fit_w // 2 * 2), max(2, fit_h // 2 * 2)


def _tick(seconds: float, fps: float) -> int:
    return math.floor(seconds * fps + 0.5)  # ffmpeg's fps filter rounds to the nearest tick, halves up


def _sampled(frames: Iterator[Any], fps: float) -> Iterator[Any]:
    """Yield one frame per tick of 1/fps from the first frame on: the latest frame whose time rounds to that tick
    or an earlier one (ffmpeg's fps filter: frames are repeated over gaps, dropped when several share a tick)."""
    held, tick, count, previous, end, step = None, 0, 0, 0.0, 0.0, 0.0
    for frame in frames:
        seconds = float(frame.time) if frame.time is not None else end
        if held is None:
            tick = _tick(seconds, fps)
        else:
            step = max(seconds - previous, 0.0) or step
            while tick < _tick(seconds, fps):
                yield held
                tick, count = tick + 1, count + 1
        length = float(frame.duration * frame.time_base) if frame.duration and frame.time_base else step
        held, previous, end = frame, seconds, seconds + length
    if held is not None:  # the last frame lasts until the stream ends; a one-frame video still gives its frame
        while tick < _tick(end, fps) or count == 0:
            yield held
            tick, count = tick + 1, count + 1


def sample_frames(path: Path, *, fps: float = 1.0, max_frames: int = 180) -> list[np.ndarray]:
    """Decode up to max_frames gray frames at fps, scaled to fit FRAME_SIDE; raise FaceError when decoding fails."""
    deadline = time.monotonic() + TIMEOUT
    frames: list[np.ndarray] = []

    def decoded(container: Any, stream: Any) -> Iterator[Any]:
        for packet in container.demux(stream):
            if time.monotonic() > deadline:
                raise FaceError(f"decoding {path.name} took over {TIMEOUT}s")
            yield from packet.decode()

    try:
        with av.open(str(path), timeout=(TIMEOUT, TIMEOUT)) as container:
            videos = _real_videos(container)
            if not videos:
                raise FaceError(f"{path.name} has no video stream")
            stream = videos[0]
            stream.thread_type = "AUTO"  # frame and slice threads: decoding every frame is the cost here
            for frame in _sampled(decoded(container, stream), fps):
                if len(frames) >= max_frames:
                    break
                width, height = _fit(frame.width, frame.height)
                gray = frame.reformat(width=width, height=height, format="gray", interpolation="BICUBIC")
                frames.append(gray.to_ndarray())
    except FaceError:
        raise
    except Exception as exc:  # av.error.* from a damaged stream
        raise FaceError(f"{path.name} could not be decoded: {exc}"[:400]) from None
    return frames


def detect_faces(frame: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Return the (x, y, w, h) boxes of frontal faces in a gray frame, largest first."""
    side = max(24, int(min(frame.shape) * MIN_FACE_FRACTION))
    boxes, _, _ = models.face_cascade().detectMultiScale3(frame, 1.1, 10, minSize=(side, side),
                                                          outputRejectLevels=True)
    return sorted((tuple(int(v) for v in box) for box in boxes), key=lambda b: b[2] * b[3], reverse=True)


def emotion_probabilities(frame: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Return deepface's 7 emotion probabilities for the face in box (in EMOTIONS order)."""
    import cv2

    x, y, w, h = box
    crop = cv2.cvtColor(frame[y:y + h, x:x + w], cv2.COLOR_GRAY2BGR).astype(np.float32) / 255  # deepface's [0, 1]
    scores = np.asarray(models.emotion_classifier().predict(crop), dtype=np.float64)
    return scores / scores.sum()


def looking_away(present: list[bool], fps: float) -> list[bool]:
    """Mark faceless frames inside a gap of at most MAX_AWAY_SECONDS with a face on both sides."""
    away = [False] * len(present)
    start = None
    for index, here in enumerate(present):
        if not here and start is None:
            start = index
        elif here and start is not None:
            if start > 0 and (index - start) / fps <= MAX_AWAY_SECONDS:
                away[start:index] = [True] * (index - start)
            start = None
    return away


def _expression(scores: list[np.ndarray]) -> dict[str, Any] | None:
    if not scores:
        return None
    mean = np.mean(scores, axis=0)
    return {"mean": {label: round(float(p), 4) for label, p in zip(EMOTIONS, mean, strict=True)},
            "dominant": EMOTIONS[int(np.argmax(mean))], "frames": len(scores)}


def analyse_video(path: Path, *, fps: float = 1.0, expression: bool = False, max_frames: int = 180) -> dict:
    """Return JSON-ready face signals for a recording; raise FaceError when it is not readable media.

    - `frames`: frames sampled (fps per second, at most max_frames); `face_present_ratio`: share with a face.
    - `multiple_faces_frames` / `multiple_faces_seconds`: frames with two or more faces, and when.
    - `looking_away_ratio` / `looking_away_seconds`: frames without a frontal face that lie in a gap of at most
      5 s with a face on both sides: the candidate is there but turned away (a frontal cascade misses a head
      turned beyond ~30°). Gaps at the start or end, and longer ones, count as absence, not as looking away;
      where the face is in the frame does not count, so framing alone never makes a candidate "look away".
    - `expression`: with expression=True, the mean of deepface's emotion probabilities over frames with a face
      (the largest face), and the dominant emotion; None otherwise.
    - `unscorable_reason`: "no_video_stream", "no_face" (no sampled frame has a face) or None.
    """
    result: dict[str, Any] = {"frames": 0, "fps": fps, "face_present_ratio": 0.0, "multiple_faces_frames": 0,
                              "multiple_faces_seconds": [], "looking_away_ratio": 0.0, "looking_away_seconds": [],
                              "expression": None, "unscorable_reason": None}
    if _video_streams(path) == 0:
        return {**result, "unscorable_reason": "no_video_stream"}
    frames = sample_frames(path, fps=fps, max_frames=max_frames)
    faces = [detect_faces(frame) for frame in frames]
    present = [bool(found) for found in faces]
    away = looking_away(present, fps)
    scores = [emotion_probabilities(frame, found[0]) for frame, found in zip(frames, faces, strict=True)
              if found and expression]
    count = max(len(frames), 1)
    result.update(
        frames=len(frames),
        face_present_ratio=round(sum(present) / count, 4),
        multiple_faces_frames=sum(len(found) > 1 for found in faces),
        multiple_faces_seconds=[round(i / fps, 1) for i, found in enumerate(faces) if len(found) > 1],
        looking_away_ratio=round(sum(away) / count, 4),
        looking_away_seconds=[round(i / fps, 1) for i, flag in enumerate(away) if flag],
        expression=_expression(scores) if expression else None,
        unscorable_reason=None if any(present) else "no_face",
    )
    return result
