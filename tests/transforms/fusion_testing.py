"""Test helpers for the fusion passes: small .dlm models, running a pass, reading the groups back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from textwrap import dedent

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from dlfc.compiler.context import make_context
from dlfc.compiler.frontend import parse_dlm
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.compiler.transforms.fuse_dnnfusion import FuseDnnfusionPass, Planner
from dlfc.dialects import fusion, graph


def model(body: str, inputs: str = "x: f32[1, 8, 16, 16]") -> ModuleOp:
    """A graph-level module from the lines of a .dlm model body."""
    lines = "\n".join(f"  {line}" for line in dedent(body).strip().splitlines())
    source = "model m {\n" + "\n".join(f"  input {i.strip()}" for i in inputs.split(";")) + f"\n{lines}\n}}\n"
    return parse_dlm(source, "m.dlm")


def graph_ops(module: ModuleOp) -> list[graph.GraphOp]:
    (fn,) = [op for op in module.ops if isinstance(op, func.FuncOp)]
    return [op for op in fn.body.block.ops if isinstance(op, graph.GraphOp)]


def label(op: graph.GraphOp) -> str:
    return op.results[0].name_hint or op.name.removeprefix("graph.")


def fuse(module: ModuleOp, *passes: ModulePass) -> Counter[str]:
    """Run the passes (verifying after each); the statistics they reported."""
    runs = run_pipeline(make_context(), module, passes or (FuseDnnfusionPass(),))
    return sum((run.statistics for run in runs), Counter())


def groups(module: ModuleOp) -> list[fusion.GroupOp]:
    return [op for op in module.walk() if isinstance(op, fusion.GroupOp)]


def group_labels(module: ModuleOp) -> list[list[str]]:
    """The ops of each group, by result name (or op kind), in group order."""
    return [[label(op) for op in g.body.block.ops if isinstance(op, graph.GraphOp)] for g in groups(module)]


@dataclass
class Stub:
    """A Profitability that answers as told and records the yellow-cell questions."""

    profitable: bool = True
    fits: bool = True
    asked: list[tuple[list[str], str]] = field(default_factory=list)

    def fits_on_chip(self, ops: Sequence[graph.GraphOp]) -> bool:
        return self.fits

    def fused_not_slower(self, block: Sequence[graph.GraphOp], candidate: graph.GraphOp) -> bool:
        self.asked.append(([label(op) for op in block], label(candidate)))
        return self.profitable


def plan(module: ModuleOp, profitability: Stub) -> list[list[str]]:
    """The planner's blocks as sorted op labels, in the order their seeds were chosen."""
    ops = graph_ops(module)
    return [[label(ops[i]) for i in sorted(block.members)] for block in Planner(ops, profitability).plan()]
