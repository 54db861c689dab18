"""scoring.media on real media made in the test with PyAV: containers the page sends, forged and broken files, and
the guarantee that neither the checks nor the H5 upload path needs an ffmpeg or ffprobe program."""
from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from scoring import face, media, models
from tests.support import media as gen
from tests.support.h5 import consent, finish, upload


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Path]:
    """Tones in WebM, Ogg and MP4, VP8+Opus and H.264+AAC videos, a mute video, MediaRecorder-style WebM and MP4."""
    folder = tmp_path_factory.mktemp("media")
    gen.sine(folder / "tone.webm", 3)
    gen.sine(folder / "tone.ogg", 3)
    gen.sine(folder / "tone.mp4", 3, freq=300)
    gen.video(folder / "video.webm", gen.pattern, 4, fps=15, audio=gen.sine(folder / "a4.ogg", 4))
    gen.video_from_image(models.ASTRONAUT, folder / "a4.ogg", folder / "video.mp4", 3)
    gen.video(folder / "mute.webm", gen.pattern, 3, fps=15)
    gen.as_recorded(folder / "video.webm", folder / "recorded.webm")
    gen.as_recorded(folder / "video.mp4", folder / "recorded.mp4")
    return {path.stem + ("" if path.suffix == ".webm" else "_" + path.suffix[1:]): path for path in folder.iterdir()}


def forge_duration(source: Path, target: Path, seconds: float) -> Path:
    """Copy a WebM with its header's Segment Duration (EBML 0x4489, an 8-byte float of milliseconds) rewritten."""
    data = source.read_bytes()
    at = data.index(b"\x44\x89\x88") + 3
    target.write_bytes(data[:at] + struct.pack(">d", seconds * 1000) + data[at + 8:])
    return target


def squeeze_timestamps(source: Path, target: Path, factor: int) -> Path:
    """Copy the packets with their timestamps divided by factor: the file says it lasts factor times less."""
    with av.open(str(source)) as inp, av.open(str(target), "w") as out:
        stream = out.add_stream_from_template(inp.streams.audio[0])
        for packet in inp.demux(inp.streams.audio[0]):
            if packet.dts is None:
                continue
            packet.pts, packet.dts, packet.duration = packet.pts // factor, packet.dts // factor, 1
            packet.stream = stream
            out.mux(packet)
    return target


def test_require_codecs_passes_and_names_what_is_missing(monkeypatch):
    media.require_codecs()
    monkeypatch.setattr(media, "_codecs_checked", [])  # checked once per process: check again here
    monkeypatch.setitem(media.NEEDED, "decoder", ("opus", "no-such-codec"))
    monkeypatch.setitem(media.NEEDED, "muxer", ("webm", "no-such-muxer"))
    with pytest.raises(RuntimeError, match="lacks muxer no-such-muxer, decoder no-such-codec"):
        media.require_codecs()
    monkeypatch.setattr(media, "av", None)
    with pytest.raises(RuntimeError, match="PyAV .* is not installed"):
        media.require_codecs()
    assert not hasattr(media, "require_ffmpeg")


@pytest.mark.parametrize("name, format_name, seconds", [
    ("tone", "matroska,webm", 3.0), ("tone_mp4", "mov,mp4,m4a,3gp,3g2,mj2", 3.0), ("video", "matroska,webm", 4.0),
    ("video_mp4", "mov,mp4,m4a,3gp,3g2,mj2", 3.0), ("recorded", "matroska,webm", 4.0),
    ("recorded_mp4", "mov,mp4,m4a,3gp,3g2,mj2", 3.0)])
def test_probe_reads_what_the_page_sends(clips, name, format_name, seconds):
    info = media.probe(clips[name])
    assert info.format == format_name and info.has_audio
    assert info.has_video == name.startswith(("video", "recorded"))
    assert info.duration == pytest.approx(seconds, abs=0.05)


def test_probe_reads_ogg_and_a_mute_video(clips):
    assert media.probe(clips["tone_ogg"]) == media.MediaInfo("ogg", pytest.approx(3.0, abs=0.05),
                                                                             True, False)
    mute = media.probe(clips["mute"])
    assert not mute.has_audio and mute.has_video and mute.duration == pytest.approx(3.0, abs=0.1)


def test_the_duration_is_decoded_not_read_from_the_header(clips, tmp_path):
    long = forge_duration(clips["tone"], tmp_path / "long.webm", 36_000)  # says ten hours, holds three seconds
    assert gen.streams(long)[0] == 36_000
    assert media.probe(long).duration == pytest.approx(3.0, abs=0.05)
    gen.sine(tmp_path / "thirty.webm", 30)
    short = forge_duration(gen.remux_to(tmp_path / "thirty.webm", tmp_path / "t.webm"), tmp_path / "short.webm", 1)
    assert gen.streams(short)[0] == 1
    assert media.probe(short).duration == pytest.approx(30.0, abs=0.05)
    squeezed = squeeze_timestamps(tmp_path / "thirty.webm", tmp_path / "squeezed.webm", 10)
    assert gen.streams(squeezed)[0] < 4  # timestamps say three seconds
    assert media.probe(squeezed).duration == pytest.approx(30.0, abs=0.05)
    assert media.remux(squeezed, tmp_path / "copy.webm").duration == pytest.approx(30.0, abs=0.05)


@pytest.mark.parametrize("suffix, junk", [
    ("webm", b"\x1a\x45\xdf\xa3" + b"\x00not a media file" * 1000),
    ("webm", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + os.urandom(20_000)),
    ("mp4", b"\x00\x00\x00\x20ftypisom" + os.urandom(20_000)),
    ("ogg", b"OggS\x00\x02" + os.urandom(20_000)),
    ("webm", b"")])
def test_junk_with_the_right_magic_is_not_media(tmp_path, suffix, junk):
    path = tmp_path / f"junk.{suffix}"
    path.write_bytes(junk)
    for call in (media.probe, lambda p: media.remux(p, tmp_path / f"out.{suffix}"),
                 lambda p: media.extract_audio(p, tmp_path / "out.flac")):
        with pytest.raises(media.MediaError) as caught:
            call(path)
        assert caught.value.code == "not_media"
    assert not (tmp_path / f"out.{suffix}").exists() and not (tmp_path / "out.flac").exists()


def test_truncated_files_give_what_they_hold_or_are_refused(clips, tmp_path):
    data = clips["video"].read_bytes()
    (tmp_path / "half.webm").write_bytes(data[: len(data) // 2])
    half = media.probe(tmp_path / "half.webm")  # WebM is streamable: the first half plays
    assert half.has_audio and half.has_video and 0.5 < half.duration < 3.5
    for name, size in (("tone_mp4", 0.9), ("tone", 0.01), ("video", 0.002)):  # MP4's index is at its end
        cut = tmp_path / f"cut{clips[name].suffix}"
        cut.write_bytes(clips[name].read_bytes()[: int(clips[name].stat().st_size * size)])
        with pytest.raises(media.MediaError, match="not a recording we can read"):
            media.probe(cut)


def test_remux_gives_a_recorder_webm_a_duration_and_an_index(clips, tmp_path):
    with av.open(str(clips["recorded"])) as raw:
        assert raw.duration is None  # as MediaRecorder writes it
    info = media.remux(clips["recorded"], tmp_path / "fixed.webm")
    assert info == media.MediaInfo("matroska,webm", pytest.approx(4.0, abs=0.05), True, True)
    with av.open(str(tmp_path / "fixed.webm")) as fixed:
        assert fixed.duration / av.time_base == pytest.approx(4.0, abs=0.05)
        video = fixed.streams.video[0]
        fixed.seek(int(3 / video.time_base), stream=video)  # the cues let a player jump
        frame = next(fixed.decode(video))
        assert 2.0 <= frame.time <= 3.1


@pytest.mark.parametrize("name", ["video", "video_mp4", "tone_ogg"])
def test_remux_copies_the_streams_into_the_same_kind(clips, tmp_path, name):
    source = clips[name]
    suffix = source.suffix[1:]
    target = tmp_path / f"out.{suffix}"
    assert media.remux(source, target) == media.probe(source)

    def packets(path: Path) -> list[tuple[str, int, bytes]]:
        with av.open(str(path)) as container:
            return [(p.stream.codec_context.name, p.size, hashlib.sha256(bytes(p)).digest()[:8])
                    for p in container.demux() if p.size]

    assert sorted(packets(target)) == sorted(packets(source))  # copied, not re-encoded
    with pytest.raises(ValueError, match="extension"):
        media.remux(source, tmp_path / "out.mkv")


def test_extract_audio_writes_mono_flac_at_the_rate(clips, tmp_path):
    target = tmp_path / "voice.flac"
    media.extract_audio(clips["video"], target)
    with av.open(str(target)) as flac:
        stream = flac.streams.audio[0]
        assert (flac.format.name, stream.codec_context.name, stream.channels, stream.sample_rate) == (
            "flac", "flac", 1, 16000)
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in flac.decode(stream)]).astype(np.float64)
    assert len(samples) / 16000 == pytest.approx(4.0, abs=0.05)
    spectrum = np.abs(np.fft.rfft(samples))
    assert np.argmax(spectrum) * 16000 / len(samples) == pytest.approx(440, abs=2)  # the tone, resampled
    media.extract_audio(clips["tone_mp4"], tmp_path / "aac.flac", rate=8000)
    assert media.probe(tmp_path / "aac.flac").duration == pytest.approx(3.0, abs=0.05)
    with pytest.raises(media.MediaError) as caught:
        media.extract_audio(clips["mute"], tmp_path / "mute.flac")
    assert caught.value.code == "no_audio" and not (tmp_path / "mute.flac").exists()


def test_a_hostile_file_cannot_hold_a_worker(clips, tmp_path, monkeypatch):
    gen.sine(tmp_path / "long.webm", 30)
    monkeypatch.setattr(media, "MAX_SECONDS", 5.0)  # decoding stops once past it: refused as too long
    assert 5.0 < media.probe(tmp_path / "long.webm").duration < 6.0
    with pytest.raises(media.MediaError, match="more than 5s"):
        media.extract_audio(tmp_path / "long.webm", tmp_path / "long.flac")

    class Clock:  # a minute passes at each look: the time guard trips between packets, not at the end
        now = 0.0

        def monotonic(self) -> float:
            self.now += 60
            return self.now

    monkeypatch.setattr(media, "time", Clock())
    for call in (media.probe, lambda p: media.remux(p, tmp_path / "copy.webm"),
                 lambda p: media.extract_audio(p, tmp_path / "copy.flac")):
        with pytest.raises(media.MediaError, match="took over 120s") as caught:
            call(tmp_path / "long.webm")
        assert caught.value.code == "not_media"
    assert not (tmp_path / "copy.webm").exists() and not (tmp_path / "copy.flac").exists()
    monkeypatch.setattr(face, "time", Clock())
    with pytest.raises(face.FaceError, match="took over 300s"):
        face.sample_frames(clips["video"])


@pytest.fixture
def no_ffmpeg(tmp_path, monkeypatch):
    """PATH holds only a link to this Python; which() and child processes fail loudly in media and face code."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert shutil.which("ffmpeg") is None and shutil.which("ffprobe") is None

    def forbidden(*args, **kwargs):
        raise AssertionError(f"a program was run: {args[:1]}")

    for name in ("run", "Popen", "call", "check_call", "check_output"):
        monkeypatch.setattr(subprocess, name, forbidden)
    monkeypatch.setattr(shutil, "which", forbidden)


def test_media_and_face_need_no_ffmpeg_program(clips, tmp_path, no_ffmpeg):
    assert "subprocess" not in vars(media) and "subprocess" not in vars(face)
    media.require_codecs()
    assert media.probe(clips["video"]).has_video
    assert media.remux(clips["recorded"], tmp_path / "r.webm").duration == pytest.approx(4.0, abs=0.05)
    media.extract_audio(clips["tone"], tmp_path / "a.flac")
    assert media.probe(tmp_path / "a.flac").duration == pytest.approx(3.0, abs=0.05)
    assert face._video_streams(clips["video_mp4"]) == 1
    assert [f.shape for f in face.sample_frames(clips["video_mp4"])] == [(384, 512)] * 3


@pytest.fixture
def page(candidate_api):
    """An invited candidate's API client with consent given: (client, base path of the API)."""
    client, base = candidate_api
    consent(client, base)
    return client, base


def send(client, base: str, question: str, data: bytes, mode: str, mime: str):
    """Upload a recording in chunks as the page does and finish it; return the finish response."""
    return finish(client, base, *upload(client, base, question, data, mode, mime))


def test_the_h5_upload_path_needs_no_ffmpeg(page, stack, clips, tmp_path, no_ffmpeg):
    from bot.store.models import Recording
    from bot.store.storage import open_recording

    client, base = page
    sent = {"intro": (clips["recorded"], "video", "video/webm;codecs=vp8,opus", 4.0),
            "complaint": (clips["recorded_mp4"], "video", "video/mp4;codecs=avc1,mp4a", 3.0),
            "cash_discrepancy": (clips["tone_ogg"], "audio", "audio/ogg;codecs=opus", 3.0)}
    for question, (path, mode, mime, seconds) in sent.items():
        response = send(client, base, question, path.read_bytes(), mode, mime)
        assert response.status_code == 200, response.json
        assert response.json["duration"] == pytest.approx(seconds, abs=0.1)
    assert Recording.select().count() == 3
    assert sorted(r.mime for r in Recording.select()) == ["audio/ogg", "video/mp4", "video/webm"]
    for recording in Recording.select():  # stored sealed; opened, it is real, indexed media of its kind
        stored = tmp_path / f"stored{Path(recording.path).suffix}"
        stored.write_bytes(open_recording(stack.settings, recording))
        assert recording.sha256 == hashlib.sha256(stored.read_bytes()).hexdigest()
        assert media.probe(stored).duration == pytest.approx(recording.duration, abs=0.05)
        assert gen.streams(stored)[0] > 0  # the remux wrote a duration in the header
    # a file whose timestamps claim 15 s but which holds 150 s of audio is refused as too long (limit 120 s + 15)
    gen.write_audio(tmp_path / "long.webm", gen.tone(150), bitrate=16_000)
    forged = squeeze_timestamps(tmp_path / "long.webm", tmp_path / "forged.webm", 10)
    refused = send(client, base, "pressure", forged.read_bytes(), "audio", "audio/webm;codecs=opus")
    assert refused.status_code == 422 and refused.json["code"] == "too_long"
    junk = send(client, base, "pressure", b"\x1a\x45\xdf\xa3" + b"\x00junk" * 5000, "audio", "audio/webm")
    assert junk.status_code == 422 and junk.json["code"] == "not_media"
    assert Recording.select().count() == 3


def test_generated_clips_are_what_they_say(clips, tmp_path):
    """The test generators replace ffmpeg's lavfi sources and filters: check the pictures and the sound."""
    assert gen.streams(clips["video"]) == (pytest.approx(4.0, abs=0.05), ["video", "audio"])
    assert gen.decodes(clips["video_mp4"]) and not gen.decodes(Path(__file__))
    picture = gen.fit(gen.image(models.ASTRONAUT), (640, 480))
    assert picture.shape == (480, 640, 3) and not picture[:, :80].any() and picture[:, 80:560].any()
    assert gen.solid("0x4060a0", (4, 2))[0, 0].tolist() == [0xa0, 0x60, 0x40]
    wav = gen.to_wav(clips["tone"], tmp_path / "mic.wav")
    with av.open(str(wav)) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.sample_rate, stream.channels) == ("pcm_s16le", 16000, 1)
    assert gen.read_audio(wav, 16000).shape[1] == pytest.approx(48000, abs=400)
    assert float(np.abs(gen.tone(1)).max()) == pytest.approx(0.125, abs=1e-3)
    assert gen.streams(gen.concat([wav, wav], tmp_path / "two.ogg"))[0] == pytest.approx(6.0, abs=0.05)


def test_a_broken_install_is_a_clear_error_at_start_and_on_the_page(page, stack, clips, monkeypatch, capsys):
    """PyAV without a codec we need: the web app refuses to start, `make run`'s banner says why, and an upload
    already under way gets 503 media_unavailable (not a retry loop), keeps its chunks and finishes once fixed."""
    from bot.store.models import Recording, Upload
    from config import banner
    from handlers.app import create_app

    monkeypatch.setattr(media, "NEEDED", {**media.NEEDED, "decoder": (*media.NEEDED["decoder"], "no-such-codec")})
    monkeypatch.setattr(media, "_codecs_checked", [])
    with pytest.raises(RuntimeError, match="lacks decoder no-such-codec"):
        create_app(stack.settings)
    monkeypatch.setattr("sys.argv", ["banner"])
    assert banner.main() == 1 and "recordings could not be read" in capsys.readouterr().err

    client, base = page
    data = clips["recorded"].read_bytes()
    refused = send(client, base, "intro", data, "video", "video/webm;codecs=vp8,opus")
    assert refused.status_code == 503 and refused.json["code"] == "media_unavailable"
    assert "改用文字作答" in refused.json["error"] and Recording.select().count() == 0
    upload = Upload.get()
    assert upload.status == "open" and upload.next_seq > 0  # nothing lost: the same upload finishes later

    monkeypatch.setattr(media, "NEEDED", {k: tuple(n for n in v if n != "no-such-codec")
                                          for k, v in media.NEEDED.items()})
    done = client.post(f"{base}/uploads/{upload.id}/finish", json={"chunks": upload.next_seq, "integrity": {}})
    assert done.status_code == 200, done.json
    assert Recording.select().count() == 1


@pytest.fixture(scope="module")
def squeezed_bomb(tmp_path_factory) -> Path:
    """Five minutes of Opus whose timestamps are divided by 100: the container says three seconds."""
    folder = tmp_path_factory.mktemp("bomb")
    gen.write_audio(folder / "long.webm", gen.tone(300), bitrate=12_000)
    bomb = squeeze_timestamps(folder / "long.webm", folder / "bomb.webm", 100)
    assert gen.streams(bomb)[0] < 4
    return bomb


@pytest.fixture
def decoded_seconds(monkeypatch) -> list[float]:
    """Counts the seconds of audio the bounded decoder really decodes, frame by frame."""
    counted: list[float] = []
    frames = media._audio_frames

    def counting(*args):
        for frame in frames(*args):
            counted.append(frame.samples / frame.sample_rate)
            yield frame

    monkeypatch.setattr(media, "_audio_frames", counting)
    return counted


def test_the_scorer_decodes_no_more_than_the_answer_time_and_a_margin(squeezed_bomb, clips, decoded_seconds):
    from scoring import pipeline

    bound = 60 + media.ANSWER_SLACK
    with pytest.raises(pipeline.Unscorable) as refused:
        pipeline.decode(squeezed_bomb, max_seconds=bound)
    assert refused.value.reason == "too_long"
    assert sum(decoded_seconds) <= bound + 0.1  # stops at the bound (give or take one frame), not at 300 s
    question = {"key": "intro", "text": "请介绍一下你自己", "answer_seconds": 60}
    decoded_seconds.clear()
    result = pipeline.score(pipeline.AnswerInput(question=question, ordinal=1, mode="audio", media=squeezed_bomb),
                            None, position_reference="", weights={})
    assert result["status"] == "unscorable" and result["reason"] == "too_long"
    assert result["reason_text"] == pipeline.REASONS["too_long"] and "作答时限" in result["reason_text"]
    assert sum(decoded_seconds) <= bound + 0.1
    samples = pipeline.decode(clips["recorded"], max_seconds=5)  # an honest answer decodes whole, 16 kHz mono
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert samples.size == pytest.approx(4 * pipeline.SAMPLE_RATE, abs=pipeline.SAMPLE_RATE * 0.05)


def test_the_squeezed_file_is_refused_at_upload_as_too_long(page, squeezed_bomb, monkeypatch):
    measured: list[float] = []
    measure = media._measure

    def counting(*args):
        seconds = measure(*args)
        measured.append(seconds[0])
        return seconds

    monkeypatch.setattr(media, "_measure", counting)
    client, base = page
    refused = send(client, base, "pressure", squeezed_bomb.read_bytes(), "audio", "audio/webm;codecs=opus")
    assert refused.status_code == 422 and refused.json["code"] == "too_long"
    assert measured and max(measured) <= 120 + media.ANSWER_SLACK + 0.1  # decoding stopped just past the limit
