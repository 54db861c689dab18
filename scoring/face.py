"""Face signals from a video answer: is the candidate there, alone, facing the camera, and (opt-in) how they look.

Frames are sampled with ffmpeg (gray, at most 512 px a side, piped as PGM images: no temporary files). Faces are
found with opencv's frontal-face Haar cascade using deepface's opencv-backend parameters (scale 1.1, 10 neighbours)
once per frame, ignoring faces under a tenth of the frame's short side (a candidate at a webcam is far larger; this
is what makes a frame cost ~30 ms instead of deepface's ~160 ms). Expression, when enabled, runs deepface's
Emotion model on the largest face's crop only.
"""
from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import IO, Any

import numpy as np

from scoring import models

FRAME_SIDE = 512
MIN_FACE_FRACTION = 0.1
MAX_AWAY_SECONDS = 5.0
TIMEOUT = 300
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


class FaceError(ValueError):
    """The file could not be read as media; the message says why."""


def _video_streams(path: Path) -> int:
    """Count the real video streams (cover art attached to an audio file is not one)."""
    try:
        out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type:stream_disposition="
                              "attached_pic", "-of", "json", str(path)],
                             capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise FaceError(f"ffprobe took over {TIMEOUT}s to read {path.name}") from None
    if out.returncode != 0:
        raise FaceError(f"{path.name} is not readable media: {out.stderr.decode(errors='replace').strip()[-300:]}")
    streams = json.loads(out.stdout or b"{}").get("streams", [])
    return sum(1 for stream in streams
               if stream.get("codec_type") == "video" and not stream.get("disposition", {}).get("attached_pic"))


def _read_pgm(stream: IO[bytes]) -> np.ndarray | None:
    """Read one binary PGM image (ffmpeg writes "P5\\n<w> <h>\\n255\\n" then the pixels); None at the end."""
    magic = stream.readline()
    if not magic:
        return None
    width, height = (int(v) for v in stream.readline().split())
    stream.readline()
    pixels = stream.read(width * height)
    if magic.strip() != b"P5" or len(pixels) != width * height:
        raise FaceError("ffmpeg's frame stream was cut short")
    return np.frombuffer(pixels, dtype=np.uint8).reshape(height, width)


def sample_frames(path: Path, *, fps: float = 1.0, max_frames: int = 180) -> list[np.ndarray]:
    """Decode up to max_frames gray frames at fps, scaled to fit FRAME_SIDE; raise FaceError when ffmpeg fails."""
    scale = f"scale={FRAME_SIDE}:{FRAME_SIDE}:force_original_aspect_ratio=decrease:force_divisible_by=2"
    command = ["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-map", "0:v:0", "-an", "-sn",
               "-vf", f"fps={fps},{scale}", "-frames:v", str(max_frames), "-f", "image2pipe", "-c:v", "pgm",
               "-pix_fmt", "gray", "pipe:1"]
    frames: list[np.ndarray] = []
    with tempfile.TemporaryFile() as errors:
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors) as proc:
            assert proc.stdout is not None
            while (frame := _read_pgm(proc.stdout)) is not None:
                frames.append(frame)
            try:
                code = proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise FaceError(f"ffmpeg took over {TIMEOUT}s to decode {path.name}") from None
        if code != 0:
            errors.seek(0)
            raise FaceError(f"ffmpeg could not decode {path.name}: {errors.read().decode(errors='replace')[-300:]}")
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
