"""ONNX models to `graph` IR: `load_onnx(path, input_shapes)`.

Every ONNX value the model's outputs depend on becomes either
- a *constant*, a numpy array known at import: initializers, `Constant` nodes,
  `Shape`/`Size` of a (static) tensor, and every default-domain node whose inputs
  are all constants, folded with ONNX's numpy reference implementation (so the
  Shape -> Gather -> Unsqueeze -> Concat -> Reshape sub-graphs of exported models
  fold away); or
- a *tensor*, an SSA value of the graph IR, made by the converter of its node's
  op type (`CONVERTERS`, one function per ONNX op type).

A constant used as a tensor becomes a `graph.weight` (init `stored`) named after
its ONNX value, its array in the module's weight store (`dlfc.hw.weights.attach_store`);
a one-element constant operand of an elementwise op becomes a `graph.constant`.
SSA values carry their ONNX value names as name hints (sanitised: `data_0` prints
as `%data.0`); the function's arguments and results also keep the exact ONNX
names of the graph's inputs and outputs as `{dlfc.onnx_name = "..."}` attributes.

Locations, as MLIR's ONNX importers give them: every op made for a node has
`loc("node name"("model.onnx":0:0))` (a `NameLoc` of the node's name, or of its
first output when it has none); a model input `loc("input name"("model.onnx":0:0))`;
the function, its return and weights of the graph's outputs `loc("model.onnx":0:0)`.

`onnx` is an optional dependency: it is imported only when a model is read.
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    FileLineColLoc,
    IntAttr,
    ModuleOp,
    NameLoc,
    StringAttr,
    TensorType,
    UnknownLoc,
    f16,
    f32,
    f64,
    i32,
    i64,
)
from xdsl.ir import Attribute, Block, BlockArgument, Operation, Region, SSAValue
from xdsl.utils.exceptions import VerifyException

from dlfc.dialects import graph
from dlfc.dialects.graph import shape_of
from dlfc.hw.weights import MAX_FOLDED_ELEMENTS, STORED, WeightStore, attach_store, numpy_dtype

if TYPE_CHECKING:
    from onnx import ModelProto, NodeProto, ValueInfoProto

Value = SSAValue | np.ndarray
"""An ONNX value at import: a tensor of the graph IR, or a constant array."""

MIN_OPSET, MAX_OPSET = 13, 20
"""Default-domain opsets imported as they are; older models are converted to MIN_OPSET first."""

ELEMENT_TYPES: Mapping[np.dtype, Attribute] = {
    np.dtype(np.float32): f32,
    np.dtype(np.float16): f16,
    np.dtype(np.float64): f64,
    np.dtype(np.int32): i32,
    np.dtype(np.int64): i64,
}

SHAPE_QUERIES = frozenset({"Shape", "Size"})
"""Op types whose results are constants even when their input is a tensor (shapes are static)."""

NAMES_SHOWN = 5
"""Node names listed per op type in the unsupported-operators error."""


class OnnxImportError(Exception):
    """An ONNX model dlfc cannot import; the message is one line, starting with the file name."""


# --------------------------------------------------------------------------- entry points


def load_onnx(path: str, input_shapes: Mapping[str, Sequence[int]] | None = None) -> ModuleOp:
    """Import the ONNX model at `path` as a verified graph-level module.

    `input_shapes` gives static shapes to model inputs by name (required for
    inputs with dynamic dimensions). Its weights are in the module's weight store.
    Raises OnnxImportError for anything dlfc cannot import.
    """
    model, source_opset = read_model(path)
    module = Importer(model, path, dict(input_shapes or {}), source_opset).build()
    try:
        module.verify()
    except VerifyException as e:
        raise OnnxImportError(f"{path}: {one_line(str(e))}") from None
    return module


def unsupported_operators(path: str) -> dict[str, list[str]]:
    """The operators of the ONNX model at `path` that dlfc does not convert (see `Importer.unsupported_operators`)."""
    model, source_opset = read_model(path)
    return Importer(model, path, {}, source_opset).unsupported_operators()


def parse_input_shape(spec: str) -> tuple[str, list[int]]:
    """`name=1,3,224,224` as (name, [1, 3, 224, 224]); raises OnnxImportError if malformed."""
    name, sep, dims = spec.rpartition("=")
    try:
        shape = [int(d) for d in dims.split(",")]
    except ValueError:
        shape = []
    if not sep or not name or not shape or min(shape) < 1:
        raise OnnxImportError(f"--input-shape {spec!r}: expected NAME=D0,D1,... with positive dimensions")
    return name, shape


def one_line(text: str) -> str:
    return " ".join(text.split())


def onnx_module() -> Any:
    """The `onnx` package; OnnxImportError naming the extra to install if it is missing."""
    try:
        import onnx
    except ImportError:
        raise OnnxImportError("reading ONNX models needs the onnx package: pip install 'dlfc[onnx]'") from None
    return onnx


def read_model(path: str) -> tuple[ModelProto, int]:
    """The model at `path`, checked by ONNX and at an opset dlfc imports, and the opset it was written for."""
    onnx = onnx_module()
    from google.protobuf.message import DecodeError

    try:
        model = onnx.load(path, load_external_data=False)
    except DecodeError:
        raise OnnxImportError(f"{path}: not a valid ONNX model (the file does not decode as one)") from None
    if check_external_data(model, path):
        try:
            onnx.load_external_data_for_model(model, os.path.dirname(os.path.abspath(path)))
        except (onnx.checker.ValidationError, OSError, ValueError) as e:
            raise OnnxImportError(f"{path}: cannot read external data: {one_line(str(e))}") from None
    try:
        onnx.checker.check_model(path)  # by path: also models over 2 GiB, with external data
    except onnx.checker.ValidationError as e:
        raise OnnxImportError(f"{path}: invalid ONNX model: {one_line(str(e))}") from None
    opset = default_opset(model)
    if opset is None:
        raise OnnxImportError(f"{path}: the model imports no ai.onnx opset")
    if opset > MAX_OPSET:
        raise OnnxImportError(f"{path}: opset {opset} is newer than dlfc imports ({MIN_OPSET}-{MAX_OPSET})")
    if opset < MIN_OPSET:
        try:
            model = onnx.version_converter.convert_version(model, MIN_OPSET)
        except Exception as e:  # the converter raises bare RuntimeErrors and C++ errors alike
            raise OnnxImportError(f"{path}: cannot convert opset {opset} to {MIN_OPSET}: {one_line(str(e))}") from None
    return model, opset


def check_external_data(model: ModelProto, path: str) -> bool:
    """Whether the model has external data; OnnxImportError unless every file of it can be read.

    A tensor's data file must lie inside the model's folder (no absolute path,
    no `..` out of it, as ONNX itself requires), exist, be a regular file (a
    FIFO would block) and hold the bytes the tensor's location claims.
    """
    from onnx import TensorProto, external_data_helper

    folder = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    found = False
    for tensor in external_data_helper._get_all_tensors(model):
        if not external_data_helper.uses_external_data(tensor):
            continue
        found = True
        info = external_data_helper.ExternalDataInfo(tensor)
        where = f"{path}: tensor '{tensor.name}' has its data in '{info.location}'"
        full = os.path.realpath(os.path.join(folder, info.location))
        if not info.location or os.path.isabs(info.location) or os.path.commonpath([folder, full]) != folder:
            raise OnnxImportError(f"{where}, outside the model's folder; refused")
        try:
            status = os.stat(full)
        except OSError:
            raise OnnxImportError(f"{where}, which is missing") from None
        if not stat.S_ISREG(status.st_mode):
            raise OnnxImportError(f"{where}, which is not a regular file")
        try:
            itemsize = np.dtype(onnx_module().helper.tensor_dtype_to_np_dtype(tensor.data_type)).itemsize
        except (KeyError, TypeError, ValueError):
            itemsize = 1
        if tensor.data_type == TensorProto.STRING:
            itemsize = 1
        needed = (info.length if info.length else math.prod(tensor.dims) * itemsize) + (info.offset or 0)
        if needed > status.st_size:
            raise OnnxImportError(f"{where}, which holds {status.st_size} bytes; the tensor needs {needed}")
    return found


def default_opset(model: ModelProto) -> int | None:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)


def sanitize(name: str) -> str:
    """An ONNX name as an SSA name hint: `/layer1/conv1/Conv_output_0` -> `layer1.conv1.Conv`.

    PyTorch's `_output_0` suffix is dropped; another final `_<digits>` becomes
    `.<digits>`, as xDSL drops it from name hints (inputs `x_0` and `x_1` would
    both print as `%x`).
    """
    text = re.sub(r"[^\w$.-]+", "_", name.strip("/").replace("/", ".").removesuffix("_output_0"))
    text = re.sub(r"_(\d+)$", r".\1", text)
    return text if re.match(r"[A-Za-z_$.-]", text) else f"v{text}"


def node_label(node: NodeProto) -> str:
    """How errors name a node: its name, else its first output."""
    return node.name or (node.output[0] if node.output else node.op_type)


# --------------------------------------------------------------------------- the importer


def onnx_dtype(code: int, what: str, fail: Callable[[str], Exception]) -> np.dtype:
    """The numpy dtype of ONNX element type `code`; `fail(message)` when ONNX does not know the code."""
    from onnx import helper

    try:
        return np.dtype(helper.tensor_dtype_to_np_dtype(code))
    except (KeyError, ValueError, TypeError):
        raise fail(f"{what} has an unknown element type (ONNX code {code})") from None


class Importer:
    """Builds the graph-level module of one ONNX model."""

    def __init__(
        self, model: ModelProto, path: str, input_shapes: dict[str, Sequence[int]], source_opset: int | None = None
    ) -> None:
        from onnx import numpy_helper

        self.graph = model.graph
        self.path = path
        self.opset = default_opset(model)
        self.source_opset = source_opset or self.opset
        """The opset the model was written for (before conversion), for semantics the conversion keeps."""
        self.input_shapes = input_shapes
        self.values: dict[str, Value] = {t.name: numpy_helper.to_array(t) for t in self.graph.initializer}
        if len(self.graph.sparse_initializer):
            raise OnnxImportError(f"{path}: sparse initializers are not supported")
        self.weights: dict[str, SSAValue] = {}
        self.store = WeightStore(source=path)
        self.nodes, self.needed = live_nodes(model)
        self.block = Block()
        self.file_location = FileLineColLoc(StringAttr(path), IntAttr(0), IntAttr(0))

    def fail(self, message: str) -> OnnxImportError:
        return OnnxImportError(f"{self.path}: {message}")

    def build(self) -> ModuleOp:
        self.check_supported()
        for info in self.graph.input:
            if info.name not in self.values:
                self.values[info.name] = self.add_input(info)
        inputs = [i.name for i in self.graph.input if isinstance(self.values[i.name], SSAValue)]
        unknown = sorted(set(self.input_shapes) - set(inputs))
        if unknown:
            raise self.fail(
                f"--input-shape names no input of the model: {', '.join(unknown)} (inputs: {', '.join(inputs)})"
            )
        for proto in self.nodes:
            mark = self.block.last_op
            self.import_node(NodeImport(self, proto))
            self.locate(mark, node_label(proto))
        results = [self.tensor(o.name) for o in self.graph.output]
        self.block.add_op(func.ReturnOp(*results))
        fn = func.FuncOp(
            sanitize(self.graph.name) if self.graph.name else "main",
            ([a.type for a in self.block.args], [r.type for r in results]),
            Region(self.block),
            arg_attrs=onnx_names(i.name for i in self.graph.input if isinstance(self.values[i.name], SSAValue)),
            res_attrs=onnx_names(o.name for o in self.graph.output),
        )
        module = ModuleOp([fn])
        self.locate(None, None)
        for info in self.graph.input:
            if isinstance(arg := self.values[info.name], BlockArgument):
                arg.location = NameLoc(StringAttr(info.name), self.file_location)
        fn.location = module.location = self.file_location
        attach_store(module, self.store)
        return module

    def locate(self, mark: Operation | None, node: str | None) -> None:
        """Give the ops after `mark` (all ops: None) that have no location `node`'s name location (None: the file's)."""
        loc = self.file_location if node is None else NameLoc(StringAttr(node), self.file_location)
        op = self.block.first_op if mark is None else mark.next_op
        while op is not None:
            if isinstance(op.location, UnknownLoc):
                op.location = loc
            op = op.next_op

    def unsupported_operators(self) -> dict[str, list[str]]:
        """The operator types of the live nodes that have no converter and do not fold, each with its nodes' labels.

        Custom domains are named `domain.Op`. Empty for a model every operator of which dlfc converts.
        """
        constant = set(self.values)
        unsupported: dict[str, list[str]] = {}
        for node in self.nodes:
            folds = node.domain in ("", "ai.onnx") and all(i in constant for i in node.input if i)
            if folds or node.op_type in SHAPE_QUERIES:
                constant.update(node.output)
            elif node.domain not in ("", "ai.onnx") or node.op_type not in CONVERTERS:
                op = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}"
                unsupported.setdefault(op, []).append(node_label(node))
        return unsupported

    def check_supported(self) -> None:
        """One error listing every live node that has no converter and does not fold."""
        unsupported = self.unsupported_operators()
        if unsupported:
            raise self.fail(
                "unsupported ONNX operators: " + "; ".join(listing(op, names) for op, names in unsupported.items())
            )

    def add_input(self, info: ValueInfoProto) -> SSAValue:
        """A block argument for model input `info`, with its static (or given) shape."""
        from onnx import helper

        name = info.name
        if not info.type.HasField("tensor_type"):
            raise self.fail(f"input '{name}' is not a tensor")
        tensor_type = info.type.tensor_type
        element = ELEMENT_TYPES.get(onnx_dtype(tensor_type.elem_type, f"input '{name}'", self.fail))
        if element is None:
            raise self.fail(
                f"input '{name}' has element type {helper.tensor_dtype_to_string(tensor_type.elem_type)}, not a float or int32/int64 type"
            )
        dims = [d.dim_value if d.dim_value > 0 else (d.dim_param or "?") for d in tensor_type.shape.dim]
        given = self.input_shapes.get(name)
        if given is not None:
            fixed = [
                (i, d, g) for i, (d, g) in enumerate(zip(dims, given, strict=False)) if isinstance(d, int) and d != g
            ]
            if tensor_type.HasField("shape") and (len(given) != len(dims) or fixed):
                raise self.fail(
                    f"input '{name}' has shape [{','.join(map(str, dims))}]; --input-shape gives {list(given)}"
                )
            shape = list(given)
        elif not tensor_type.HasField("shape") or any(isinstance(d, str) for d in dims):
            dynamic = ", ".join(f"{d} (axis {i})" for i, d in enumerate(dims) if isinstance(d, str)) or "unknown rank"
            raise self.fail(
                f"input '{name}' has dynamic dimensions {dynamic}: give its shape with --input-shape {name}=D0,D1,..."
            )
        else:
            shape = dims
        arg = self.block.insert_arg(TensorType(element, shape), len(self.block.args))
        arg.name_hint = sanitize(name)
        return arg

    def import_node(self, n: NodeImport) -> None:
        """Fold or convert one node and record its outputs."""
        if n.folds():
            outputs: Sequence[Value] = n.fold()
        else:
            try:
                converted = CONVERTERS[n.proto.op_type](n)
            except VerifyException as e:  # a graph op's shape rule (graph.ShapeError) rejected it
                raise n.fail(one_line(str(e))) from None
            outputs = converted if isinstance(converted, tuple) else (converted,)
        for index, name in enumerate(n.proto.output):
            if not name or name not in self.needed:
                continue
            if index >= len(outputs):
                raise n.fail(f"output {index} ('{name}') is not supported")
            value = outputs[index]
            if isinstance(value, SSAValue) and value.name_hint is None:
                value.name_hint = sanitize(name)
            self.values[name] = value

    def tensor(self, name: str) -> SSAValue:
        """ONNX value `name` as an SSA value: a constant becomes a `graph.weight` of that name."""
        value = self.values[name]
        if isinstance(value, SSAValue):
            return value
        return self.weight(name, value)

    def weight(self, name: str, array: np.ndarray) -> SSAValue:
        """A `stored` weight `name` holding `array` (one op per name)."""
        if name not in self.weights:
            element = ELEMENT_TYPES.get(array.dtype)
            if element is None:
                raise self.fail(f"constant '{name}' of type {array.dtype} cannot be a tensor of the model")
            self.store.add(name, np.ascontiguousarray(array))
            op = graph.WeightOp(name, TensorType(element, array.shape), STORED)
            op.output.name_hint = sanitize(name)
            self.block.add_op(op)
            self.weights[name] = op.output
        return self.weights[name]


ONNX_NAME = "dlfc.onnx_name"
"""Argument and result attribute of an imported function: the ONNX name of that graph input or output."""


def onnx_names(names: Iterable[str]) -> ArrayAttr[DictionaryAttr]:
    """One `{dlfc.onnx_name = "..."}` dictionary per name (func.func's arg_attrs / res_attrs)."""
    return ArrayAttr([DictionaryAttr({ONNX_NAME: StringAttr(name)}) for name in names])


def listing(op: str, names: list[str]) -> str:
    """`Where x3 (a, b, c)`, at most NAMES_SHOWN names."""
    shown = ", ".join(names[:NAMES_SHOWN]) + (
        f", and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else ""
    )
    return f"{op} x{len(names)} ({shown})"


def live_nodes(model: ModelProto) -> tuple[list[NodeProto], set[str]]:
    """The nodes the graph outputs depend on, in order, and the value names they need."""
    needed = {o.name for o in model.graph.output}
    live = []
    for node in reversed(model.graph.node):
        if any(o in needed for o in node.output):
            live.append(node)
            needed.update(i for i in node.input if i)
    return live[::-1], needed


# --------------------------------------------------------------------------- one node


MAX_FOLDED_ITERATIONS = 65536
"""The most iterations of a constant Loop the importer computes."""

BROADCASTING = frozenset(
    """Add And BitShift BitwiseAnd BitwiseOr BitwiseXor Div Equal Greater GreaterOrEqual Less LessOrEqual Max
    Mean Min Mod Mul Or Pow PRelu Sub Sum Where Xor""".split()
)
"""The ONNX operators whose inputs broadcast to their output (multidirectional broadcasting)."""


class NodeImport:
    """The node being imported: its inputs as tensors or constants, its attributes, and emission."""

    def __init__(self, importer: Importer, proto: NodeProto) -> None:
        from onnx import helper

        self.importer = importer
        self.proto = proto
        self.attrs: dict[str, Any] = {}
        for a in proto.attribute:
            value = helper.get_attribute_value(a)
            self.attrs[a.name] = value.decode() if isinstance(value, bytes) else value

    def fail(self, message: str) -> OnnxImportError:
        return self.importer.fail(f"{self.proto.op_type} node '{node_label(self.proto)}': {message}")

    def folds(self) -> bool:
        """True if this is a default-domain node whose inputs are all constants."""
        return self.proto.domain in ("", "ai.onnx") and all(
            isinstance(self.value(i), np.ndarray) for i in self.present()
        )

    def fold(self) -> list[np.ndarray]:
        """The node's outputs computed by ONNX's reference implementation.

        Loops are computed only up to `MAX_FOLDED_ITERATIONS` iterations: the
        trip count is the model's to choose, the import time is not.
        """
        from onnx.reference import ReferenceEvaluator

        if self.proto.op_type == "Loop":
            trips = np.asarray(self.value(0)).reshape(-1) if self.arity and self.proto.input[0] else np.empty(0)
            if trips.size != 1:
                raise self.fail("a Loop without a trip count cannot be computed at import")
            if int(trips[0]) > MAX_FOLDED_ITERATIONS:
                raise self.fail(
                    f"a Loop of {int(trips[0])} iterations cannot be computed at import (at most {MAX_FOLDED_ITERATIONS})"
                )

        if (elements := self.folded_elements()) is not None and elements > MAX_FOLDED_ELEMENTS:
            raise self.fail(
                f"a constant of {elements} elements cannot be computed at import (at most {MAX_FOLDED_ELEMENTS})"
            )
        feeds = {self.proto.input[i]: self.value(i) for i in self.present()}
        try:
            return list(ReferenceEvaluator(self.proto, opsets={"": self.importer.opset}).run(None, feeds))
        except Exception as e:  # the evaluator raises whatever its numpy code raises
            raise self.fail(f"cannot compute this constant at import: {one_line(str(e))}") from None

    def folded_elements(self) -> int | None:
        """The elements of the constant this node would compute, known before computing it (None: not known).

        ConstantOfShape, Range, Tile, Expand, Pad, Resize and OneHot make arrays
        of any size from a few numbers; broadcasting ops ([N, 1] + [1, M]),
        MatMul and Gemm make arrays larger than their inputs. Other ops'
        results are bounded by their inputs' (and by this bound where those
        came from them).
        """
        op = self.proto.op_type

        def ints(i: int) -> list[int]:
            return [int(v) for v in np.asarray(self.value(i)).reshape(-1)]

        def shape(i: int) -> tuple[int, ...]:
            return tuple(np.shape(self.value(i)))

        try:
            if op in BROADCASTING:
                return math.prod(np.broadcast_shapes(*(shape(i) for i in self.present())))
            if op == "MatMul":
                a, b = shape(0), shape(1)
                a, b = (1, *a) if len(a) == 1 else a, (*b, 1) if len(b) == 1 else b
                return math.prod(np.broadcast_shapes(a[:-2], b[:-2])) * a[-2] * b[-1]
            if op == "Gemm":
                return shape(0)[1 if self.attr("transA", 0) else 0] * shape(1)[0 if self.attr("transB", 0) else 1]
            if op == "Pad":
                dims = list(shape(0))
                pads = ints(1) if self.has(1) else [int(p) for p in self.attr("pads", [])]
                axes = [a % len(dims) for a in ints(3)] if self.has(3) else list(range(len(dims)))
                for j, a in enumerate(axes):
                    dims[a] += pads[j] + pads[j + len(axes)]
                return math.prod(max(d, 0) for d in dims)
            if op == "Resize" and not self.has(4):
                dims = shape(0)
                if self.has(3):
                    return math.prod(max(d, 0) for d in ints(3))
                if self.has(2):
                    scales = np.asarray(self.value(2), np.float64).reshape(-1)
                    return math.prod(max(math.floor(d * float(f)), 0) for d, f in zip(dims, scales, strict=True))
                return None
            if op == "OneHot":
                return int(np.asarray(self.value(0)).size) * max(ints(1)[0], 0)
            if op == "ConstantOfShape":
                return math.prod(max(d, 0) for d in ints(0))
            if op == "Range":
                start, limit, delta = (float(np.asarray(self.value(i)).reshape(-1)[0]) for i in range(3))
                return max(0, math.ceil((limit - start) / delta)) if delta and math.isfinite(limit - start) else None
            if op == "Tile":
                return int(np.asarray(self.value(0)).size) * math.prod(max(r, 0) for r in ints(1))
            if op == "Expand":
                shape = np.asarray(self.value(0)).shape
                rank = max(len(shape), len(ints(1)))
                dims = [1] * (rank - len(shape)) + list(shape)
                wanted = [1] * (rank - len(ints(1))) + ints(1)
                return math.prod(max(d, w) for d, w in zip(dims, wanted, strict=True))
        except (TypeError, ValueError, IndexError, OverflowError, ZeroDivisionError):
            return None  # malformed: the reference evaluator reports it
        return None

    # ---- inputs

    @property
    def arity(self) -> int:
        return len(self.proto.input)

    def present(self) -> list[int]:
        """Indices of the inputs that are given (optional inputs may be left empty)."""
        return [i for i, name in enumerate(self.proto.input) if name]

    def has(self, index: int) -> bool:
        return index < len(self.proto.input) and bool(self.proto.input[index])

    def value(self, index: int) -> Value:
        return self.importer.values[self.proto.input[index]]

    def tensor(self, index: int) -> SSAValue:
        return self.importer.tensor(self.proto.input[index])

    def array(self, index: int) -> np.ndarray:
        """Input `index` as a constant; fails if it is computed from model inputs."""
        value = self.value(index)
        if not isinstance(value, np.ndarray):
            raise self.fail(
                f"input {index} ('{self.proto.input[index]}') must be a constant, but depends on model inputs"
            )
        return value

    def ints(self, index: int) -> list[int]:
        return [int(v) for v in self.array(index).reshape(-1)]

    def number(self, index: int) -> float:
        """A one-element constant input as a float."""
        array = self.array(index)
        if array.size != 1:
            raise self.fail(f"input {index} must have one element, got shape {list(array.shape)}")
        return float(array.reshape(-1)[0])

    def operand(self, index: int, like: SSAValue) -> SSAValue:
        """Input `index` as an operand of an elementwise op whose other operand is `like`.

        A constant takes `like`'s element type; a one-element constant that does not
        widen the result becomes a `graph.constant`.
        """
        value = self.value(index)
        if isinstance(value, SSAValue):
            return value
        assert isinstance(like.type, TensorType)
        if value.size == 1 and value.ndim <= len(shape_of(like.type)):
            return self.scalar(float(value.reshape(-1)[0]), like)
        dtype = element_dtype(like)
        return self.derived(index, "" if value.dtype == dtype else f".{dtype}", value.astype(dtype))

    def derived(self, index: int, suffix: str, array: np.ndarray) -> SSAValue:
        """A weight computed from constant input `index`, named after it plus `suffix`."""
        return self.importer.weight(self.proto.input[index] + suffix, array)

    def attr(self, name: str, default: Any = None) -> Any:
        return self.attrs.get(name, default)

    # ---- output

    def emit(self, op: Operation) -> SSAValue:
        """Append `op` to the function; its first result."""
        self.importer.block.add_op(op)
        return op.results[0]

    def scalar(self, number: float, like: SSAValue) -> SSAValue:
        """A `graph.constant` of `like`'s element type."""
        assert isinstance(like.type, TensorType)
        return self.emit(graph.ConstantOp(number, like.type.element_type))


def element_dtype(value: SSAValue) -> np.dtype:
    assert isinstance(value.type, TensorType)
    return numpy_dtype(value.type.element_type)


def rank(value: SSAValue) -> int:
    return len(shape_of(value.type))


# --------------------------------------------------------------------------- converters

Converter = Callable[[NodeImport], Value | tuple[Value, ...]]
CONVERTERS: dict[str, Converter] = {}
"""ONNX op type -> the function that imports a node of that type (default domain)."""


def converter(*op_types: str) -> Callable[[Converter], Converter]:
    """Register a function as the converter of the given ONNX op types."""

    def register(fn: Converter) -> Converter:
        for op_type in op_types:
            CONVERTERS[op_type] = fn
        return fn

    return register


UNARY: Mapping[str, type[graph.UnaryOp]] = {
    "Relu": graph.ReluOp,
    "Sigmoid": graph.SigmoidOp,
    "Tanh": graph.TanhOp,
    "Erf": graph.ErfOp,
    "Sqrt": graph.SqrtOp,
    "Reciprocal": graph.ReciprocalOp,
    "Exp": graph.ExpOp,
    "Log": graph.LogOp,
    "Neg": graph.NegOp,
    "Abs": graph.AbsOp,
    "HardSwish": graph.HardSwishOp,
    "Softplus": graph.SoftplusOp,
    "Sign": graph.SignOp,
}

ELEMENTWISE: Mapping[str, type[graph.BinaryOp]] = {
    "Add": graph.AddOp,
    "Sub": graph.SubOp,
    "Mul": graph.MulOp,
    "Div": graph.DivOp,
    "Pow": graph.PowOp,
    "Max": graph.MaxOp,
    "Min": graph.MinOp,
    "Sum": graph.AddOp,
}


@converter(*UNARY)
def unary(n: NodeImport) -> Value:
    """Relu, Sigmoid, ... : the graph op of the same name."""
    return n.emit(UNARY[n.proto.op_type](n.tensor(0)))


@converter(*ELEMENTWISE)
def elementwise(n: NodeImport) -> Value:
    """Add, Sub, Mul, Div, Pow (binary) and Max, Min, Sum (variadic, folded left), with broadcasting."""
    op = ELEMENTWISE[n.proto.op_type]
    like = next(v for v in map(n.value, range(n.arity)) if isinstance(v, SSAValue))
    operands = [n.operand(i, like) for i in range(n.arity)]
    result = operands[0]
    for rhs in operands[1:]:
        result = n.emit(op(result, rhs))
    return result


@converter("Identity")
def identity(n: NodeImport) -> Value:
    return n.value(0)


@converter("Dropout")
def dropout(n: NodeImport) -> Value:
    """The input itself: inference only (training_mode must be off; the mask output is not supported)."""
    if n.has(2) and n.array(2).any():
        raise n.fail("training_mode=true is not supported")
    return n.value(0)


@converter("Cast")
def cast(n: NodeImport) -> Value:
    """Identity when the tensor already has the target type (other casts fold, or are unsupported)."""

    x = n.tensor(0)
    target = onnx_dtype(n.attr("to"), "its 'to' attribute", n.fail)
    if target != element_dtype(x):
        raise n.fail(f"casting a computed tensor from {element_dtype(x)} to {target} is not supported")
    return x


@converter("Shape")
def shape(n: NodeImport) -> Value:
    """The static shape (dims start:end) as an int64 constant."""
    dims = shape_of(n.tensor(0).type)
    return np.array(dims[n.attr("start", 0) : n.attr("end", None)], dtype=np.int64)


@converter("Size")
def size(n: NodeImport) -> Value:
    """The static element count as an int64 constant."""
    return np.array(math.prod(shape_of(n.tensor(0).type)), dtype=np.int64)


@converter("Gelu")
def gelu(n: NodeImport) -> Value:
    """graph.gelu (exact form; the tanh approximation is not supported)."""
    if n.attr("approximate", "none") != "none":
        raise n.fail(f"approximate='{n.attr('approximate')}' is not supported (only 'none')")
    return n.emit(graph.GeluOp(n.tensor(0)))


@converter("LeakyRelu")
def leaky_relu(n: NodeImport) -> Value:
    return n.emit(graph.LeakyReluOp(n.tensor(0), n.attr("alpha", 0.01)))


@converter("HardSigmoid")
def hard_sigmoid(n: NodeImport) -> Value:
    """graph.hardsigmoid for alpha = 1/6, beta = 0.5; else clip(alpha * x + beta, 0, 1)."""
    x, alpha, beta = n.tensor(0), n.attr("alpha", 0.2), n.attr("beta", 0.5)
    if math.isclose(alpha, 1 / 6, rel_tol=1e-6) and beta == 0.5:
        return n.emit(graph.HardSigmoidOp(x))
    scaled = n.emit(graph.MulOp(x, n.scalar(alpha, x)))
    return n.emit(graph.ClipOp(n.emit(graph.AddOp(scaled, n.scalar(beta, x))), 0.0, 1.0))


@converter("Clip")
def clip(n: NodeImport) -> Value:
    """graph.relu for [0, inf), graph.relu6 for [0, 6], else graph.clip (constant bounds; a missing one is the type's limit)."""
    x = n.tensor(0)
    low = n.number(1) if n.has(1) else None
    high = n.number(2) if n.has(2) else None
    if low == 0 and high is None:
        return n.emit(graph.ReluOp(x))
    if low == 0 and high == 6:
        return n.emit(graph.Relu6Op(x))
    dtype = element_dtype(x)
    limits = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
    return n.emit(graph.ClipOp(x, limits.min if low is None else low, limits.max if high is None else high))


@converter("Softmax")
def softmax(n: NodeImport) -> Value:
    return n.emit(graph.SoftmaxOp(n.tensor(0), n.attr("axis", -1)))


@converter("LogSoftmax")
def log_softmax(n: NodeImport) -> Value:
    """graph.log_softmax along `axis` (opset 13 semantics; older models are converted to them first)."""
    return n.emit(graph.LogSoftmaxOp(n.tensor(0), n.attr("axis", -1)))


@converter("Elu")
def elu(n: NodeImport) -> Value:
    return n.emit(graph.EluOp(n.tensor(0), n.attr("alpha", 1.0)))


@converter("Selu")
def selu(n: NodeImport) -> Value:
    return n.emit(graph.SeluOp(n.tensor(0), n.attr("alpha", graph.SELU_ALPHA), n.attr("gamma", graph.SELU_GAMMA)))


@converter("Shrink")
def shrink(n: NodeImport) -> Value:
    return n.emit(graph.ShrinkOp(n.tensor(0), n.attr("bias", 0.0), n.attr("lambd", 0.5)))


@converter("PRelu")
def prelu(n: NodeImport) -> Value:
    """graph.prelu; the slope (a constant becomes a weight of the input's type) broadcasts to the input.

    Before opset 7 a 1-D slope runs along the channel axis (the opset conversion keeps that form).
    """
    x = n.tensor(0)
    slope = n.value(1)
    if isinstance(slope, np.ndarray) and n.importer.source_opset < 7 and slope.ndim == 1 and rank(x) >= 2:
        slope = slope.reshape((-1,) + (1,) * (rank(x) - 2))
        dtype = element_dtype(x)
        return n.emit(graph.PReluOp(x, n.derived(1, ".channels", slope.astype(dtype))))
    if isinstance(slope, np.ndarray):
        dtype = element_dtype(x)
        slope = n.derived(1, "" if slope.dtype == dtype else f".{dtype}", slope.astype(dtype))
    return n.emit(graph.PReluOp(x, slope))


@converter("InstanceNormalization")
def instance_normalization(n: NodeImport) -> Value:
    """graph.instance_norm: scale and bias per channel, statistics over the spatial axes."""
    return n.emit(graph.InstanceNormOp(n.tensor(0), n.tensor(1), n.tensor(2), n.attr("epsilon", 1e-5)))


@converter("Expand")
def expand(n: NodeImport) -> Value:
    """graph.expand to the (bidirectional) broadcast of the input shape and the constant `shape` input."""
    x, target = n.tensor(0), n.ints(1)
    out = graph.broadcast("Expand", shape_of(x.type), tuple(target))
    return x if out == shape_of(x.type) else n.emit(graph.ExpandOp(x, out))


@converter("Tile")
def tile(n: NodeImport) -> Value:
    """graph.tile with constant `repeats`."""
    x, repeats = n.tensor(0), n.ints(1)
    return n.emit(graph.TileOp(x, repeats)) if any(r != 1 for r in repeats) else x


REDUCTIONS: Mapping[str, type[graph.ReduceOp]] = {
    "ReduceSum": graph.ReduceSumOp,
    "ReduceMean": graph.ReduceMeanOp,
    "ReduceMax": graph.ReduceMaxOp,
    "ReduceProd": graph.ReduceProdOp,
}


@converter(*REDUCTIONS)
def reduce(n: NodeImport) -> Value:
    """Reductions with axes as an input (opset 13/18) or attribute; no axes = all (or none if noop_with_empty_axes)."""
    x = n.tensor(0)
    axes = n.ints(1) if n.has(1) else n.attr("axes", [])
    if not axes:
        if n.attr("noop_with_empty_axes", 0):
            return x
        axes = list(range(rank(x)))
    return n.emit(REDUCTIONS[n.proto.op_type](x, axes, bool(n.attr("keepdims", 1))))


# ---- layers


def window_pads(
    n: NodeImport, sizes: Sequence[int], kernel: Sequence[int], strides: Sequence[int], dilations: Sequence[int]
) -> list[int]:
    """[x1_begin, ..., x1_end, ...] from `pads` or `auto_pad` (SAME_UPPER / SAME_LOWER / VALID)."""
    if any(s < 1 for s in strides) or any(d < 1 for d in dilations) or any(k < 1 for k in kernel):
        raise n.fail(f"strides {list(strides)}, dilations {list(dilations)} and kernel {list(kernel)} must be positive")
    auto_pad = n.attr("auto_pad", "NOTSET")
    if auto_pad == "NOTSET":
        return list(n.attr("pads", [0] * 2 * len(sizes)))
    if auto_pad == "VALID":
        return [0] * 2 * len(sizes)
    if auto_pad not in ("SAME_UPPER", "SAME_LOWER"):
        raise n.fail(f"auto_pad '{auto_pad}' is not supported")
    totals = [
        max(0, (-(-size // s) - 1) * s + (k - 1) * d + 1 - size)
        for size, k, s, d in zip(sizes, kernel, strides, dilations, strict=False)
    ]
    begins = [t // 2 if auto_pad == "SAME_UPPER" else t - t // 2 for t in totals]
    return begins + [t - b for t, b in zip(totals, begins, strict=False)]


def spatial(n: NodeImport, x: SSAValue) -> Sequence[int]:
    """The spatial lengths of [N, C, *spatial] `x`: 1 to 3 of them (NCL, NCHW, NCDHW)."""
    xs = shape_of(x.type)
    if not 1 <= len(xs) - 2 <= graph.MAX_SPATIAL_RANK:
        raise n.fail(f"only 1-D, 2-D and 3-D (NCL, NCHW, NCDHW) inputs are supported, got shape {list(xs)}")
    return xs[2:]


def per_axis(n: NodeImport, name: str, rank: int, default: int = 1) -> list[int]:
    """Attribute `name` with one value per spatial axis (`default` on each if absent)."""
    values = list(n.attr(name, [default] * rank))
    if len(values) != rank:
        raise n.fail(f"{name} {values} must have one value per spatial axis ({rank})")
    return values


@converter("Conv")
def conv(n: NodeImport) -> Value:
    """graph.conv2d over 1-3 spatial axes: strides, pads or auto_pad, dilations, group, optional bias."""
    x, w = n.tensor(0), n.tensor(1)
    sizes = spatial(n, x)
    kernel = shape_of(w.type)[2:]
    strides, dilations = per_axis(n, "strides", len(sizes)), per_axis(n, "dilations", len(sizes))
    pads = window_pads(n, sizes, kernel, strides, dilations)
    bias = n.tensor(2) if n.has(2) else None
    return n.emit(graph.Conv2DOp(x, w, bias, strides, pads, dilations, n.attr("group", 1)))


@converter("MaxPool", "AveragePool")
def pool(n: NodeImport) -> Value:
    """graph.maxpool / graph.avgpool over 1-3 spatial axes: pads or auto_pad, strides, dilations, ceil_mode,
    count_include_pad (AveragePool); MaxPool's Indices output is not supported."""
    x = n.tensor(0)
    sizes = spatial(n, x)
    r = len(sizes)
    kernel = per_axis(n, "kernel_shape", r, 0)
    strides, dilations = per_axis(n, "strides", r), per_axis(n, "dilations", r)
    pads = window_pads(n, sizes, kernel, strides, dilations)
    ceil_mode = bool(n.attr("ceil_mode", 0))
    if n.proto.op_type == "MaxPool":
        return n.emit(graph.MaxPoolOp(x, kernel, strides, pads, dilations, ceil_mode))
    include = bool(n.attr("count_include_pad", 0))
    return n.emit(graph.AvgPoolOp(x, kernel, strides, pads, dilations, ceil_mode, include))


@converter("ConvTranspose")
def conv_transpose(n: NodeImport) -> Value:
    """graph.conv_transpose over 1-3 spatial axes: strides, dilations, group, output_padding, optional bias, and
    pads, auto_pad or output_shape.

    Given an output_shape (or SAME_UPPER / SAME_LOWER, whose output is input * stride), the padding is
    total = stride * (in - 1) + output_padding + (kernel - 1) * dilation + 1 - out per axis, split as the
    operator's equations say: SAME_UPPER puts total // 2 at the beginning, every other auto_pad the rest.
    An output_shape larger than the kernels reach (a negative total) is not supported.
    """
    x, w = n.tensor(0), n.tensor(1)
    sizes = spatial(n, x)
    r = len(sizes)
    kernel = shape_of(w.type)[2:]
    strides, dilations = per_axis(n, "strides", r), per_axis(n, "dilations", r)
    extra = per_axis(n, "output_padding", r, 0)
    auto_pad = n.attr("auto_pad", "NOTSET")
    if auto_pad not in ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"):
        raise n.fail(f"auto_pad '{auto_pad}' is not supported")
    out = n.attr("output_shape")
    if out is not None:
        out = list(out)[-r:]
    elif auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        out = [size * s for size, s in zip(sizes, strides, strict=True)]
    if out is None:
        pads = [0] * 2 * r if auto_pad == "VALID" else per_axis(n, "pads", 2 * r, 0)
    else:
        if len(out) != r:
            raise n.fail(f"output_shape {list(n.attr('output_shape'))} must give the {r} spatial lengths")
        begins, ends = [], []
        for a in range(r):
            total = strides[a] * (sizes[a] - 1) + extra[a] + (kernel[a] - 1) * dilations[a] + 1 - out[a]
            if total < 0:
                raise n.fail(f"output_shape {list(out)} is larger than the kernels reach on axis {a + 2}")
            begin = total // 2 if auto_pad == "SAME_UPPER" else total - total // 2
            begins.append(begin)
            ends.append(total - begin)
        pads = begins + ends
    bias = n.tensor(2) if n.has(2) else None
    return n.emit(graph.ConvTransposeOp(x, w, bias, strides, pads, dilations, extra, n.attr("group", 1)))


@converter("LRN")
def lrn(n: NodeImport) -> Value:
    """graph.lrn: size, alpha, beta, bias."""
    return n.emit(
        graph.LRNOp(n.tensor(0), n.attr("size"), n.attr("alpha", 1e-4), n.attr("beta", 0.75), n.attr("bias", 1.0))
    )


@converter("GlobalAveragePool")
def global_average_pool(n: NodeImport) -> Value:
    """graph.global_avgpool on NCHW, else a mean over every axis after the channels."""
    x = n.tensor(0)
    if rank(x) == 4:
        return n.emit(graph.GlobalAvgPoolOp(x))
    return n.emit(graph.ReduceMeanOp(x, range(2, rank(x)), True))


@converter("GlobalMaxPool")
def global_max_pool(n: NodeImport) -> Value:
    """A max over every axis after the channels."""
    x = n.tensor(0)
    return n.emit(graph.ReduceMaxOp(x, range(2, rank(x)), True))


@converter("BatchNormalization")
def batch_normalization(n: NodeImport) -> Value:
    """graph.batchnorm (inference only: training_mode = 0)."""
    if n.attr("training_mode", 0):
        raise n.fail("training_mode=1 is not supported")
    x, scale, bias, mean, var = (n.tensor(i) for i in range(5))
    return n.emit(graph.BatchNormOp(x, scale, bias, mean, var, n.attr("epsilon", 1e-5)))


@converter("LayerNormalization")
def layer_normalization(n: NodeImport) -> Value:
    """graph.layernorm over the last axis (a missing bias becomes a zero weight)."""
    x = n.tensor(0)
    if n.attr("axis", -1) not in (-1, rank(x) - 1):
        raise n.fail(f"normalising from axis {n.attr('axis')} is not supported (only the last axis)")
    scale = n.tensor(1)
    if n.has(2):
        bias = n.tensor(2)
    else:
        bias = n.derived(1, ".zero_bias", np.zeros(shape_of(scale.type), element_dtype(scale)))
    return n.emit(graph.LayerNormOp(x, scale, bias, n.attr("epsilon", 1e-5)))


@converter("MatMul")
def matmul(n: NodeImport) -> Value:
    """graph.dense when the right operand is a constant matrix (weight [in, out] transposed), else graph.matmul."""
    b = n.value(1)
    if isinstance(b, np.ndarray) and b.ndim == 2:
        return n.emit(graph.DenseOp(n.tensor(0), n.derived(1, ".T", b.T)))
    return n.emit(graph.MatMulOp(n.tensor(0), n.tensor(1)))


@converter("Gemm")
def gemm(n: NodeImport) -> Value:
    """alpha * A' @ B' + beta * C: graph.dense for a constant B and untransposed A, else matmul, mul and add."""
    alpha, beta = n.attr("alpha", 1.0), n.attr("beta", 1.0)
    trans_a, trans_b = n.attr("transA", 0), n.attr("transB", 0)
    b, c = n.value(1), n.value(2) if n.has(2) else None
    if isinstance(b, np.ndarray) and not trans_a:
        weight = b if trans_b else b.T
        suffix = ("" if trans_b else ".T") + ("" if alpha == 1 else f"*{alpha:g}")
        w = n.derived(1, suffix, weight if alpha == 1 else (weight * alpha).astype(weight.dtype))
        bias = gemm_bias(n, c, beta, weight.shape[0])
        y = n.emit(graph.DenseOp(n.tensor(0), w, bias))
        return y if bias is not None or c is None else add_scaled(n, y, beta)
    a = n.tensor(0)
    a = n.emit(graph.TransposeOp(a, [1, 0])) if trans_a else a
    bt = n.emit(graph.TransposeOp(n.tensor(1), [1, 0])) if trans_b else n.tensor(1)
    y = n.emit(graph.MatMulOp(a, bt))
    y = y if alpha == 1 else n.emit(graph.MulOp(y, n.scalar(alpha, y)))
    return y if c is None else add_scaled(n, y, beta)


def gemm_bias(n: NodeImport, c: Value | None, beta: float, out: int) -> SSAValue | None:
    """Gemm's C as a dense bias [out], when it is a constant that broadcasts along rows."""
    if (
        not isinstance(c, np.ndarray)
        or c.ndim > 2
        or (c.ndim == 2 and c.shape[0] != 1)
        or c.shape[-1:] not in ((out,), (1,), ())
    ):
        return None
    bias = np.broadcast_to(c.reshape(-1), (out,)) * np.asarray(beta, c.dtype)
    return n.derived(2, "" if beta == 1 and c.shape == (out,) else ".bias", bias.astype(c.dtype))


def add_scaled(n: NodeImport, y: SSAValue, beta: float) -> SSAValue:
    """y + beta * C (Gemm input 2)."""
    c = n.operand(2, y)
    c = c if beta == 1 else n.emit(graph.MulOp(c, n.scalar(beta, c)))
    return n.emit(graph.AddOp(y, c))


@converter("Gather")
def gather(n: NodeImport) -> Value:
    """graph.embedding for a constant table on axis 0; a slice for one constant index into a tensor."""
    data, axis = n.value(0), n.attr("axis", 0)
    if isinstance(data, np.ndarray):
        if axis != 0 or data.ndim != 2:
            raise n.fail("only lookups in a constant 2-D table along axis 0 are supported")
        return n.emit(graph.EmbeddingOp(n.tensor(1), n.tensor(0)))
    indices = n.array(1)
    if indices.size != 1 or indices.ndim > 1:
        raise n.fail("gathering from a computed tensor is supported for one scalar index only")
    axis = graph.normalize_axis("Gather", axis, rank(data))
    index, size = int(indices.reshape(-1)[0]), shape_of(data.type)[axis]
    if not -size <= index < size:
        raise n.fail(f"index {index} is out of range for axis {axis} of size {size}")
    index %= size
    y = n.emit(graph.SliceOp(data, [index], [index + 1], [axis]))
    return y if indices.ndim == 1 else n.emit(graph.SqueezeOp(y, [axis]))


# ---- shape


@converter("Reshape")
def reshape(n: NodeImport) -> Value:
    """graph.reshape with a constant shape: 0 copies the input dimension, -1 is inferred."""
    x, target = n.tensor(0), n.ints(1)
    if n.attr("allowzero", 0) and 0 in target:
        raise n.fail("allowzero=1 with a 0 in the shape (an empty tensor) is not supported")
    dims = [shape_of(x.type)[i] if d == 0 else d for i, d in enumerate(target)]
    return n.emit(graph.ReshapeOp(x, dims))


@converter("Flatten")
def flatten(n: NodeImport) -> Value:
    """graph.flatten; a negative axis counts from the back (-1 = rank - 1)."""
    x, axis = n.tensor(0), n.attr("axis", 1)
    return n.emit(graph.FlattenOp(x, axis + rank(x) if axis < 0 else axis))


@converter("Transpose")
def transpose(n: NodeImport) -> Value:
    """graph.transpose; no perm reverses the axes."""
    x = n.tensor(0)
    return n.emit(graph.TransposeOp(x, n.attr("perm", list(range(rank(x)))[::-1])))


@converter("Squeeze")
def squeeze(n: NodeImport) -> Value:
    """graph.squeeze; no axes removes every size-1 axis."""
    x = n.tensor(0)
    axes = n.ints(1) if n.has(1) else [i for i, d in enumerate(shape_of(x.type)) if d == 1]
    return n.emit(graph.SqueezeOp(x, axes)) if axes else x


@converter("Unsqueeze")
def unsqueeze(n: NodeImport) -> Value:
    return n.emit(graph.UnsqueezeOp(n.tensor(0), n.ints(1)))


@converter("Concat")
def concat(n: NodeImport) -> Value:
    return n.emit(graph.ConcatOp([n.tensor(i) for i in range(n.arity)], n.attr("axis")))


@converter("Split")
def split(n: NodeImport) -> tuple[Value, ...]:
    """graph.split: sizes from the `split` input, else equal parts (the last smaller, opset 18)."""
    x, axis = n.tensor(0), n.attr("axis", 0)
    if n.has(1):
        sizes = n.ints(1)
    else:
        parts = n.attr("num_outputs", len(n.proto.output))
        dim = shape_of(x.type)[graph.normalize_axis("Split", axis, rank(x))]
        chunk = -(-dim // parts)
        sizes = [chunk] * (parts - 1) + [dim - chunk * (parts - 1)]
    op = graph.SplitOp(x, sizes, axis)
    n.emit(op)
    return tuple(op.results)


@converter("Slice")
def slice_(n: NodeImport) -> Value:
    """graph.slice with constant starts, ends, axes; steps must be 1."""
    starts, ends = n.ints(1), n.ints(2)
    axes = n.ints(3) if n.has(3) else list(range(len(starts)))
    if n.has(4) and any(s != 1 for s in n.ints(4)):
        raise n.fail(f"only step 1 is supported, got steps {n.ints(4)}")
    return n.emit(graph.SliceOp(n.tensor(0), starts, ends, axes))


def full_rank(values: Sequence[Any], axes: Iterable[int], fill: Sequence[Any]) -> list[Any]:
    """`fill` with `values` put at `axes` (the `axes` input of Pad and attribute of Resize)."""
    out = list(fill)
    for axis, value in zip(axes, values, strict=False):
        out[axis] = value
    return out


@converter("Pad")
def pad(n: NodeImport) -> Value:
    """graph.pad in constant, reflect, edge or wrap mode, with constant pads (and optional axes and value)."""
    mode = n.attr("mode", "constant")
    if mode not in graph.PAD_MODES:
        raise n.fail(f"mode '{mode}' is not supported (only {', '.join(graph.PAD_MODES)})")
    x = n.tensor(0)
    r = rank(x)
    pads = n.ints(1)
    if n.has(3):
        axes = [graph.normalize_axis("Pad", a, r) for a in n.ints(3)]
        pads = full_rank(pads[: len(axes)], axes, [0] * r) + full_rank(pads[len(axes) :], axes, [0] * r)
    if len(pads) != 2 * r:
        raise n.fail(f"needs {2 * r} pads for an input of rank {r}, got {len(pads)}")
    if min(pads, default=0) < 0:
        raise n.fail(f"negative pads {pads} (cropping) are not supported")
    value = n.number(2) if n.has(2) and mode == "constant" else 0.0
    return n.emit(graph.PadOp(x, pads, value, mode)) if any(pads) else x


# The source index of output index i along one axis, as ONNX Resize computes it.
COORDINATES: Mapping[str, Callable[[np.ndarray, float, int, int], np.ndarray]] = {
    "half_pixel": lambda i, s, n_in, n_out: (i + 0.5) / s - 0.5,
    "pytorch_half_pixel": lambda i, s, n_in, n_out: (i + 0.5) / s - 0.5 if n_out > 1 else 0 * i,
    "asymmetric": lambda i, s, n_in, n_out: i / s,
    "tf_half_pixel_for_nn": lambda i, s, n_in, n_out: (i + 0.5) / s,
    "align_corners": lambda i, s, n_in, n_out: i * (n_in - 1) / (n_out - 1) if n_out > 1 else 0 * i,
}
ROUNDING: Mapping[str, Callable[[np.ndarray], np.ndarray]] = {
    "round_prefer_floor": lambda c: np.ceil(c - 0.5),
    "round_prefer_ceil": lambda c: np.floor(c + 0.5),
    "floor": np.floor,
    "ceil": np.ceil,
}


@converter("Resize")
def resize(n: NodeImport) -> Value:
    """graph.upsample when nearest resizing repeats each pixel of H and W an integer number of times, else
    graph.resize: nearest (every nearest_mode), linear and cubic (cubic_coeff_a, exclude_outside) with every
    coordinate_transformation_mode (tf_crop_and_resize with roi and extrapolation_value), scales or sizes,
    axes and keep_aspect_ratio_policy (opset 18); antialias is not supported."""
    x = n.tensor(0)
    xs = shape_of(x.type)
    r = len(xs)
    mode = n.attr("mode", "nearest")
    if n.attr("antialias", 0):
        raise n.fail("antialias=1 is not supported")
    axes = [graph.normalize_axis("Resize", a, r) for a in n.attr("axes", range(r))]
    roi_given = n.array(1).astype(np.float64).reshape(-1) if n.has(1) and n.array(1).size else None
    scales = n.array(2).astype(np.float64).reshape(-1) if n.has(2) and n.array(2).size else None
    if n.has(3) and n.array(3).size:
        wanted = n.ints(3)
        if len(wanted) != len(axes):
            raise n.fail(f"sizes {wanted} must have one value per resized axis ({len(axes)})")
        scales_full = full_rank([o / xs[a] for o, a in zip(wanted, axes, strict=True)], axes, [1.0] * r)
        out = full_rank(wanted, axes, xs)
        policy = n.attr("keep_aspect_ratio_policy", "stretch")
        if policy != "stretch":
            if policy not in ("not_larger", "not_smaller"):
                raise n.fail(f"keep_aspect_ratio_policy '{policy}' is not supported")
            pick = min if policy == "not_larger" else max
            scale = pick(scales_full[a] for a in axes)
            scales_full = [scale if a in axes else 1.0 for a in range(r)]
            out = [int(scale * xs[a] + 0.5) if a in axes else xs[a] for a in range(r)]
    elif scales is not None:
        if not all(math.isfinite(v) and v > 0 for v in scales):
            raise n.fail(f"scales must be positive finite numbers, got {[float(v) for v in scales]}")
        if len(scales) != len(axes):
            raise n.fail(f"scales {[float(v) for v in scales]} must have one value per resized axis ({len(axes)})")
        scales_full = full_rank(list(scales), axes, [1.0] * r)
        out = [int(math.floor(d * s)) for d, s in zip(xs, scales_full, strict=True)]
    else:
        raise n.fail("needs scales or sizes")
    if min(out, default=1) < 1:
        raise n.fail(f"the output shape {list(out)} is empty")
    coordinates = n.attr("coordinate_transformation_mode", "half_pixel")
    rounding = n.attr("nearest_mode", "round_prefer_floor")
    if mode == "nearest" and upsample_factor(xs, out, coordinates, rounding, scales_full):
        return n.emit(graph.UpsampleOp(x, out[-1] // xs[-1]))
    roi: list[float] = []
    if coordinates == "tf_crop_and_resize":
        if roi_given is None or len(roi_given) != 2 * len(axes):
            raise n.fail(f"tf_crop_and_resize needs a roi of {2 * len(axes)} values")
        k = len(axes)
        roi = full_rank(list(roi_given[:k]), axes, [0.0] * r) + full_rank(list(roi_given[k:]), axes, [1.0] * r)
    op = graph.ResizeOp(
        x,
        out,
        scales_full,
        mode,
        coordinates,
        rounding,
        n.attr("cubic_coeff_a", -0.75),
        bool(n.attr("exclude_outside", 0)),
        n.attr("extrapolation_value", 0.0),
        roi,
    )
    return n.emit(op)


def upsample_factor(
    xs: Sequence[int], out: Sequence[int], coordinates: str, rounding: str, scales: Sequence[float]
) -> int:
    """The integer factor by which nearest resizing repeats each pixel of H and W of NCHW input, else 0.

    Checked by mapping every output coordinate, so only for outputs of at most
    `MAX_FOLDED_ELEMENTS` cells per axis (a larger one stays a general resize).
    """
    factor = out[-1] // xs[-1] if len(xs) == 4 and xs[-1] else 0
    if len(xs) != 4 or factor < 1 or list(out) != [xs[0], xs[1], xs[2] * factor, xs[3] * factor]:
        return 0
    if max(out[2:]) > MAX_FOLDED_ELEMENTS:
        return 0
    if coordinates not in COORDINATES or rounding not in ROUNDING:
        return 0
    for size, s in zip(xs[2:], scales[2:], strict=False):
        i = np.arange(size * factor, dtype=np.float64)
        source = np.clip(ROUNDING[rounding](COORDINATES[coordinates](i, s, size, size * factor)), 0, size - 1)
        if not np.array_equal(source, i // factor):
            return 0
    return factor


@converter("DepthToSpace")
def depth_to_space(n: NodeImport) -> Value:
    """graph.depth_to_space (DCR); CRD mode as reshape, transpose, reshape."""
    x, block, mode = n.tensor(0), n.attr("blocksize"), n.attr("mode", "DCR")
    if not isinstance(block, int) or block < 1:
        raise n.fail(f"blocksize must be a positive integer, got {block}")
    if mode == "DCR":
        return n.emit(graph.DepthToSpaceOp(x, block))
    if mode != "CRD":
        raise n.fail(f"mode '{mode}' is not supported")
    batch, channels, h, w = shape_of(x.type)
    c = channels // (block * block)
    y = n.emit(graph.ReshapeOp(x, [batch, c, block, block, h, w]))
    y = n.emit(graph.TransposeOp(y, [0, 1, 4, 2, 5, 3]))
    return n.emit(graph.ReshapeOp(y, [batch, c, h * block, w * block]))
