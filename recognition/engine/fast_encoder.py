"""dlib's face-recognition ResNet on onnxruntime: the same 128-d encodings as ``face_recognition``, ~13x faster.

dlib-bin is built without BLAS, so its convolutions run on dlib's own matrix loop (~75-100 ms a face here). This
module reads the network's weights out of the model file that ``face_recognition_models`` ships
(``dlib_face_recognition_resnet_model_v1.dat``, dlib's own serialization), rebuilds the same network as an ONNX
graph and runs it on onnxruntime. Landmarks and the 150 px chip stay dlib's (``pose_predictor_5_point``, then
``get_face_chip(size=150, padding=0.25)``: exactly the input dlib's ``compute_face_descriptor`` feeds its network),
so only the network changes hands, and an encoding differs from ``face_recognition.face_encodings``' by float
rounding (L2 ~1e-6 measured, 1e-4 held by the tests): enrolments made with dlib stay valid.

The conversion (~0.9 s) runs once per model file: the ONNX model is cached under ``cache_dir``, keyed by the model
file's sha256, with the cached file's own sha256 beside it so that a truncated or damaged cache is rebuilt instead
of loaded. Nothing is ever downloaded.

dlib's network (``dnn_face_recognition_ex.cpp``), input to output:

- input ``(pixel - mean) / 256`` per RGB channel (the means are stored in the model file: 122.782, 117.001,
  104.298);
- con 32 7x7/2, affine, relu, max_pool 3x3/2;
- 3 x ares 32, ares_down 64 + 3 x ares 64, ares_down 128 + 2 x ares 128, ares_down 256 + 2 x ares 256,
  ares_down 256; ``ares`` = relu(x + affine(con3x3(relu(affine(con3x3(x)))))), ``ares_down`` the same with the
  first convolution strided and x average-pooled 2x2/2;
- avg_pool_everything, fc_no_bias 128; the loss layer (loss_metric) hands the 128 values out unnormalised.

dlib's semantics, copied: padding 0 for strided convolutions and poolings and k//2 otherwise (read from the file),
output sizes rounded down, and ``add_prev`` zero-pads the smaller operand (channels and rows/columns, at the end)
to the larger one's size: at 8x8 input the strided branch is 3x3 and the pooled shortcut 4x4. The ``affine``
layers (batch norm frozen at training's end) are folded into the convolution before them; that changes only the
float rounding.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .runtime import onnx_session

if TYPE_CHECKING:
    from .detection import FaceBox

__all__ = [
    "CHIP_PADDING",
    "CHIP_SIZE",
    "ENCODER_FORMAT",
    "DlibNetwork",
    "FastEncoder",
    "FastEncoderError",
    "build_onnx_model",
    "default_cache_dir",
    "default_model_path",
    "read_dlib_network",
]

CHIP_SIZE = 150
CHIP_PADDING = 0.25
ENCODING_DIM = 128
#: Bumped whenever the graph built from the same weights changes, so that old cache files are not reused.
ENCODER_FORMAT = 1
_OPSET = 17
_IR_VERSION = 8
_INPUT = "chips"
_OUTPUT = "encodings"


class FastEncoderError(Exception):
    """The model file is not the network this module knows, or the fast encoder cannot be built."""


# ----------------------------------------------------------------------------------------------------------------
# dlib's serialization


class _Stream:
    """Reads dlib's serialization (``dlib/serialize.h``) from bytes.

    Integers: a control byte (low nibble: how many bytes follow; 0x80: negative), then the magnitude's bytes,
    little-endian. Strings: an integer length, then the bytes. bool: the character '0' or '1'. float/double: dlib's
    portable format (``float_details``): an int64 mantissa and an int16 exponent, each an integer as above, the
    value being mantissa * 2**exponent (exponents 32000-32002 stand for inf, -inf and nan).
    """

    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.pos = 0

    def _take(self, count: int) -> memoryview:
        end = self.pos + count
        if end > len(self.data):
            raise FastEncoderError(f"model file ends early (wanted {count} bytes at offset {self.pos})")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def integer(self) -> int:
        control = self._take(1)[0]
        size = control & 0x0F
        if size > 8 or control & 0x70:
            raise FastEncoderError(f"bad integer control byte {control:#04x} at offset {self.pos - 1}")
        value = int.from_bytes(self._take(size), "little") if size else 0
        return -value if control & 0x80 else value

    def string(self) -> str:
        length = self.integer()
        if length < 0 or length > 1024:
            raise FastEncoderError(f"implausible string length {length} at offset {self.pos}")
        return bytes(self._take(length)).decode("latin-1")

    def boolean(self) -> bool:
        char = bytes(self._take(1))
        if char not in (b"0", b"1"):
            raise FastEncoderError(f"bad bool {char!r} at offset {self.pos - 1}")
        return char == b"1"

    def real(self) -> float:
        mantissa = self.integer()
        exponent = self.integer()
        if exponent == 32000:
            return float("inf")
        if exponent == 32001:
            return float("-inf")
        if exponent == 32002:
            return float("nan")
        return float(np.ldexp(float(mantissa), exponent))

    def version(self, expected: int, what: str) -> None:
        found = self.integer()
        if found != expected:
            raise FastEncoderError(f"{what}: serialization version {found}, expected {expected}")

    def tag(self, *expected: str) -> str:
        found = self.string()
        if found not in expected:
            raise FastEncoderError(f"found {found!r} where {' or '.join(map(repr, expected))} was expected")
        return found

    def tensor(self) -> NDArray[np.float32]:
        """A tensor: (num_samples, k, nr, nc), then the values (version 2: raw little-endian float32)."""
        version = self.integer()
        shape = tuple(self.integer() for _ in range(4))
        count = int(np.prod(shape))
        if min(shape) < 0 or count > len(self.data) - self.pos:  # even dlib's portable floats take >= 2 bytes
            raise FastEncoderError(f"implausible tensor shape {shape} at offset {self.pos}")
        if version == 2:
            values = np.frombuffer(self._take(4 * count), dtype="<f4").astype(np.float32)
        elif version == 1:  # older files: every value in dlib's portable float format
            values = np.array([self.real() for _ in range(count)], dtype=np.float32)
        else:
            raise FastEncoderError(f"tensor serialization version {version}")
        return values.reshape(shape)

    def alias_tensor(self) -> tuple[int, int, int, int]:
        self.version(1, "alias_tensor")
        return (self.integer(), self.integer(), self.integer(), self.integer())

    def at_end(self) -> bool:
        return self.pos == len(self.data)


# ----------------------------------------------------------------------------------------------------------------
# The network, as this module knows it


@dataclass(frozen=True)
class _Op:
    """One element of dlib's network type, listed from the input up."""

    kind: str  # con, affine, relu, max_pool, avg_pool, add_prev, fc, tag, skip
    num: int = 0  # filters / outputs for con and fc; the tag id for tag, skip and add_prev
    size: int = 0  # window (con, pooling; 0 = everything)
    stride: int = 1


def _residual(filters: int, down: bool) -> list[_Op]:
    """``ares``/``ares_down`` of dnn_face_recognition_ex.cpp, input side first."""
    stride = 2 if down else 1
    block = [
        _Op("con", filters, 3, stride),
        _Op("affine"),
        _Op("relu"),
        _Op("con", filters, 3, 1),
        _Op("affine"),
    ]
    if down:  # add_prev2<avg_pool<2,2,2,2,skip1<tag2<block<tag1<x>>>>>>
        return [
            _Op("tag", 1),
            *block,
            _Op("tag", 2),
            _Op("skip", 1),
            _Op("avg_pool", 0, 2, 2),
            _Op("add_prev", 2),
            _Op("relu"),
        ]
    return [_Op("tag", 1), *block, _Op("add_prev", 1), _Op("relu")]


def _anet_ops() -> list[_Op]:
    ops = [_Op("con", 32, 7, 2), _Op("affine"), _Op("relu"), _Op("max_pool", 0, 3, 2)]
    for filters, blocks, down in ((32, 3, False), (64, 4, True), (128, 3, True), (256, 3, True), (256, 1, True)):
        ops += _residual(filters, down)
        for _ in range(blocks - 1):
            ops += _residual(filters, False)
    ops += [_Op("avg_pool", 0, 0, 1), _Op("fc", ENCODING_DIM)]
    return ops


@dataclass
class _Layer:
    """A computational layer read from the file: its op and what dlib stored for it."""

    op: _Op
    weights: NDArray[np.float32] | None = None  # con: (filters, k, nr, nc); fc: (inputs, outputs)
    biases: NDArray[np.float32] | None = None  # con: (filters,)
    gamma: NDArray[np.float32] | None = None  # affine
    beta: NDArray[np.float32] | None = None  # affine
    padding: tuple[int, int] = (0, 0)  # con, pooling: (y, x)
    window: tuple[int, int] = (0, 0)  # con, pooling: (nr, nc)
    stride: tuple[int, int] = (1, 1)


@dataclass
class DlibNetwork:
    """The face ResNet's weights and structure as read from dlib's model file."""

    mean_rgb: tuple[float, float, float]
    input_size: int
    ops: list[_Op]
    layers: list[_Layer] = field(default_factory=list)  # one per op that is not tag/skip, same order

    @property
    def parameter_count(self) -> int:
        count = 0
        for layer in self.layers:
            for array in (layer.weights, layer.biases, layer.gamma, layer.beta):
                if array is not None:
                    count += array.size
        return count


def default_model_path() -> Path:
    import face_recognition_models

    return Path(face_recognition_models.face_recognition_model_location())


def read_dlib_network(path: str | os.PathLike[str] | None = None, data: bytes | None = None) -> DlibNetwork:
    """Read ``dlib_face_recognition_resnet_model_v1.dat`` (``anet_type`` of dnn_face_recognition_ex.cpp).

    The file is the loss layer, then the network from the top down as nested objects, each writing its subnetwork
    before its own state: so it starts with one version number per layer from the output down, then the input
    layer, then each computational layer's details and state from the input up. Tags and skips only write their
    version. The structure is checked against the network this module knows as it is read.
    """
    if data is None:
        data = Path(path or default_model_path()).read_bytes()
    stream = _Stream(data)
    ops = _anet_ops()

    stream.version(1, "add_loss_layer")
    stream.tag("loss_metric_2", "loss_metric_")
    stream.real()  # margin
    stream.real()  # distance threshold
    # Version numbers from the top layer down: add_layer 2 (the one on the input layer: 3), tag and skip 1.
    for index in range(len(ops) - 1, -1, -1):
        op = ops[index]
        if op.kind in ("tag", "skip"):
            stream.version(1, f"add_{op.kind}_layer")
        else:
            stream.version(3 if index == 0 else 2, "add_layer")

    stream.tag("input_rgb_image_sized")
    mean = (stream.real(), stream.real(), stream.real())
    rows, cols = stream.integer(), stream.integer()
    if rows != cols or rows <= 0:
        raise FastEncoderError(f"input size {rows}x{cols}, expected a square")
    network = DlibNetwork(mean_rgb=mean, input_size=rows, ops=ops)

    for index, op in enumerate(ops):
        if op.kind in ("tag", "skip"):
            continue
        network.layers.append(_read_layer(stream, op))
        # add_layer's own state: three bools and the (empty, cleaned) working tensors.
        for _ in range(3):
            stream.boolean()
        stream.tensor()  # x_grad
        stream.tensor()  # cached_output
        stream.tensor()  # params_grad (for the layer on the input layer: grad_final, then the expansion factor)
        if index == 0:
            stream.integer()
    if not stream.at_end():
        raise FastEncoderError(f"{len(stream.data) - stream.pos} bytes left after the network")
    return network


def _read_layer(stream: _Stream, op: _Op) -> _Layer:
    layer = _Layer(op)
    if op.kind == "con":
        stream.tag("con_4")
        params = stream.tensor().reshape(-1)
        filters, rows, cols = stream.integer(), stream.integer(), stream.integer()
        layer.stride = (stream.integer(), stream.integer())
        layer.padding = (stream.integer(), stream.integer())
        shape = stream.alias_tensor()
        bias_shape = stream.alias_tensor()
        for _ in range(4):  # learning-rate and weight-decay multipliers
            stream.real()
        if filters != op.num or (rows, cols) != (op.size, op.size) or layer.stride != (op.stride, op.stride):
            raise FastEncoderError(f"con {filters} {rows}x{cols}/{layer.stride}, expected {op}")
        layer.window = (rows, cols)
        weight_count = int(np.prod(shape))
        if shape[0] != filters or weight_count + int(np.prod(bias_shape)) != params.size:
            raise FastEncoderError(f"con parameters {params.size} do not fit filters {shape} and biases {bias_shape}")
        layer.weights = params[:weight_count].reshape(shape)
        layer.biases = params[weight_count:].copy()
    elif op.kind == "affine":
        stream.tag("affine_")
        params = stream.tensor().reshape(-1)
        gamma_shape = stream.alias_tensor()
        stream.alias_tensor()  # beta: the same shape
        mode = stream.integer()
        if mode != 0:  # CONV_MODE: one gamma/beta per channel
            raise FastEncoderError(f"affine layer in mode {mode}, expected CONV_MODE (0)")
        half = int(np.prod(gamma_shape))
        if 2 * half != params.size:
            raise FastEncoderError(f"affine parameters {params.size}, expected 2 x {half}")
        layer.gamma, layer.beta = params[:half].copy(), params[half:].copy()
    elif op.kind == "relu":
        stream.tag("relu_")
    elif op.kind == "add_prev":
        stream.tag("add_prev_")
    elif op.kind in ("max_pool", "avg_pool"):
        stream.tag(f"{op.kind}_2")
        layer.window = (stream.integer(), stream.integer())
        layer.stride = (stream.integer(), stream.integer())
        layer.padding = (stream.integer(), stream.integer())
        if layer.window != (op.size, op.size) or layer.stride != (op.stride, op.stride):
            raise FastEncoderError(f"{op.kind} {layer.window}/{layer.stride}, expected {op}")
    elif op.kind == "fc":
        stream.tag("fc_2")
        outputs, inputs = stream.integer(), stream.integer()
        params = stream.tensor().reshape(-1)
        stream.alias_tensor()  # weights: (inputs, outputs)
        stream.alias_tensor()  # biases (unused: no bias)
        bias_mode = stream.integer()
        for _ in range(4):
            stream.real()
        if outputs != op.num or bias_mode != 1 or params.size != inputs * outputs:  # FC_NO_BIAS
            raise FastEncoderError(f"fc {inputs}->{outputs} (bias mode {bias_mode}), expected fc_no_bias {op.num}")
        layer.weights = params.reshape(inputs, outputs)
    else:  # pragma: no cover - _anet_ops only lists the kinds above
        raise AssertionError(op.kind)
    return layer


# ----------------------------------------------------------------------------------------------------------------
# The ONNX graph


def _pooled(size: int, window: int, stride: int, padding: int) -> int:
    """dlib's (and cuDNN's) output size, rounded down."""
    return 1 + (size + 2 * padding - window) // stride


def build_onnx_model(network: DlibNetwork, *, source_sha256: str = "") -> Any:
    """The network as an ``onnx.ModelProto``: float32 NCHW chips (already normalised) in, (N, 128) out."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[Any] = []
    initializers: list[Any] = []
    counter = iter(range(1_000_000))

    def name(prefix: str) -> str:
        return f"{prefix}_{next(counter)}"

    def constant(prefix: str, value: NDArray[Any]) -> str:
        tensor_name = name(prefix)
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), tensor_name))
        return tensor_name

    def node(op_type: str, inputs: list[str], prefix: str, **attributes: Any) -> str:
        output = name(prefix)
        nodes.append(helper.make_node(op_type, inputs, [output], name=output, **attributes))
        return output

    # (tensor name, channels, rows, cols) of the current output, and of each tag.
    current = (_INPUT, 3, network.input_size, network.input_size)
    tags: dict[int, tuple[str, int, int, int]] = {}
    layers = iter(network.layers)
    ops = network.ops
    index = 0
    while index < len(ops):
        op = ops[index]
        if op.kind == "tag":
            tags[op.num] = current
            index += 1
            continue
        if op.kind == "skip":
            current = tags[op.num]
            index += 1
            continue
        layer = next(layers)
        tensor, channels, rows, cols = current
        if op.kind == "con":
            assert layer.weights is not None and layer.biases is not None
            weights = layer.weights.astype(np.float32)
            biases = layer.biases.astype(np.float32)
            if index + 1 < len(ops) and ops[index + 1].kind == "affine":
                affine = next(layers)
                assert affine.gamma is not None and affine.beta is not None
                weights = weights * affine.gamma[:, None, None, None]
                biases = biases * affine.gamma + affine.beta
                index += 1
            pad_y, pad_x = layer.padding
            tensor = node(
                "Conv",
                [tensor, constant("w", weights), constant("b", biases)],
                "conv",
                kernel_shape=list(layer.window),
                strides=list(layer.stride),
                pads=[pad_y, pad_x, pad_y, pad_x],
            )
            channels = weights.shape[0]
            rows = _pooled(rows, layer.window[0], layer.stride[0], pad_y)
            cols = _pooled(cols, layer.window[1], layer.stride[1], pad_x)
        elif op.kind == "affine":  # not after a convolution (not in this network, kept for completeness)
            assert layer.gamma is not None and layer.beta is not None
            gamma = constant("gamma", layer.gamma.reshape(1, -1, 1, 1).astype(np.float32))
            beta = constant("beta", layer.beta.reshape(1, -1, 1, 1).astype(np.float32))
            tensor = node("Add", [node("Mul", [tensor, gamma], "scale"), beta], "shift")
        elif op.kind == "relu":
            tensor = node("Relu", [tensor], "relu")
        elif op.kind in ("max_pool", "avg_pool"):
            if layer.window == (0, 0):  # avg_pool_everything / max_pool_everything
                tensor = node("GlobalAveragePool" if op.kind == "avg_pool" else "GlobalMaxPool", [tensor], "pool")
                rows = cols = 1
            else:
                pad_y, pad_x = layer.padding
                if op.kind == "avg_pool" and (pad_y or pad_x):
                    # Not in this network; how dlib treats the padded border is not copied.
                    raise FastEncoderError("padded avg_pool is not supported")
                tensor = node(
                    "MaxPool" if op.kind == "max_pool" else "AveragePool",
                    [tensor],
                    "pool",
                    kernel_shape=list(layer.window),
                    strides=list(layer.stride),
                    pads=[pad_y, pad_x, pad_y, pad_x],
                )
                rows = _pooled(rows, layer.window[0], layer.stride[0], pad_y)
                cols = _pooled(cols, layer.window[1], layer.stride[1], pad_x)
        elif op.kind == "add_prev":
            other, other_channels, other_rows, other_cols = tags[op.num]
            size = (max(channels, other_channels), max(rows, other_rows), max(cols, other_cols))
            tensor = node(
                "Add",
                [
                    _zero_padded(node, constant, tensor, (channels, rows, cols), size),
                    _zero_padded(node, constant, other, (other_channels, other_rows, other_cols), size),
                ],
                "add",
            )
            channels, rows, cols = size
        elif op.kind == "fc":
            assert layer.weights is not None
            flat = node("Flatten", [tensor], "flat", axis=1)
            tensor = node("MatMul", [flat, constant("fc", layer.weights.astype(np.float32))], "fc")
            channels, rows, cols = layer.weights.shape[1], 1, 1
        current = (tensor, channels, rows, cols)
        index += 1

    nodes.append(helper.make_node("Identity", [current[0]], [_OUTPUT], name=_OUTPUT))
    graph = helper.make_graph(
        nodes,
        "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info(_INPUT, TensorProto.FLOAT, ["n", 3, network.input_size, network.input_size])],
        [helper.make_tensor_value_info(_OUTPUT, TensorProto.FLOAT, ["n", ENCODING_DIM])],
        initializers,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", _OPSET)], producer_name="chamada.fast_encoder"
    )
    model.ir_version = _IR_VERSION
    helper.set_model_props(
        model,
        {
            "source_sha256": source_sha256,
            "encoder_format": str(ENCODER_FORMAT),
            "mean_rgb": ",".join(repr(value) for value in network.mean_rgb),
        },
    )
    onnx.checker.check_model(model)
    return model


def _zero_padded(node: Any, constant: Any, tensor: str, shape: tuple[int, int, int], size: tuple[int, int, int]) -> str:
    """``tensor`` of (C, H, W) ``shape`` padded with zeros at the end of each axis up to ``size``."""
    extra = [target - have for have, target in zip(shape, size, strict=True)]
    if not any(extra):
        return tensor
    pads = np.array([0, 0, 0, 0, 0, *extra], dtype=np.int64)
    return str(node("Pad", [tensor, constant("pads", pads)], "pad", mode="constant"))


# ----------------------------------------------------------------------------------------------------------------
# The encoder


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/chamada`` (``~/.cache/chamada``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "chamada"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class FastEncoder:
    """128-d face encodings equal to ``face_recognition.face_encodings``' (num_jitters=1), on onnxruntime.

    ``cache_dir`` holds the converted model (default :func:`default_cache_dir`); ``threads`` is onnxruntime's
    intra-op thread count (default 1: cameras and gallery jobs run in parallel processes); ``model_path`` is
    dlib's model file (default: the one ``face_recognition_models`` ships). ``converted`` tells whether this
    instance had to convert the model (no valid cache file).
    """

    def __init__(
        self,
        cache_dir: Path | None = None,
        threads: int = 1,
        model_path: Path | None = None,
    ) -> None:
        if threads < 1:
            raise ValueError("threads must be >= 1")
        self.threads = threads
        self.model_path = Path(model_path) if model_path is not None else default_model_path()
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        source = self.model_path.read_bytes()
        self.source_sha256 = _sha256(source)
        self.cache_path = self.cache_dir / f"dlib-face-resnet-{self.source_sha256[:32]}-v{ENCODER_FORMAT}.onnx"
        self.converted = False
        model_bytes = self._cached_model()
        if model_bytes is None:
            network = read_dlib_network(data=source)
            model_bytes = build_onnx_model(network, source_sha256=self.source_sha256).SerializeToString()
            _write_atomically(self.cache_path, model_bytes)
            _write_atomically(self._digest_path, (_sha256(model_bytes) + "\n").encode())
            self.converted = True
        self._session = onnx_session(model_bytes, self.threads)
        self.mean_rgb = self._read_mean(self._session)

    def __repr__(self) -> str:
        return f"FastEncoder(cache_path={str(self.cache_path)!r}, threads={self.threads})"

    @property
    def _digest_path(self) -> Path:
        return self.cache_path.with_name(self.cache_path.name + ".sha256")

    def _cached_model(self) -> bytes | None:
        """The cached model's bytes if the file is there and matches its recorded digest."""
        try:
            model_bytes = self.cache_path.read_bytes()
            recorded = self._digest_path.read_text().strip()
        except OSError:
            return None
        return model_bytes if _sha256(model_bytes) == recorded else None

    @staticmethod
    def _read_mean(session: Any) -> NDArray[np.float32]:
        props = session.get_modelmeta().custom_metadata_map
        try:
            mean = [float(value) for value in props["mean_rgb"].split(",")]
        except (KeyError, ValueError) as error:
            raise FastEncoderError("cached model lacks its input means") from error
        return np.array(mean, dtype=np.float32)

    def chips(self, image: NDArray[np.uint8], boxes: Sequence[FaceBox]) -> NDArray[np.uint8]:
        """dlib's 150x150 RGB chips for ``boxes`` of ``image``: (n, 150, 150, 3) uint8."""
        import dlib
        import face_recognition.api as face_api

        image = _as_rgb(image)
        chips = np.empty((len(boxes), CHIP_SIZE, CHIP_SIZE, 3), dtype=np.uint8)
        for row, box in enumerate(boxes):
            rectangle = dlib.rectangle(box.left, box.top, box.right, box.bottom)
            shape = face_api.pose_predictor_5_point(image, rectangle)
            chips[row] = dlib.get_face_chip(image, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
        return chips

    def encode(self, image: NDArray[np.uint8], boxes: Sequence[FaceBox]) -> NDArray[np.float64]:
        """One encoding per box, (n, 128) float64: what ``face_recognition.face_encodings`` returns."""
        return self.encode_chips(self.chips(image, boxes))

    def encode_chips(self, chips: NDArray[np.uint8] | Sequence[NDArray[np.uint8]]) -> NDArray[np.float64]:
        """Encodings of dlib face chips (each 150x150x3 RGB uint8), all in one batch."""
        batch = np.asarray(chips)
        if batch.size == 0:
            return np.empty((0, ENCODING_DIM), dtype=np.float64)
        if batch.dtype != np.uint8 or batch.ndim != 4 or batch.shape[1:] != (CHIP_SIZE, CHIP_SIZE, 3):
            raise ValueError(f"expected (n, {CHIP_SIZE}, {CHIP_SIZE}, 3) uint8 chips, got {batch.dtype} {batch.shape}")
        # dlib's input_rgb_image: (pixel - mean) / 256 in float32, channels first.
        normalised = (batch.astype(np.float32) - self.mean_rgb) / np.float32(256.0)
        tensor = np.ascontiguousarray(normalised.transpose(0, 3, 1, 2))
        (encodings,) = self._session.run([_OUTPUT], {_INPUT: tensor})
        return np.asarray(encodings, dtype=np.float64)


def _as_rgb(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an RGB uint8 array of shape (H, W, 3), got {image.dtype} {image.shape}")
    return np.ascontiguousarray(image)
