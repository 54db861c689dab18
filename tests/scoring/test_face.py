"""Face signals on real videos made with PyAV of the astronaut photo: one face, two faces, a turned head, none."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scoring import face, models

STILL = "scale=-2:480,pad=640:480:(ow-iw)/2:0"


@pytest.fixture(scope="session")
def settings(model_settings):
    return model_settings



@pytest.fixture(scope="session")
def media(tmp_path_factory) -> dict[str, Path]:
    from tests.support import media as gen
    folder = tmp_path_factory.mktemp("media")
    photo = gen.image(models.ASTRONAUT)
    still = gen.fit(photo, (640, 480))
    gen.video(folder / "one.mp4", lambda t: still, 5)
    two = gen.fit(gen.hstack(photo, photo), (960, 480))
    gen.video(folder / "two.webm", lambda t: two, 5, video_bitrate=400_000)
    gen.video(folder / "turned.mp4", lambda t: still[::-1] if 2 <= t < 4 else still, 6)
    portrait = gen.fit(photo, (480, 640))
    gen.video(folder / "portrait.mp4", lambda t: portrait, 3)
    gen.color_video(folder / "plain.mp4", 5, "0x4060a0", (640, 480), 10)
    gen.sine(folder / "voice.ogg", 3)
    (folder / "junk.webm").write_bytes(os.urandom(1) + b"\x1aE\xdf\xa3 not really a webm " * 500)
    return {path.stem: path for path in folder.iterdir()}


def test_one_face_facing_the_camera(settings, media):
    result = face.analyse_video(media["one"])
    assert result == {
        "frames": 5, "fps": 1.0, "face_present_ratio": 1.0, "multiple_faces_frames": 0,
        "multiple_faces_seconds": [], "looking_away_ratio": 0.0, "looking_away_seconds": [],
        "expression": None, "unscorable_reason": None,
    }


def test_expression_is_opt_in_and_reads_a_smile(settings, media):
    result = face.analyse_video(media["one"], expression=True)
    expression = result["expression"]
    assert expression["dominant"] == "happy" and expression["frames"] == 5
    assert list(expression["mean"]) == list(face.EMOTIONS)
    assert expression["mean"]["happy"] > 0.9
    assert sum(expression["mean"].values()) == pytest.approx(1.0, abs=1e-3)
    json.dumps(result)


def test_two_faces_side_by_side_in_every_frame(settings, media):
    result = face.analyse_video(media["two"])
    assert result["frames"] == 5 and result["face_present_ratio"] == 1.0
    assert result["multiple_faces_frames"] == 5
    assert result["multiple_faces_seconds"] == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_a_turned_head_between_frontal_frames_is_looking_away(settings, media):
    result = face.analyse_video(media["turned"])
    assert result["frames"] == 6
    assert result["face_present_ratio"] == pytest.approx(4 / 6, abs=1e-4)
    assert result["looking_away_seconds"] == [2.0, 3.0]
    assert result["looking_away_ratio"] == pytest.approx(2 / 6, abs=1e-4)
    assert result["unscorable_reason"] is None


def test_looking_away_needs_a_face_on_both_sides_within_five_seconds():
    present = [False, True, False, True] + [False] * 6 + [True, False]
    assert face.looking_away(present, fps=1.0) == [False, False, True] + [False] * 9
    assert face.looking_away([True, False, False, True], fps=0.5) == [False, True, True, False]


def test_fps_and_max_frames_bound_the_sampling(settings, media):
    assert face.analyse_video(media["one"], fps=2.0, max_frames=4)["frames"] == 4
    assert face.analyse_video(media["one"], fps=2.0)["frames"] == 10


def test_frames_fit_512_pixels_whatever_the_orientation(media):
    assert {frame.shape for frame in face.sample_frames(media["portrait"])} == {(512, 384)}
    assert {frame.shape for frame in face.sample_frames(media["two"])} == {(256, 512)}


def test_a_plain_video_has_no_face(settings, media):
    result = face.analyse_video(media["plain"], expression=True)
    assert result["frames"] == 5 and result["face_present_ratio"] == 0.0
    assert result["expression"] is None and result["unscorable_reason"] == "no_face"


def test_audio_only_has_no_video_stream(settings, media):
    result = face.analyse_video(media["voice"])
    assert result["frames"] == 0 and result["unscorable_reason"] == "no_video_stream"


def test_junk_bytes_are_a_face_error(settings, media):
    with pytest.raises(face.FaceError, match="junk.webm is not readable media"):
        face.analyse_video(media["junk"])
