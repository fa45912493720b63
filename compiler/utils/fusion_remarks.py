"""The fusion planners' remarks (`dlfc.compiler.remarks`): the numbers behind each reason code.

`fuse-dnnfusion` calls `dnnfusion_remark` for every candidate it refuses or
merges; `autotune` calls `explain_plan` on the plan it chose: for each pair
of its kernels where one feeds the other, why they are not one kernel.
Both run only when remarks are collected (`remarks_enabled`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from dlfc.compiler.remarks import FUSED, nearest_member, remark, remarks_enabled
from dlfc.compiler.utils.bitmasks import bits
from dlfc.compiler.utils.fusion_table import Cell, Colour, fusion_cell, mapping_label
from dlfc.compiler.utils.locations import describe_sources
from dlfc.compiler.utils.search_space import Kernel, fused_type
from dlfc.dialects import graph
from dlfc.dialects.graph import MappingType
from dlfc.hw.cost import cost_model
from dlfc.hw.target import Accelerator


def cell_text(first: MappingType, second: MappingType, cell: Cell) -> str:
    """`many_to_many -> many_to_many (red)`: a cell of DNNFusion's fusion table."""
    return f"{mapping_label(first)} -> {mapping_label(second)} ({cell.colour.value})"


def _us(seconds: float) -> float:
    return round(seconds * 1e6, 3)


def dnnfusion_remark(
    reason: str,
    members: Sequence[graph.GraphOp],
    candidate: graph.GraphOp,
    fused: Sequence[graph.GraphOp],
    as_successor: bool,
    first: MappingType,
    second: MappingType,
    target: Accelerator | None,
    cores: int,
    max_ops: int,
) -> None:
    """Report fuse-dnnfusion's verdict on growing the block `members` by `candidate` (`fused`: both, in block order).

    `first` and `second` are the mapping types of the table cell it checked
    (the block's and the candidate's, in dataflow order).
    """
    if not remarks_enabled(reason):
        return
    member = nearest_member(members, candidate)
    producer, consumer = (member, candidate) if as_successor else (candidate, member)
    block_type = first if as_successor else second
    cell = fusion_cell(first, second)
    details: dict[str, Any] = {"cell": cell_text(first, second, cell), "block_ops": len(members)}
    if reason == "outside-window":
        details["max_ops"] = max_ops
        message = f"the block already has {len(members)} ops (fuse-dnnfusion{{max-ops={max_ops}}})"
    elif reason == "illegal-mapping":
        block = f"the block ({len(members)} op{'s' if len(members) > 1 else ''}) is {mapping_label(block_type)}"
        message = f"the fusion table's cell {details['cell']} forbids it: {block}"
    elif reason == "breaks-convexity":
        message = "a path from the block leaves it and comes back to the candidate: one kernel would wait on itself"
    elif target is None:  # a profitability other than the cost model's: no numbers to give
        message = f"cell {details['cell']}" if reason == FUSED else "the planner's profitability refused it"
    elif reason == "exceeds-capacity":
        model = cost_model(target)
        needed = model.smallest_working_set(model.boundary(fused), cores)
        details |= {"needed_bytes": needed, "available_bytes": target.onchip_bytes, "cores": cores}
        message = (
            f"the fused kernel's working set needs {needed} bytes per core even in its smallest row tiles "
            f"on {cores} core(s); {target.name} has {target.onchip_bytes}"
        )
    elif reason == FUSED and cell.colour is not Colour.YELLOW:
        message = f"cell {details['cell']}"
    else:
        model = cost_model(target)
        boundary = model.boundary(fused)
        together = (
            model.on_chip_cost(boundary, cores) or model.cost(boundary, cores)
        ).latency  # what the planner weighs
        apart = model.group_cost(members, cores).latency + model.group_cost([candidate], cores).latency
        details |= {"fused_us": _us(together), "separate_us": _us(apart), "cores": cores}
        verdict = "<=" if reason == FUSED else ">"
        message = f"yellow cell: fused {_us(together)} µs {verdict} apart {_us(apart)} µs on {cores} core(s)"
    remark("fuse-dnnfusion", reason, producer, consumer, message, **details)


class PlanSearch(Protocol):
    """What `explain_plan` asks of autotune's tuner (`autotune.Tuner`)."""

    ops: Sequence[graph.GraphOp]
    window: int
    preds: list[int]
    succs: list[int]
    types: list[MappingType]

    def legal(self, group: int) -> bool: ...

    def kernel(self, group: int) -> Kernel: ...


def _closure(start: int, step: list[int], within: int) -> int:
    """The ops reachable from the ops of `start` by `step` edges, staying in `within` (start excluded)."""
    seen, frontier = 0, start
    while frontier:
        nxt = 0
        for i in bits(frontier):
            nxt |= step[i]
        frontier = nxt & within & ~seen
        seen |= frontier
    return seen


def _red_pair(search: PlanSearch, group: int) -> tuple[int, int, MappingType, MappingType]:
    """The producer and consumer (op indices) where a path inside `group` meets a red cell, and the cell's types."""
    reaching: dict[int, MappingType] = {}
    for i in bits(group):
        producers = list(bits(search.preds[i] & group))
        if fused_type([reaching[p] for p in producers], search.types[i]) is None:
            for p in producers:
                if fused_type([reaching[p]], search.types[i]) is None:
                    return p, i, reaching[p], search.types[i]
        reaching[i] = fused_type([reaching[p] for p in producers], search.types[i])  # type: ignore[assignment]
    raise AssertionError("the group is legal")


def explain_plan(search: PlanSearch, plan: Sequence[Kernel]) -> None:
    """For each pair of kernels of `plan` where the first feeds the second, the reason they are two kernels.

    Checked in this order: a path inside them meets a red cell
    (`illegal-mapping`, at the two ops of that cell); a path from the first to
    the second leaves both (`breaks-convexity`); more ops than the window
    together (`outside-window`); one kernel on its best core count is not
    faster than the two (`unprofitable`); else the union was not among the
    groups searched (`outside-window`: autotune's fallback searches the groups
    contiguous in a few topological orders). With accepted remarks, each kernel of several ops
    is reported once as `fused`, at its first and last op.
    """
    everything = (1 << len(search.ops)) - 1
    masks = [sum(1 << i for i in k.ops) for k in plan]
    for a, (ka, ma) in enumerate(zip(plan, masks, strict=True)):
        if len(ka.ops) > 1:
            first, last = search.ops[ka.ops[0]], search.ops[ka.ops[-1]]
            remark("autotune", FUSED, first, last, f"{len(ka.ops)} ops in one kernel on {ka.cores} core(s), "
                   f"{_us(ka.latency)} µs", ops=len(ka.ops), cores=ka.cores, latency_us=_us(ka.latency))  # fmt: skip
        for kb, mb in zip(plan[a + 1 :], masks[a + 1 :], strict=True):
            links = [(p, c) for c in bits(mb) for p in bits(search.preds[c] & ma)]
            if not links:
                continue
            producer, consumer = search.ops[links[-1][0]], search.ops[links[0][1]]
            union = ma | mb
            separate = ka.latency + kb.latency
            if not search.legal(union):
                p, c, first_type, second_type = _red_pair(search, union)
                cell = cell_text(first_type, second_type, fusion_cell(first_type, second_type))
                remark("autotune", "illegal-mapping", search.ops[p], search.ops[c],
                       f"the fusion table's cell {cell} forbids it: the ops reaching {search.ops[p].name} in the "
                       f"two kernels make it {mapping_label(first_type)}", cell=cell)  # fmt: skip
            elif outside := _closure(ma, search.succs, everything & ~union) & _closure(mb, search.preds, everything):
                through = search.ops[next(iter(bits(outside)))]
                remark("autotune", "breaks-convexity", producer, consumer,
                       f"a path between them leaves both kernels (through {through.name} at "
                       f"{describe_sources(through.location)}): one kernel would wait on itself",
                       through=through.name)  # fmt: skip
            elif union.bit_count() > search.window:
                remark("autotune", "outside-window", producer, consumer,
                       f"{union.bit_count()} ops together, more than the window of {search.window} "
                       "(autotune{window})", window=search.window, ops=union.bit_count())  # fmt: skip
            else:
                fused = search.kernel(union)
                numbers = {"fused_us": _us(fused.latency), "separate_us": _us(separate), "fused_cores": fused.cores}
                if fused.latency >= separate:
                    remark("autotune", "unprofitable", producer, consumer,
                           f"one kernel {_us(fused.latency)} µs on {fused.cores} core(s) >= the two "
                           f"{_us(separate)} µs ({ka.cores} and {kb.cores} cores)", **numbers)  # fmt: skip
                else:
                    remark("autotune", "outside-window", producer, consumer,
                           f"one kernel would take {_us(fused.latency)} µs < {_us(separate)} µs, but the search "
                           "did not reach it (its fallback keeps groups contiguous in a few topological orders)",
                           **numbers)  # fmt: skip
