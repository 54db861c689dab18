"""Checking and normalising recordings with ffprobe/ffmpeg (Debian's ffmpeg package)."""
from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 120


class MediaError(ValueError):
    """The file is not usable media; code is a short machine reason (not_media, no_audio, …)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class MediaInfo:
    format: str
    duration: float
    has_audio: bool
    has_video: bool


# How each container the page may declare begins: WebM is Matroska (an EBML header), MP4 opens with its
# ftyp box (a 4-byte size, then the box type), Ogg with its capture pattern.
CONTAINERS = {"webm": (0, b"\x1a\x45\xdf\xa3"), "mp4": (4, b"ftyp"), "ogg": (0, b"OggS")}


def looks_like(mime: str, head: bytes) -> bool:
    """Whether a recording's first bytes start like the container its declared MIME names (webm, mp4, ogg)."""
    subtype = mime.split(";", 1)[0].strip().rsplit("/", 1)[-1].lower()
    if subtype not in CONTAINERS:
        return False
    offset, magic = CONTAINERS[subtype]
    return head[offset:offset + len(magic)] == magic


def require_ffmpeg() -> None:
    """Fail clearly at startup when ffmpeg/ffprobe are missing."""
    missing = [tool for tool in ("ffmpeg", "ffprobe") if shutil.which(tool) is None]
    if missing:
        raise RuntimeError(f"{' and '.join(missing)} not found: install Debian's ffmpeg package")


def _run(args: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(args, capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise MediaError("not_media", "the file took too long to read") from None


def probe(path: Path) -> MediaInfo:
    """Describe a media file; raise MediaError when ffprobe can't read it."""
    out = _run(["ffprobe", "-v", "error", "-show_entries", "format=format_name,duration:stream=codec_type",
                "-of", "json", str(path)])
    try:
        data = json.loads(out.stdout or b"{}")
    except ValueError:
        data = {}
    if out.returncode != 0 or "format" not in data:
        raise MediaError("not_media", "the upload is not a recording we can read")
    kinds = {stream.get("codec_type") for stream in data.get("streams", [])}
    try:
        duration = float(data["format"].get("duration"))
    except (TypeError, ValueError):
        duration = 0.0  # MediaRecorder's WebM carries no duration: remux() first
    return MediaInfo(data["format"].get("format_name", ""), duration, "audio" in kinds, "video" in kinds)


def remux(source: Path, target: Path) -> MediaInfo:
    """Copy the streams into a fresh container (gives MediaRecorder files a duration and an index)."""
    out = _run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", str(source), "-c", "copy", str(target)])
    if out.returncode != 0 or not target.exists():
        target.unlink(missing_ok=True)
        raise MediaError("not_media", "the upload is not a recording we can read")
    return probe(target)


def extract_audio(source: Path, target: Path, rate: int = 16000) -> None:
    """Write the audio as mono FLAC at rate Hz (what transcription reads)."""
    out = _run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", str(source), "-vn", "-ac", "1",
                "-ar", str(rate), "-c:a", "flac", str(target)])
    if out.returncode != 0:
        target.unlink(missing_ok=True)
        raise MediaError("no_audio", "no audio could be read from the recording")
