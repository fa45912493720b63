"""Speed of the graph-level reference interpreter against ONNX Runtime (single-threaded).

    python benchmarks/interp_speed.py [examples/resnet50.dlm] [--repeat 5] [--fold-batchnorm] [--json FILE]

Compiles the model to graph IR, exports the same graph (same weights) to ONNX,
and reports the median wall and CPU time of the interpreter (`dlfc.hw.reference.GraphFunctions`)
and of an onnxruntime session with one intra-op thread, plus where the interpreter's time
goes per op kind, as tables and as JSON (default benchmarks/interp_speed.json). On a
busy machine the CPU-time ratio is the steadier one. The export covers the ops of the CNN examples (conv, batchnorm,
relu, add, pooling, flatten, dense, softmax). With --fold-batchnorm, both run the
graph after `graph-fold-batchnorm` (onnxruntime fuses conv + batchnorm itself).

Both sides run on one thread: numpy's BLAS is limited to one unless
OPENBLAS_NUM_THREADS says otherwise (on a busy 2-core machine a multi-threaded
BLAS also waits for descheduled threads, which makes timings meaningless).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is imported

import argparse
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.interpreter import Interpreter
from xdsl.ir import Operation, SSAValue

from dlfc.compiler.context import make_context
from dlfc.compiler.frontend import load_dlm
from dlfc.compiler.transforms.graph_fold_batchnorm import GraphFoldBatchNormPass
from dlfc.dialects import graph
from dlfc.dialects.graph import float_of, int_of, ints
from dlfc.hw.reference import FunctionCalls, GraphFunctions
from dlfc.hw.weights import WeightStore, numpy_dtype, store_of

Names = Callable[[SSAValue], str]


def onnx_node(op: Operation, name: Names) -> onnx.NodeProto:
    """The ONNX node computing graph op `op`."""
    ins, outs = [name(v) for v in op.operands], [name(r) for r in op.results]
    if isinstance(op, graph.Conv2DOp):
        attrs = dict(strides=ints(op.stride), pads=ints(op.pad), dilations=ints(op.dilation), group=int_of(op.groups))
        return helper.make_node("Conv", ins, outs, **attrs)
    if isinstance(op, graph.BatchNormOp):
        return helper.make_node("BatchNormalization", ins, outs, epsilon=float_of(op.eps))
    if isinstance(op, graph.MaxPoolOp | graph.AvgPoolOp):
        kind = "MaxPool" if isinstance(op, graph.MaxPoolOp) else "AveragePool"
        return helper.make_node(
            kind, ins, outs, kernel_shape=ints(op.kernel), strides=ints(op.stride), pads=ints(op.pad)
        )
    if isinstance(op, graph.DenseOp):
        return helper.make_node("Gemm", ins, outs, transB=1)
    if isinstance(op, graph.FlattenOp | graph.SoftmaxOp):
        return helper.make_node(op.name.removeprefix("graph.").capitalize(), ins, outs, axis=int_of(op.axis))
    simple = {graph.ReluOp: "Relu", graph.AddOp: "Add", graph.GlobalAvgPoolOp: "GlobalAveragePool"}
    if type(op) not in simple:
        raise NotImplementedError(f"no ONNX export for {op.name}")
    return helper.make_node(simple[type(op)], ins, outs)


def to_onnx(fn: func.FuncOp, store: WeightStore) -> onnx.ModelProto:
    """The ONNX model of a graph-level function, its weights as initialisers."""
    names: dict[SSAValue, str] = {}

    def name(v: SSAValue) -> str:
        return names.setdefault(v, f"v{len(names)}")

    nodes, initialisers = [], []
    for op in fn.body.block.ops:
        if isinstance(op, graph.WeightOp):
            value = store.get(op.weight_id, op.output.type, op.init.data)
            initialisers.append(numpy_helper.from_array(np.ascontiguousarray(value), name(op.output)))
        elif isinstance(op, func.ReturnOp):
            outputs = [helper.make_tensor_value_info(name(v), 1, v.type.get_shape()) for v in op.operands]
        else:
            nodes.append(onnx_node(op, name))
    inputs = [helper.make_tensor_value_info(name(a), 1, a.type.get_shape()) for a in fn.body.block.args]
    return helper.make_model(
        helper.make_graph(nodes, fn.sym_name.data, inputs, outputs, initialisers),
        opset_imports=[helper.make_opsetid("", 17)],
        ir_version=8,  # what the installed onnxruntime reads
    )


class OpTimer(Interpreter.Listener):
    """Wall time per op name."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.start = 0.0

    def will_interpret_op(self, op: Operation, args: tuple) -> None:
        self.start = time.perf_counter()

    def did_interpret_op(self, op: Operation, results: tuple) -> None:
        self.seconds[op.name] += time.perf_counter() - self.start


def median_seconds(runs: list[Callable[[], object]], repeat: int) -> list[tuple[float, float]]:
    """Median wall and CPU time of each run; the runs alternate, so that they see the same machine load."""
    times: list[list[tuple[float, float]]] = [[] for _ in runs]
    for _ in range(repeat):
        for run, samples in zip(runs, times, strict=False):
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            samples.append((time.perf_counter() - wall, time.process_time() - cpu))
    return [(statistics.median(w for w, _ in samples), statistics.median(c for _, c in samples)) for samples in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="examples/resnet50.dlm")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--fold-batchnorm", action="store_true", help="run graph-fold-batchnorm first")
    parser.add_argument("--json", type=Path, default=Path(__file__).with_name("interp_speed.json"))
    args = parser.parse_args()

    module: ModuleOp = load_dlm(args.model)
    if args.fold_batchnorm:
        GraphFoldBatchNormPass().apply(make_context(), module)
    (fn,) = [op for op in module.ops if isinstance(op, func.FuncOp)]
    store = store_of(module)
    rng = np.random.default_rng(0)
    inputs = []
    for t in fn.function_type.inputs.data:
        assert isinstance(t, TensorType)
        inputs.append(rng.standard_normal(t.get_shape()).astype(numpy_dtype(t.element_type)))

    timer = OpTimer()
    interpreter = Interpreter(module, listeners=(timer,))
    interpreter.register_implementations(FunctionCalls())
    interpreter.register_implementations(GraphFunctions(store))
    run_dlfc = partial(interpreter.call_op, fn.sym_name.data, tuple(inputs))

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(to_onnx(fn, store).SerializeToString(), options, providers=["CPUExecutionProvider"])
    feeds = {session.get_inputs()[k].name: a for k, a in enumerate(inputs)}
    run_ort = partial(session.run, None, feeds)

    (ours,), (theirs,) = run_dlfc(), run_ort()  # also the warm-up (weights, allocator)
    np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-5)
    timer.seconds.clear()
    (dlfc_wall, dlfc_cpu), (ort_wall, ort_cpu) = median_seconds([run_dlfc, run_ort], args.repeat)
    print(f"{args.model}{' (batch norms folded)' if args.fold_batchnorm else ''}, median of {args.repeat} runs")
    print(f"{'':24} {'wall ms':>9} {'CPU ms':>9}")
    print(f"{'dlfc reference':24} {dlfc_wall * 1e3:9.1f} {dlfc_cpu * 1e3:9.1f}")
    print(f"{'onnxruntime (1 thread)':24} {ort_wall * 1e3:9.1f} {ort_cpu * 1e3:9.1f}")
    print(f"{'ratio':24} {dlfc_wall / ort_wall:9.2f} {dlfc_cpu / ort_cpu:9.2f}")
    per_op = {name: seconds / args.repeat for name, seconds in sorted(timer.seconds.items(), key=lambda kv: -kv[1])}
    print(f"\n{'interpreter op':24} {'wall ms (mean)':>14}")
    for op_name, seconds in per_op.items():
        print(f"{op_name:24} {seconds * 1e3:14.2f}")
    report = {
        "model": args.model,
        "fold_batchnorm": args.fold_batchnorm,
        "repeat": args.repeat,
        "dlfc": {"wall_s": dlfc_wall, "cpu_s": dlfc_cpu},
        "onnxruntime": {"wall_s": ort_wall, "cpu_s": ort_cpu},
        "ratio": {"wall": dlfc_wall / ort_wall, "cpu": dlfc_cpu / ort_cpu},
        "per_op_wall_s": per_op,
    }
    args.json.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
