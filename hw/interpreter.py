"""The accelerator: executes a module on numpy inputs and models its time.

`AccelFunctions` gives xDSL's interpreter the semantics of `accel.kernel`
(and `fusion.group`, so fusion-level modules run too): a kernel runs its body
with the graph ops' reference numerics (`dlfc.hw.reference.GraphFunctions`) and
appends its modelled cost (`dlfc.hw.cost`) to a timeline. Graph compute ops outside
any kernel (a graph-level module) are timed as one-op kernels on one core,
which is the unoptimised baseline. Kernels run one after another, unless
`schedule-parallel` placed them on disjoint cores (`accel.core_offset`, `accel.start`).

A scheduled kernel (one with a `schedule.program`, see accel-schedule) runs
its program instead of its graph ops (`dlfc.hw.scheduled`), and its time on
the timeline is the simulated one (`dlfc.hw.simulator`); the cost model's
estimate stays beside it in `KernelRun.cost`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType, UnknownLoc
from xdsl.interpreter import (
    Interpreter,
    InterpreterFunctions,
    PythonValues,
    ReturnedValues,
    TerminatorValue,
    impl,
    impl_terminator,
    register_impls,
)
from xdsl.ir import Attribute, Operation

from dlfc.dialects import accel, fusion, graph, schedule
from dlfc.dialects.contract import contract_error
from dlfc.dialects.fusion import kernel_name
from dlfc.hw.cost import KernelCost, cost_model, group_cost, region_cores
from dlfc.hw.reference import FunctionCalls, GraphFunctions
from dlfc.hw.scheduled import run_scheduled_kernel
from dlfc.hw.simulator import Simulation, simulate
from dlfc.hw.target import Accelerator
from dlfc.hw.timeline import Timeline
from dlfc.hw.weights import WeightStore, numpy_dtype, store_of


@dataclass(frozen=True)
class KernelRun:
    """One kernel launch on the timeline: `start` and `end` in seconds from the start of the run.

    It runs on cores `first_core` .. `first_core + cores - 1`. `cost` is the
    cost model's estimate; `simulated`, for a scheduled kernel, the simulation
    of its program, which sets its place on the timeline.
    """

    name: str
    ops: int
    start: float
    end: float
    cost: KernelCost
    first_core: int = 0
    simulated: Simulation | None = None
    location: Attribute = field(default_factory=UnknownLoc)
    """The launched op's source location: a kernel's is the fused location of its body."""

    @property
    def cores(self) -> int:
        return self.cost.cores

    @property
    def bound(self) -> str:
        return self.cost.bound


@dataclass(frozen=True)
class Execution:
    """The outputs of one run and its timeline of kernels."""

    outputs: list[np.ndarray]
    timeline: list[KernelRun]

    @property
    def latency(self) -> float:
        """Modelled end-to-end latency in seconds."""
        return max((k.end for k in self.timeline), default=0.0)

    @property
    def flops(self) -> int:
        return sum(k.cost.flops for k in self.timeline)

    @property
    def dram_bytes(self) -> int:
        return sum(k.cost.dram_bytes for k in self.timeline)


@register_impls
class AccelFunctions(InterpreterFunctions):
    """Interpreter functions of `accel` and `fusion` region ops; keeps the timeline of the run."""

    def __init__(self, target: Accelerator):
        self.target = target
        self.timeline: list[KernelRun] = []
        self.schedule = Timeline(target.cores)

    def record(
        self, launch: Operation, name: str, ops: Sequence[Operation], cores: int, simulated: Simulation | None = None
    ) -> None:
        """Append a kernel of `ops` on `cores` cores to the timeline, placed as its schedule attributes say.

        Without `accel.core_offset` (see schedule-parallel) a kernel takes the whole chip, right after the previous one.
        It lasts its simulated time if it has one, else the cost model's estimate.
        """
        cost = group_cost(ops, cores, self.target)
        slot = self.schedule.place(launch, simulated.latency if simulated is not None else cost.latency)
        count = sum(1 for op in ops if isinstance(op, graph.GraphOp))
        self.timeline.append(
            KernelRun(name, count, slot.start, slot.end, cost, slot.offset, simulated, launch.location)
        )

    def run_region_op(
        self, interpreter: Interpreter, op: accel.KernelOp | fusion.GroupOp, args: PythonValues
    ) -> PythonValues:
        results = interpreter.run_ssacfg_region(op.body, args, op.sym_name.data)
        self.record(op, op.sym_name.data, list(op.body.block.ops), region_cores(op))
        return results

    @impl(accel.KernelOp)
    def run_kernel(self, interpreter: Interpreter, op: accel.KernelOp, args: PythonValues) -> PythonValues:
        if schedule.program_of(op) is None:
            return self.run_region_op(interpreter, op, args)
        results = run_scheduled_kernel(interpreter, op, args)
        simulated = simulate(op, cost_model(self.target))
        self.record(op, op.sym_name.data, list(op.body.block.ops), op.core_count, simulated)
        return results

    @impl(fusion.GroupOp)
    def run_group(self, interpreter: Interpreter, op: fusion.GroupOp, args: PythonValues) -> PythonValues:
        return self.run_region_op(interpreter, op, args)

    @impl_terminator(accel.YieldOp)
    def run_kernel_yield(
        self, interpreter: Interpreter, op: accel.YieldOp, args: PythonValues
    ) -> tuple[TerminatorValue, PythonValues]:
        return ReturnedValues(args), ()

    @impl_terminator(fusion.YieldOp)
    def run_group_yield(
        self, interpreter: Interpreter, op: fusion.YieldOp, args: PythonValues
    ) -> tuple[TerminatorValue, PythonValues]:
        return ReturnedValues(args), ()


class FreeOpTimer(Interpreter.Listener):
    """Times each graph compute op run outside any kernel as a one-op kernel on one core."""

    def __init__(self, functions: AccelFunctions):
        self.functions = functions

    def did_interpret_op(self, op: Operation, results: PythonValues) -> None:
        if isinstance(op, graph.GraphOp) and isinstance(op.parent_op(), func.FuncOp):
            self.functions.record(op, kernel_name(len(self.functions.timeline), [op]), [op], 1)


def entry_function(module: ModuleOp) -> func.FuncOp:
    """The single `func.func` of a dlfc module."""
    funcs = [op for op in module.ops if isinstance(op, func.FuncOp)]
    if len(funcs) != 1:
        raise ValueError(f"expected one func.func in the module, found {len(funcs)}")
    return funcs[0]


FloatingPointHandler = Callable[[int, str], None]
"""Called as handler(kernel, kind) for each floating-point error numpy reports during a run: `kernel`
is the index in the timeline of the kernel that was running, `kind` numpy's name ("overflow",
"invalid value", "divide by zero")."""


def execute(
    module: ModuleOp,
    inputs: Sequence[np.ndarray],
    target: Accelerator,
    weights: WeightStore | None = None,
    on_fp_error: FloatingPointHandler | None = None,
) -> Execution:
    """Run the module's function on `inputs` (in argument order, shapes already checked).

    Weights come from `weights`, else from the module's attached store (the
    `--weights` file given to the front end), else their deterministic initial
    values. Works at every level: graph, fusion and accel. With `on_fp_error`,
    numpy's overflow, invalid-operation and division-by-zero errors are passed
    to it with the kernel they happened in (a kernel is recorded on the
    timeline when it ends, so the running one is the next index), instead of
    numpy's warnings; underflow is ignored.
    """
    if (problem := contract_error(module)) is not None:
        raise ValueError(problem)
    fn = entry_function(module)
    arg_types = fn.function_type.inputs.data
    args = tuple(
        np.asarray(x).astype(numpy_dtype(t.element_type), copy=False)
        for x, t in zip(inputs, arg_types, strict=True)
        if isinstance(t, TensorType)
    )
    functions = AccelFunctions(target)
    interpreter = Interpreter(module, listeners=(FreeOpTimer(functions),))
    interpreter.register_implementations(FunctionCalls())
    interpreter.register_implementations(GraphFunctions(weights if weights is not None else store_of(module)))
    interpreter.register_implementations(functions)
    if on_fp_error is None:
        outputs = interpreter.call_op(fn.sym_name.data, args)
    else:

        def handler(kind: str, flag: int) -> None:
            on_fp_error(len(functions.timeline), kind)

        with np.errstate(divide="call", over="call", invalid="call", under="ignore", call=handler):
            outputs = interpreter.call_op(fn.sym_name.data, args)
    return Execution(list(outputs), functions.timeline)


def time_plan(module: ModuleOp, target: Accelerator) -> Execution:
    """The timeline `execute` would produce, without computing any numbers (`outputs` is empty).

    The same kernels, in the same order, with the same costs and placement:
    each `accel.kernel` or `fusion.group` of the entry function on its core
    count, each graph compute op outside them as a one-op kernel on one core;
    a scheduled kernel simulated.
    """
    functions = AccelFunctions(target)
    for op in entry_function(module).body.block.ops:
        if isinstance(op, accel.KernelOp | fusion.GroupOp):
            scheduled = isinstance(op, accel.KernelOp) and schedule.program_of(op) is not None
            simulated = simulate(op, cost_model(target)) if scheduled else None
            functions.record(op, op.sym_name.data, list(op.body.block.ops), region_cores(op), simulated)
        elif isinstance(op, graph.GraphOp):
            functions.record(op, kernel_name(len(functions.timeline), [op]), [op], 1)
    return Execution([], functions.timeline)
