"""What the fusion searches share: legality, plans of kernels, and a function's ops as a search space.

`autotune`, `oracle` and the exact solver (`optimum.py`) search the same space:
legal convex groups of graph ops, each on a core count, run one after
another. Which convex groups are legal is the `fusion-table` option of each
(`FUSION_TABLES`): under `dnnfusion` (the default) a group is legal when no
path inside it meets a red cell of DNNFusion's fusion table (`fused_type`,
`is_legal_group`); under `none` every convex group is, and the cost model
alone decides what is fused (DLFusion's tuner is bound by no such table). A plan is a list of
`Kernel`s over the indices of a function's ops in the search order; the
module's groups are dissolved into that order (`dissolve_groups`) and the
plan is outlined back into `fusion.group`s (`outline_plans`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.ir import Attribute, Operation

from dlfc.compiler.statistics import add_statistic
from dlfc.compiler.utils.bitmasks import mask_of
from dlfc.compiler.utils.fusion_table import Colour, fusion_cell
from dlfc.compiler.utils.outlining import form_groups, inline_region_op
from dlfc.dialects import accel, fusion, graph
from dlfc.dialects.fusion import CORES_ATTR

# --------------------------------------------------------------------------- legality

DNNFUSION, NO_TABLE = "dnnfusion", "none"
FUSION_TABLES = (DNNFUSION, NO_TABLE)
"""The legality rules of the searches' `fusion-table` option: DNNFusion's table, or none (every convex group)."""


def check_fusion_table(table: str, owner: str) -> str:
    """`table` if it names one of `FUSION_TABLES`; else a ValueError naming the pass `owner`."""
    if table not in FUSION_TABLES:
        raise ValueError(f"{owner}: fusion-table must be 'dnnfusion' or 'none', got '{table}'")
    return table


def fused_type(
    producers: Iterable[graph.MappingType], op: graph.MappingType, table: str = DNNFUSION
) -> graph.MappingType | None:
    """The mapping type reaching an op fused with its in-group producers (None: a red cell).

    Under `dnnfusion`, each producer type `p` meets `op` through the table
    cell (p, op); the result is the most complex of the cells' fused types and
    the op's own. Under `none` no pair is red: the result is the most complex
    of the producers' types and the op's own.
    """
    result = op
    for producer in producers:
        if table == NO_TABLE:
            result = max(result, producer)
            continue
        cell = fusion_cell(producer, op)
        if cell.colour is Colour.RED or cell.fused is None:
            return None
        result = max(result, cell.fused)
    return result


def is_legal_group(ops: Sequence[graph.GraphOp], table: str = DNNFUSION) -> bool:
    """True when no path inside the group (ops in topological order) meets a red cell of the fusion table
    (always under `table="none"`; convexity is the caller's to check)."""
    reaching: dict[Operation, graph.MappingType] = {}
    for op in ops:
        producers = (reaching[v.owner] for v in op.operands if v.owner in reaching)
        fused = fused_type(producers, op.mapping_type(), table)
        if fused is None:
            return False
        reaching[op] = fused
    return True


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class Kernel:
    """One kernel of a plan: the ops at these indices of the search order, on `cores` cores."""

    ops: tuple[int, ...]
    cores: int
    latency: float
    """Modelled latency in seconds."""


def plan_latency(plan: Iterable[Kernel]) -> float:
    """The modelled latency of a plan whose kernels run one after the other."""
    return sum(k.latency for k in plan)


# --------------------------------------------------------------------------- from and back to the IR


@dataclass(frozen=True)
class SearchSpace:
    """One function's graph ops in the search order, and the incoming plan's groups."""

    function: func.FuncOp
    ops: list[graph.GraphOp]
    seeds: list[int]
    """The incoming groups as masks over `ops`."""
    seed_attributes: dict[int, dict[str, Attribute]]
    """The planner's attributes of each incoming group (its mapping type, seed, ...), by mask."""


def dissolve_groups(module: ModuleOp) -> list[SearchSpace]:
    """Inline every `fusion.group` of every function; each group's ops stay contiguous in the block."""
    spaces: list[SearchSpace] = []
    for fn in module.ops:
        if not isinstance(fn, func.FuncOp):
            continue
        if any(isinstance(op, accel.KernelOp) for op in fn.body.block.ops):
            raise ValueError("fusion tuning runs on graph- or fusion-level modules, before convert-fusion-to-accel")
        groups = [op for op in fn.body.block.ops if isinstance(op, fusion.GroupOp)]
        members = [[op for op in g.body.block.ops if isinstance(op, graph.GraphOp)] for g in groups]
        attributes = [{k: v for k, v in g.attributes.items() if k != CORES_ATTR} for g in groups]
        for group in groups:
            inline_region_op(group)
        ops = [op for op in fn.body.block.ops if isinstance(op, graph.GraphOp)]
        index = {op: i for i, op in enumerate(ops)}
        masks = [mask_of(index[op] for op in m) for m in members]
        seeds = [mask for mask, m in zip(masks, members, strict=False) if m]
        spaces.append(
            SearchSpace(
                fn, ops, seeds, {mask: a for mask, a, m in zip(masks, attributes, members, strict=False) if m and a}
            )
        )
    return spaces


def outline_plans(
    module: ModuleOp, plans: Sequence[Sequence[Kernel]], spaces: Sequence[SearchSpace] = ()
) -> list[fusion.GroupOp]:
    """Form one `fusion.group` per kernel (functions in module order), each with its `fusion.cores` attribute.

    A kernel that is exactly a group of the incoming plan keeps that group's attributes.
    """
    pending = iter(zip(plans, [s.seed_attributes for s in spaces] or [{}] * len(plans), strict=False))
    attributes: dict[Operation, dict[str, Attribute]] = {}

    def parts(ops: list[graph.GraphOp]) -> list[list[Operation]]:
        plan, kept = next(pending)
        found: list[list[Operation]] = []
        for kernel in plan:
            part: list[Operation] = [ops[i] for i in kernel.ops]
            attributes[part[0]] = {**kept.get(mask_of(kernel.ops), {}), CORES_ATTR: IntegerAttr(kernel.cores, i64)}
            found.append(part)
        return found

    def annotate(part: Sequence[Operation]) -> dict[str, Attribute]:
        return attributes[part[0]]

    groups = form_groups(module, parts, annotate)
    add_statistic("kernels", len(groups))
    return groups
