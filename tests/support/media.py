"""Real media for tests, made in-process with PyAV and numpy (no ffmpeg program): tones, stills, clips, remuxes.

The codec follows the file's extension, as ffmpeg's defaults would pick it for what the H5 page sends:
WebM and Ogg carry Opus (and VP8), MP4 carries AAC (and H.264), WAV 16-bit PCM, FLAC FLAC.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

AUDIO_CODECS = {".webm": "libopus", ".ogg": "libopus", ".opus": "libopus", ".mka": "libopus", ".mp4": "aac",
                ".m4a": "aac", ".wav": "pcm_s16le", ".flac": "flac"}
VIDEO_CODECS = {".webm": "libvpx", ".mkv": "libvpx", ".mp4": "libx264"}
VIDEO_OPTIONS = {"libvpx": {"deadline": "realtime", "cpu-used": "8"}, "libx264": {"preset": "ultrafast"}}
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
AMPLITUDE = 0.125  # lavfi's sine source plays at 1/8 of full scale
Frames = Callable[[float], np.ndarray]  # a BGR picture for a time in seconds


def tone(seconds: float, freq: float = 440, rate: int = 48000) -> np.ndarray:
    """Return a sine tone as mono float32 samples."""
    t = np.arange(round(seconds * rate)) / rate
    return (AMPLITUDE * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def read_audio(path: Path, rate: int = 48000, mono: bool = True) -> np.ndarray:
    """Decode a file's first audio stream as float32 samples at rate Hz, shaped (channels, samples)."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp", layout="mono" if mono else stream.layout.name, rate=rate)
        chunks = [out.to_ndarray() for frame in container.decode(stream) for out in resampler.resample(frame)]
        chunks += [out.to_ndarray() for out in resampler.resample(None)]
    channels = 1 if mono else stream.channels
    return np.concatenate(chunks, axis=1) if chunks else np.zeros((channels, 0), np.float32)


def _add_audio(container: av.container.OutputContainer, suffix: str, rate: int, layout: str,
               bitrate: int | None) -> tuple[av.audio.stream.AudioStream, int]:
    codec = AUDIO_CODECS[suffix]
    if codec == "libopus" and rate not in OPUS_RATES:
        rate = 48000
    stream = container.add_stream(codec, rate=rate, layout=layout)
    if bitrate:
        stream.bit_rate = bitrate
    return stream, rate


def _frames(samples: np.ndarray, rate: int, size: int = 960):
    """Cut (channels, n) samples into PyAV frames of size samples."""
    layout = "mono" if samples.shape[0] == 1 else "stereo"
    for start in range(0, samples.shape[1], size):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[:, start:start + size]), format="fltp",
                                           layout=layout)
        frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
        yield frame


def write_audio(path: Path, samples: np.ndarray, rate: int = 48000, bitrate: int | None = None) -> Path:
    """Encode mono (n,) or (channels, n) float samples into path; the codec follows the extension."""
    samples = np.atleast_2d(np.asarray(samples, np.float32))
    path = Path(path)
    with av.open(str(path), "w") as container:
        stream, _ = _add_audio(container, path.suffix.lower(), rate, "mono" if samples.shape[0] == 1 else "stereo",
                               bitrate)
        for frame in _frames(samples, rate):
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def sine(path: Path, seconds: float, freq: float = 440, rate: int = 48000) -> Path:
    """Write a sine tone (lavfi's sine=frequency=…:sample_rate=…); the codec follows the extension."""
    return write_audio(path, tone(seconds, freq, rate), rate)


def concat(paths: Sequence[Path], path_out: Path, seconds: float | None = None, rate: int = 48000,
           bitrate: int | None = None) -> Path:
    """Join audio files into one mono file, cut to seconds (ffmpeg's concat demuxer with -t), re-encoded."""
    joined = np.concatenate([read_audio(p, rate) for p in paths], axis=1)
    if seconds is not None:
        joined = joined[:, :round(seconds * rate)]
    return write_audio(path_out, joined, rate, bitrate)


def remux_to(path_in: Path, path_out: Path) -> Path:
    """Copy the audio and video streams into another container, not re-encoded (ffmpeg -c copy)."""
    with av.open(str(path_in)) as source, av.open(str(path_out), "w") as target:
        streams = [s for s in source.streams if s.type in ("audio", "video")]
        copies = {s.index: target.add_stream_from_template(s) for s in streams}
        for packet in source.demux(streams):
            if packet.dts is None:  # the demuxer's end-of-stream marker
                continue
            packet.stream = copies[packet.stream.index]
            target.mux(packet)
    return Path(path_out)


class _Stream:
    """A write-only file: muxers then write as to a live stream."""

    def __init__(self, file):
        self.file = file

    def write(self, data: bytes) -> int:
        return self.file.write(data)


def as_recorded(path_in: Path, path_out: Path) -> Path:
    """Copy into WebM or MP4 as a browser's MediaRecorder writes them: a streamed WebM (no duration, no cues), or a
    fragmented MP4 (Safari's: an empty index up front, then fragments)."""
    path_out = Path(path_out)
    webm = path_out.suffix.lower() == ".webm"
    with open(path_out, "wb") as file, av.open(str(path_in)) as source, \
            av.open(_Stream(file) if webm else str(path_out), "w", format="webm" if webm else "mp4",
                    options={} if webm else {"movflags": "frag_keyframe+empty_moov+default_base_moof"}) as target:
        streams = [s for s in source.streams if s.type in ("audio", "video")]
        copies = {s.index: target.add_stream_from_template(s) for s in streams}
        for packet in source.demux(streams):
            if packet.dts is not None:
                packet.stream = copies[packet.stream.index]
                target.mux(packet)
    return path_out


def to_wav(path_in: Path, path_out: Path, rate: int = 16000, mono: bool = True) -> Path:
    """Decode the audio into 16-bit PCM WAV at rate Hz (ffmpeg -ar rate -ac 1 out.wav)."""
    return write_audio(Path(path_out), read_audio(path_in, rate, mono), rate)


def image(path: Path | str) -> np.ndarray:
    """Read a picture as a BGR array."""
    import cv2

    picture = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if picture is None:
        raise FileNotFoundError(path)
    return picture


def fit(picture: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Scale a BGR picture to fit (width, height), sides even, centred on black (scale=-2:h,pad=w:h:…)."""
    import cv2

    width, height = size
    h, w = picture.shape[:2]
    scale = min(width / w, height / h)
    new_w, new_h = max(2, int(w * scale) // 2 * 2), max(2, int(h * scale) // 2 * 2)
    scaled = cv2.resize(picture, (new_w, new_h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    canvas = np.zeros((height, width, 3), np.uint8)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    canvas[top:top + new_h, left:left + new_w] = scaled
    return canvas


def hstack(*pictures: np.ndarray) -> np.ndarray:
    """Put pictures of one height side by side (ffmpeg's hstack filter)."""
    return np.hstack(pictures)


def solid(color: str | tuple[int, int, int], size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """Return a plain BGR picture; color is an RGB tuple, "0xRRGGBB" or "gray" (lavfi's color source)."""
    if isinstance(color, str):
        color = (128, 128, 128) if color == "gray" else tuple(int(color[i:i + 2], 16) for i in (2, 4, 6))
    red, green, blue = color
    return np.full((size[1], size[0], 3), (blue, green, red), np.uint8)


def pattern(t: float, size: tuple[int, int] = (320, 240)) -> np.ndarray:
    """Return a moving test picture for time t (like lavfi's testsrc: colour bars that scroll)."""
    width, height = size
    x = (np.arange(width) + int(t * 60)) % width
    bars = np.stack([(x * 255 // width), ((width - x) * 255 // width), ((x * 7) % 256)], axis=-1).astype(np.uint8)
    picture = np.repeat(bars[None, :, :], height, axis=0)
    picture[: height // 4, : int((t * 37) % width)] = 255  # a growing strip so that every frame differs
    return picture


def video(path_out: Path, frames: Frames, seconds: float | None = None, fps: int = 10,
          audio: Path | Sequence[Path] | None = None, video_bitrate: int = 300_000,
          audio_bitrate: int | None = None) -> Path:
    """Encode frames(t) at fps, with the audio file(s) re-encoded alongside; the codecs follow the extension.

    seconds=None lasts as long as the audio (-loop 1 … -shortest); with both, the audio is cut to seconds.
    """
    path_out = Path(path_out)
    suffix = path_out.suffix.lower()
    samples = None
    if audio is not None:
        paths = [audio] if isinstance(audio, (str, Path)) else audio
        samples = np.concatenate([read_audio(p, 48000) for p in paths], axis=1)
        seconds = samples.shape[1] / 48000 if seconds is None else seconds
        samples = samples[:, :round(seconds * 48000)]
    if seconds is None:
        raise ValueError("a video without audio needs seconds")
    first = frames(0.0)
    codec = VIDEO_CODECS[suffix]
    with av.open(str(path_out), "w") as container:
        picture = container.add_stream(codec, rate=fps, options=VIDEO_OPTIONS.get(codec, {}))
        picture.width, picture.height, picture.pix_fmt = first.shape[1], first.shape[0], "yuv420p"
        picture.bit_rate, picture.gop_size = video_bitrate, fps  # a keyframe a second, as browsers record
        chunks = []
        if samples is not None:
            voice, rate = _add_audio(container, suffix, 48000, "mono", audio_bitrate)
            chunks = list(_frames(samples, rate))
        for index in range(max(1, round(seconds * fps))):
            t = index / fps
            while chunks and chunks[0].pts / 48000 <= t:  # keep the two streams interleaved in time
                container.mux(voice.encode(chunks.pop(0)))
            frame = av.VideoFrame.from_ndarray(first if index == 0 else frames(t), format="bgr24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            container.mux(picture.encode(frame))
        container.mux(picture.encode(None))
        if samples is not None:
            for chunk in chunks:
                container.mux(voice.encode(chunk))
            container.mux(voice.encode(None))
    return path_out


def video_from_image(image_path: Path, audio_path: Path | Sequence[Path] | None, path_out: Path,
                     seconds: float | None = None, fps: int = 10, size: tuple[int, int] = (640, 480)) -> Path:
    """A still picture (fitted into size, padded) for seconds, or as long as the audio (ffmpeg -loop 1 -shortest)."""
    still = fit(image(image_path), size)
    return video(path_out, lambda t: still, seconds, fps, audio_path)


def color_video(path_out: Path, seconds: float | None = None, color: str | tuple[int, int, int] = "0x4060a0",
                size: tuple[int, int] = (640, 480), fps: int = 10, audio_path: Path | None = None) -> Path:
    """A plain colour video (lavfi's color=c=…:s=…:r=…), with audio when given."""
    plain = solid(color, size)
    return video(path_out, lambda t: plain, seconds, fps, audio_path)


def streams(path: Path) -> tuple[float, list[str]]:
    """Return (container duration in seconds, stream kinds) as ffprobe's format=duration:stream=codec_type."""
    with av.open(str(path)) as container:
        duration = container.duration / av.time_base if container.duration is not None else 0.0
        return duration, [s.type for s in container.streams]


def decodes(path: Path) -> bool:
    """Whether every packet of the file decodes without error (ffmpeg -i path -f null -)."""
    try:
        with av.open(str(path)) as container:
            for _ in container.decode(*[s for s in container.streams if s.type in ("audio", "video")]):
                pass
    except (av.error.FFmpegError, ValueError):
        return False
    return True
