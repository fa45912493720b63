"""Fusion results of every example model, in the manner of DNNFusion's Table 5.

Each model first goes through the default graph-level passes (rewriting and
folding, as the compiler does before fusion). For each model: its graph ops (CIL: conv2d, dense and matmul, whose inputs are
each read many times; MIL: the rest), the kernels of each fusion plan
(`fuse-none`, `fuse-patterns`, `fuse-dnnfusion`), the fusion rate (ops per
DNNFusion kernel, and TVM-pattern kernels per DNNFusion kernel), the
intermediate results that cross DRAM (bytes of every kernel result another
kernel reads) before fusion and after each plan, and the modelled latency of
each plan on the target (every kernel on one core, run one after another).

    python benchmarks/fusion_table.py                       # every example, mlu100
    python benchmarks/fusion_table.py bert_base --hw mlu270 --json fusion.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from xdsl.dialects.builtin import ModuleOp

from dlfc.compiler.context import make_context
from dlfc.compiler.frontend import load_dlm
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import Level, compile_to, parse_pass_pipeline
from dlfc.dialects import fusion, graph
from dlfc.hw.cost import cost_model, kernel_cost
from dlfc.hw.target import DEFAULT_TARGET, Accelerator, load_target
from dlfc.hw.weights import attach_store, store_of

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PLANS = ("fuse-none", "fuse-patterns", "fuse-dnnfusion")
COMPUTE_INTENSIVE = (graph.Conv2DOp, graph.DenseOp, graph.MatMulOp)


@dataclass(frozen=True)
class PlanResult:
    kernels: int
    dram_intermediate_bytes: int
    latency_s: float
    planning_s: float


@dataclass(frozen=True)
class ModelRow:
    model: str
    ops: int
    cil: int
    mil: int
    plans: dict[str, PlanResult]

    @property
    def fusion_rate(self) -> float:
        """Graph ops per fuse-dnnfusion kernel (the paper's fusion rate against the original model)."""
        return self.ops / self.plans["fuse-dnnfusion"].kernels

    @property
    def rate_vs_patterns(self) -> float:
        """fuse-patterns kernels per fuse-dnnfusion kernel (the paper's rate against TVM)."""
        return self.plans["fuse-patterns"].kernels / self.plans["fuse-dnnfusion"].kernels


def intermediate_bytes(groups: list[fusion.GroupOp], target: Accelerator) -> int:
    """Bytes of the group results that another group reads: written to DRAM and read back."""
    members = set(groups)
    model = cost_model(target)
    return sum(
        model.tensor_bytes(r.type) for g in groups for r in g.results if any(u.operation in members for u in r.uses)
    )


def run(module: ModuleOp, pipeline: str, hw: str) -> float:
    """Apply a pipeline to `module`; the seconds it took."""
    passes = parse_pass_pipeline(pipeline, get_all_passes(), {"target": (hw,)})
    start = time.perf_counter()
    run_pipeline(make_context(), module, passes)
    return time.perf_counter() - start


def graph_stage(path: Path, hw: str) -> ModuleOp:
    """The model after the default graph-level passes (rewriting, folding): what fusion receives."""
    module = load_dlm(str(path))
    compile_to(module, Level.GRAPH, {"target": (hw,)})
    return module


def fuse(module: ModuleOp, pass_name: str, hw: str) -> tuple[ModuleOp, float]:
    """A copy of `module` planned by the fusion pass, and the seconds planning took."""
    fused = module.clone()
    attach_store(fused, store_of(module))
    return fused, run(fused, pass_name, hw)


def plan_result(fused: ModuleOp, planning_s: float, target: Accelerator) -> PlanResult:
    """Kernels, DRAM intermediates and modelled latency of a fusion-level module."""
    groups = [op for op in fused.walk() if isinstance(op, fusion.GroupOp)]
    latency = sum(kernel_cost(g, target).latency for g in groups)
    return PlanResult(len(groups), intermediate_bytes(groups, target), latency, planning_s)


def model_row(name: str, module: ModuleOp, plans: dict[str, PlanResult]) -> ModelRow:
    """The row of a model, from its graph-level module and its plans."""
    ops = [op for op in module.walk() if isinstance(op, graph.GraphOp)]
    cil = sum(isinstance(op, COMPUTE_INTENSIVE) for op in ops)
    return ModelRow(name, len(ops), cil, len(ops) - cil, plans)


def measure(path: Path, target: Accelerator, hw: str) -> ModelRow:
    module = graph_stage(path, hw)
    return model_row(path.stem, module, {name: plan_result(*fuse(module, name, hw), target) for name in PLANS})


def mib(n: int) -> str:
    return f"{n / 2**20:.1f}"


def table(rows: list[ModelRow], target: Accelerator) -> str:
    w = max(len("model"), *(len(r.model) for r in rows))
    head = (
        f"{'model':<{w}} {'CIL':>4} {'MIL':>4} {'ops':>5} | {'kernels: none':>13} {'patterns':>8} {'DNNF':>5} | "
        f"{'rate':>5} {'vs TVM':>6} | {'IRS MiB: before':>15} {'patterns':>8} {'DNNF':>6} | "
        f"{'latency ms: none':>16} {'patterns':>8} {'DNNF':>7}"
    )
    lines = [f"Fusion per model on {target.name} (modelled latency: every kernel on 1 core)", head, "-" * len(head)]
    for r in rows:
        none, pat, dnnf = (r.plans[p] for p in PLANS)
        lines.append(
            f"{r.model:<{w}} {r.cil:>4} {r.mil:>4} {r.ops:>5} | {none.kernels:>13} {pat.kernels:>8} {dnnf.kernels:>5} | "
            f"{r.fusion_rate:>4.1f}x {r.rate_vs_patterns:>5.2f}x | {mib(none.dram_intermediate_bytes):>15} "
            f"{mib(pat.dram_intermediate_bytes):>8} {mib(dnnf.dram_intermediate_bytes):>6} | "
            f"{none.latency_s * 1e3:>16.3f} {pat.latency_s * 1e3:>8.3f} {dnnf.latency_s * 1e3:>7.3f}"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", help="example names (default: every examples/*.dlm)")
    parser.add_argument("--hw", default=DEFAULT_TARGET, help="accelerator preset or .toml (default: %(default)s)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    target = load_target(args.hw)
    paths = [EXAMPLES / f"{m}.dlm" for m in args.models] or sorted(EXAMPLES.glob("*.dlm"))
    rows = [measure(p, target, args.hw) for p in paths]
    sys.stdout.write(table(rows, target))
    if args.json:
        data = {
            "target": target.name,
            "cores": 1,
            "models": [{**asdict(r), "fusion_rate": r.fusion_rate} for r in rows],
        }
        Path(args.json).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
