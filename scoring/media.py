"""Checking and normalising recordings in-process with PyAV, whose wheels bundle FFmpeg's libraries (no programs).

probe() does not trust the container: it decodes the audio and counts its samples, so a forged header duration, or
none at all (MediaRecorder's WebM), changes nothing; a video stream counts only once it yields a picture. Work on one
file stops after TIMEOUT seconds or MAX_SECONDS of decoded media, so a hostile file cannot hold a worker.
decode_audio() gives the scorer its samples and stops at the answer's own bound (answer time + ANSWER_SLACK).
"""
from __future__ import annotations

import contextlib
import itertools
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

try:
    import av
except ImportError:  # require_codecs() says so at startup; the functions below fail with the same message
    av = None

TIMEOUT = 120  # seconds of work on one file before it is refused
MAX_SECONDS = 3600.0  # decoding stops past an hour of media: longer than any answer, so the limit check refuses it
ANSWER_SLACK = 15.0  # seconds a recording may run past its question's answer time (the page stops a little late)

# the upload's extension picks the demuxer (nothing else gets to guess at the bytes) and the muxer of remux()
DEMUXERS = {"webm": "matroska", "mp4": "mov", "ogg": "ogg"}
MUXERS = {"webm": "webm", "mp4": "mp4", "ogg": "ogg"}
FORMAT_NAMES = {"matroska": "matroska,webm", "mov": "mov,mp4,m4a,3gp,3g2,mj2"}  # as ffprobe named them
NEEDED = {"demuxer": ("matroska", "mov", "ogg"), "muxer": ("webm", "mp4", "ogg"),
          "decoder": ("opus", "vorbis", "aac", "vp8", "vp9", "h264"), "encoder": ("flac",)}


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


def _check_av() -> None:
    """Raise RuntimeError when PyAV is not installed (a broken deployment, not a bad upload)."""
    if av is None:
        raise RuntimeError("PyAV (the av package) is not installed: pip install -r requirements.txt")


def require_codecs() -> None:
    """Fail clearly at startup when PyAV is missing or its FFmpeg lacks a container or codec recordings need."""
    if _codecs_checked:
        return
    _check_av()
    missing = []
    for kind, names in NEEDED.items():
        for name in names:
            try:
                if kind.endswith("muxer"):
                    av.ContainerFormat(name, "r" if kind == "demuxer" else "w")
                else:
                    av.Codec(name, "r" if kind == "decoder" else "w")
            except Exception:  # ValueError / UnknownCodecError: not built into this FFmpeg
                missing.append(f"{kind} {name}")
    if missing:
        raise RuntimeError(f"PyAV {av.__version__} (FFmpeg {av.ffmpeg_version_info}) lacks {', '.join(missing)}: "
                           "install the PyAV wheel pinned in requirements.txt")
    _codecs_checked.append(True)  # once per process: the check is for a broken install, which does not heal


_codecs_checked: list[bool] = []


def _open(path: Path) -> Any:
    """Open a file for reading with its extension's demuxer (others by content) and a time limit on each read."""
    demuxer = DEMUXERS.get(path.suffix.lstrip(".").lower())
    return av.open(str(path), "r", format=demuxer, timeout=(TIMEOUT, TIMEOUT))


def _is_cover(stream: Any) -> bool:
    """Whether a video stream is cover art attached to an audio file, not a recording."""
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _streams(container: Any) -> tuple[Any, Any]:
    """The audio stream and the real video stream that matter (ffmpeg's default choice of each), or None."""
    audio = container.streams.best("audio")
    videos = [s for s in container.streams.video if not _is_cover(s)]
    return audio, (videos[0] if videos else None)


def _deadline_passed(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise MediaError("not_media", f"the file took over {TIMEOUT}s to read")


def _unreadable(exc: Exception) -> MediaError:
    if isinstance(exc, av.error.ExitError):  # a read outlasted the timeout given to av.open
        return MediaError("not_media", f"the file took over {TIMEOUT}s to read")
    return MediaError("not_media", f"the upload is not a recording we can read ({type(exc).__name__}: {exc})"[:300])


@contextlib.contextmanager
def _reading(target: Path | None = None) -> Iterator[None]:
    """Turn whatever a damaged file provokes into MediaError("not_media"), leaving no half-written target."""
    try:
        yield
    except Exception as exc:
        if target is not None:
            target.unlink(missing_ok=True)
        if isinstance(exc, MediaError):
            raise
        raise _unreadable(exc) from None


def _measure(container: Any, audio: Any, video: Any, deadline: float,
             max_seconds: float | None = None) -> tuple[float, float, bool]:
    """Decode the audio and the first picture; return (audio seconds, video seconds, a picture was decoded).

    Audio seconds are decoded samples over the sample rate: what is really there, whatever the timestamps say.
    Video seconds are the span of its packets' timestamps (decoding every picture would cost far more).
    """
    audio_seconds, picture, start, end = 0.0, False, math.inf, -math.inf
    for packet in container.demux([s for s in (audio, video) if s is not None]):
        _deadline_passed(deadline)
        if audio is not None and packet.stream.index == audio.index:
            audio_seconds += sum(frame.samples / frame.sample_rate for frame in packet.decode() if frame.sample_rate)
        else:
            if not picture:  # one picture proves the stream is real video; the rest only need their timestamps
                picture = bool(packet.decode())
            stamp = packet.pts if packet.pts is not None else packet.dts
            if stamp is not None and packet.time_base is not None:
                start = min(start, float(stamp * packet.time_base))
                end = max(end, float((stamp + max(packet.duration or 0, 0)) * packet.time_base))
        if max(audio_seconds, end - start) > min(max_seconds or MAX_SECONDS, MAX_SECONDS):
            break  # enough to refuse it as too long; the rest is not worth a worker's time
    return audio_seconds, max(end - start, 0.0), picture


def probe(path: Path, max_seconds: float | None = None) -> MediaInfo:
    """Describe a media file from its decoded streams; raise MediaError("not_media") when it is not real media.

    Decoding stops once more than max_seconds (at most MAX_SECONDS) are seen: the duration then says only
    "longer than that"."""
    _check_av()
    path = Path(path)
    deadline = time.monotonic() + TIMEOUT
    with _reading():
        with _open(path) as container:
            audio, video = _streams(container)
            if audio is None and video is None:
                raise MediaError("not_media", "the file holds neither audio nor video")
            audio_seconds, video_seconds, picture = _measure(container, audio, video, deadline, max_seconds)
            name = FORMAT_NAMES.get(container.format.name, container.format.name)
    return MediaInfo(name, max(audio_seconds, video_seconds), audio_seconds > 0, picture)


def remux(source: Path, target: Path, max_seconds: float | None = None) -> MediaInfo:
    """Copy the streams into a fresh container of target's kind (gives MediaRecorder files a duration and an index)."""
    _check_av()
    source, target = Path(source), Path(target)
    muxer = MUXERS.get(target.suffix.lstrip(".").lower())
    if muxer is None:
        raise ValueError(f"cannot remux into {target.name}: the extension must be one of {', '.join(MUXERS)}")
    deadline = time.monotonic() + TIMEOUT
    with _reading(target):
        with _open(source) as container:
            streams = [s for s in _streams(container) if s is not None]
            if not streams:
                raise MediaError("not_media", "the file holds neither audio nor video")
            with av.open(str(target), "w", format=muxer) as output:
                copies = {s.index: output.add_stream_from_template(s) for s in streams}
                for packet in container.demux(streams):
                    _deadline_passed(deadline)
                    if packet.dts is None:  # the demuxer's end-of-stream marker carries no data
                        continue
                    packet.stream = copies[packet.stream.index]
                    output.mux(packet)
    with _reading(target):
        return probe(target, max_seconds)


def extract_audio(source: Path, target: Path, rate: int = 16000) -> None:
    """Write the audio as mono FLAC at rate Hz (what transcription reads)."""
    _check_av()
    source, target = Path(source), Path(target)
    deadline = time.monotonic() + TIMEOUT
    with _reading(target):
        with _open(source) as container:
            audio = container.streams.best("audio")
            if audio is None:
                raise MediaError("no_audio", "the recording has no audio stream")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            samples = 0
            with av.open(str(target), "w", format="flac") as output:
                flac = output.add_stream("flac", rate=rate, layout="mono")
                flac.format = "s16"
                for packet in container.demux(audio):
                    _deadline_passed(deadline)
                    for frame in packet.decode():
                        for mono in resampler.resample(frame):
                            samples += mono.samples
                            output.mux(flac.encode(mono))
                    if samples > MAX_SECONDS * rate:
                        raise MediaError("too_long", f"more than {MAX_SECONDS:.0f}s of audio")
                for mono in resampler.resample(None):
                    samples += mono.samples
                    output.mux(flac.encode(mono))
                output.mux(flac.encode(None))
        if samples == 0:
            raise MediaError("no_audio", "no audio could be read from the recording")



def decode_audio(source: Path, max_seconds: float, rate: int = 16000) -> np.ndarray:
    """The audio as mono float32 samples at rate Hz, decoding no more than max_seconds of it.

    The bound counts decoded samples, so timestamps squeezed to make a long file look short change nothing:
    past the bound the file is refused (MediaError "too_long") after at most one frame more, never decoded whole.
    """
    _check_av()
    source = Path(source)
    deadline, limit = time.monotonic() + TIMEOUT, int(max_seconds * rate)
    pieces: list[np.ndarray] = []
    total = 0
    with _reading():
        with _open(source) as container:
            audio = container.streams.best("audio")
            if audio is None:
                raise MediaError("no_audio", "the recording has no audio stream")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            for frame in itertools.chain(_audio_frames(container, audio, deadline), [None]):  # None: flush
                for mono in resampler.resample(frame):
                    pieces.append(mono.to_ndarray().reshape(-1))
                    total += mono.samples
                if total > limit:
                    raise MediaError("too_long", f"more than {max_seconds:.0f}s of audio")
    if total == 0:
        raise MediaError("no_audio", "no audio could be read from the recording")
    return np.concatenate(pieces).astype(np.float32) / 32768.0  # as faster-whisper's own decoder scales s16


def _audio_frames(container: Any, audio: Any, deadline: float) -> Iterator[Any]:
    """The audio stream's decoded frames (a damaged packet is skipped, as faster-whisper does), timestamps dropped
    so that forged ones cannot steer the resampler."""
    for packet in container.demux(audio):
        _deadline_passed(deadline)
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            continue
        for frame in frames:
            frame.pts = None
            yield frame
