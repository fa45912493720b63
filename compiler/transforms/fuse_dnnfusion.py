"""fuse-dnnfusion: DNNFusion's fusion-plan generation (Niu et al., PLDI 2021, §4.3, Listing 1).

Blocks grow greedily from seeds. A seed is the unfused One-to-One op with the
smallest intermediate result (ties in block order). Its block grows along
predecessors, then along successors (the paper lets the two walks come in
either order); each candidate is checked against the fusion table
(`fusion_table.py`) with the block's current mapping type:

- red: the candidate stays out and the walk does not continue past it;
- green: it joins;
- yellow: it joins only if the fused kernel, with its intermediates kept on
  chip (whole or in row tiles), is not slower than the block and the candidate
  apart, by the hardware cost model, each decision cached in the profiling
  database (`profile_db.py`). The comparison is the whole model's: tiles with
  recomputed halos or weights re-read per tile, short DRAM runs of a fused
  shuffle, barriers and traffic between cores; a fused kernel that fits on
  chip in no schedule is declined (a capacity loss).

After each merge the block takes the fused mapping type of the table cell.
Every merge must also keep the block convex (no path leaves it and comes
back; checked on the graph with the blocks so far contracted, so the kernels
stay acyclic) and its intermediates on chip (the per-core working set fits in
the target's on-chip memory, whole or in row tiles: for a green cell a check
of its own, for a yellow cell part of the profiled decision, so every yellow
cell the walks reach is profiled and recorded). Blocks may have several
outputs.

A block stops growing at `max-ops` ops (64 by default). The paper has no
such limit; here it keeps planning linear in the model's size (each merge
re-analyses the block's capacity, so an unbounded block of n ops costs n²),
and it does not bind on the examples, whose blocks stay under 12 ops.

Choices where the paper leaves room, and one extension:
- The two walks repeat until neither adds an op, so an op reached by the
  successor walk brings its other producers along (`a*b + c*d` is one block).
- The predecessor walk does not continue behind a Many-to-Many op it reached:
  a conv absorbs the elementwise ops after it, and its input chain is left to
  the block of the conv before (each input element is read many times).
- Extension: the paper's graphs split LayerNorm, GELU or Softmax into many
  One-to-One ops, so One-to-One seeds reach everything. dlfc's ops are
  coarser: once no One-to-One seed is left, the remaining unfused ops seed
  blocks too, simplest mapping type first (then smallest result, block order).

Every refused candidate, and with `--remarks=fusion-all` every merge, is a
fusion remark (`dlfc.compiler.remarks`) with its reason code.

Each `fusion.group` records its block's mapping type (`fusion.mapping`) and its
seed op (`fusion.seed`: the seed's result name, or `<op>#<index>`). Options: `target`
(preset or .toml), `cores` (the core count kernels are costed on) and
`profile-db` (a JSON profiling database to reuse and extend; also
`dlfc --profile-db FILE`) and `max-ops`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Attribute, Operation
from xdsl.passes import ModulePass

from dlfc.compiler.remarks import FUSED, remarks_enabled
from dlfc.compiler.statistics import add_statistic
from dlfc.compiler.utils import fusion_graph, fusion_table, profile_db, tuning_cache
from dlfc.compiler.utils.fusion_graph import ContractedDag, OpGraph, report_groups
from dlfc.compiler.utils.fusion_remarks import dnnfusion_remark
from dlfc.compiler.utils.fusion_table import Colour, fusion_cell, mapping_label
from dlfc.compiler.utils.outlining import form_groups
from dlfc.compiler.utils.profile_db import CostModelProfiler, ProfileDB
from dlfc.compiler.utils.tuning_cache import KernelKeys, TuningCache, default_path
from dlfc.dialects import graph
from dlfc.dialects.fusion import MAPPING_ATTR, SEED_ATTR
from dlfc.dialects.graph import MappingType
from dlfc.hw.target import DEFAULT_TARGET, load_target

PLANNER = (sys.modules[__name__], fusion_graph, fusion_table, profile_db, tuning_cache)
"""The modules whose code decides DNNFusion's plans: their source is part of a cached plan's key."""


class Profitability(Protocol):
    """What the planner asks the hardware: capacity, and the yellow-cell profitability."""

    def fits_on_chip(self, ops: Sequence[graph.GraphOp]) -> bool:
        """Do the intermediates of `ops`, as one kernel, fit in the on-chip memory of its cores?"""
        ...

    def fused_not_slower(self, block: Sequence[graph.GraphOp], candidate: graph.GraphOp) -> bool:
        """Does `block` + `candidate` as one kernel keep its intermediates on chip and run no slower than apart?

        Asked for yellow cells only, instead of `fits_on_chip`.
        """
        ...


@dataclass
class Block:
    """A fusion block being grown: its ops (indices), its mapping type and its node in the contracted graph."""

    seed: int
    node: int
    mapping: MappingType
    members: list[int] = field(default_factory=list)


class Planner:
    """DNNFusion's plan for the graph ops of one function body (in block order)."""

    def __init__(self, ops: Sequence[graph.GraphOp], profitability: Profitability, max_ops: int = 64):
        self.max_ops = max_ops
        self.graph = OpGraph.build(ops)
        self.dag = ContractedDag(self.graph.succs)
        self.profitability = profitability
        self.mapping = [op.mapping_type() for op in ops]
        self.block_of: list[Block | None] = [None] * len(ops)

    def plan(self) -> list[Block]:
        """Blocks covering every op, in the order their seeds were chosen."""
        blocks: list[Block] = []
        for seed in self.seed_order():
            if self.block_of[seed] is None:
                block = Block(seed, seed, self.mapping[seed], [seed])
                self.block_of[seed] = block
                self.grow_until_stable(block)
                blocks.append(block)
        return blocks

    def seed_order(self) -> list[int]:
        """One-to-One ops by result size, then (the extension) the others by mapping type and size; ties in block order."""
        size = self.graph.result_bytes
        return sorted(range(len(self.mapping)), key=lambda i: (self.mapping[i], size(i), i))

    def grow_until_stable(self, block: Block) -> None:
        """Alternate the predecessor and successor walks until neither adds an op."""
        while True:
            added = self.grow(block, successors=False)
            if not self.grow(block, successors=True) and not added:
                return

    def grow(self, block: Block, successors: bool) -> bool:
        """Listing 1's recursive fuse_successor / fuse_predecessor from the block's ops; True if it fused any.

        The predecessor walk does not go behind a Many-to-Many op: its inputs
        are each read many times, so the block keeps it as its first op.
        """
        neighbours = self.graph.succs if successors else self.graph.preds
        explore = (lambda op: True) if successors else (lambda op: self.mapping[op] != MappingType.MANY_TO_MANY)
        stack = [iter(neighbours[m]) for m in sorted(block.members, reverse=True) if explore(m)]
        size = len(block.members)
        while stack:
            candidate = next(stack[-1], None)
            if candidate is None:
                stack.pop()
            elif (
                self.block_of[candidate] is None and self.try_merge(block, candidate, successors) and explore(candidate)
            ):
                stack.append(iter(neighbours[candidate]))
        return len(block.members) > size

    def try_merge(self, block: Block, candidate: int, as_successor: bool) -> bool:
        """Add `candidate` to `block` if its size, the table, convexity, capacity and (yellow) profit allow it."""
        first, second = (
            (block.mapping, self.mapping[candidate]) if as_successor else (self.mapping[candidate], block.mapping)
        )
        if len(block.members) >= self.max_ops:
            return self.remark("outside-window", block, candidate, as_successor, first, second)
        cell = fusion_cell(first, second)
        if cell.fused is None:
            return self.remark("illegal-mapping", block, candidate, as_successor, first, second)
        merge = self.dag.can_merge(block.node, candidate)
        if merge is None:
            return self.remark("breaks-convexity", block, candidate, as_successor, first, second)
        ops = self.graph.ops
        members = [ops[i] for i in sorted(block.members)]
        fused = sorted([*members, ops[candidate]], key=self.graph.index.__getitem__)
        if cell.colour is Colour.YELLOW:
            if not self.profitability.fused_not_slower(members, ops[candidate]):
                reason = "unprofitable" if self.profitability.fits_on_chip(fused) else "exceeds-capacity"
                return self.remark(reason, block, candidate, as_successor, first, second)
        elif not self.profitability.fits_on_chip(fused):
            return self.remark("exceeds-capacity", block, candidate, as_successor, first, second)
        self.remark(FUSED, block, candidate, as_successor, first, second)
        block.node, block.mapping = self.dag.merge(merge), cell.fused
        block.members.append(candidate)
        self.block_of[candidate] = block
        return True

    def remark(
        self, reason: str, block: Block, candidate: int, as_successor: bool, first: MappingType, second: MappingType
    ) -> bool:
        """Report the verdict on `candidate` (`dlfc.compiler.remarks`, when collected); False (a refusal)."""
        if remarks_enabled(reason):
            ops = self.graph.ops
            members = [ops[i] for i in sorted(block.members)]
            fused = sorted([*members, ops[candidate]], key=self.graph.index.__getitem__)
            target, cores = getattr(self.profitability, "target", None), getattr(self.profitability, "cores", 1)
            dnnfusion_remark(
                reason, members, ops[candidate], fused, as_successor, first, second, target, cores, self.max_ops
            )
        return False


def seed_name(op: Operation, index: int) -> str:
    """How a group names its seed: the seed's result name, else `<op>#<index in the function>`."""
    hint = op.results[0].name_hint if op.results else None
    return hint or f"{op.name}#{index}"


def plan_parts(
    ops: list[graph.GraphOp],
    profitability: Profitability,
    annotations: dict[Operation, dict[str, Attribute]],
    max_ops: int = 64,
    cache: TuningCache | None = None,
    cores: int = 1,
) -> list[list[Operation]]:
    """The DNNFusion parts of one function's ops, in block order; records each part's attributes under its first op.

    With a `cache` (only for the cost-model profiler on `cores`: the plan then
    depends only on the ops' signature), the plan is looked up there first.
    """
    text = ""
    found = None
    if cache is not None:
        keys = KernelKeys(ops)
        text = f"{max_ops}|{cores}|{keys.text(keys.key(range(len(ops))))}"
        found = cache.get("dnnfusion", text)
    if found is None:
        planned = sorted(Planner(ops, profitability, max_ops).plan(), key=lambda block: min(block.members))
        found = [[sorted(b.members), int(b.mapping), b.seed] for b in planned]
        if cache is not None:
            cache.put("dnnfusion", text, found)
    parts: list[list[Operation]] = []
    for members, mapping, seed in found:  # type: ignore[union-attr]
        part: list[Operation] = [ops[i] for i in members]
        annotations[part[0]] = {
            MAPPING_ATTR: StringAttr(mapping_label(MappingType(mapping))),
            SEED_ATTR: StringAttr(seed_name(ops[seed], seed)),
        }
        parts.append(part)
    return parts


@dataclass(frozen=True)
class FuseDnnfusionPass(ModulePass):
    """Fuse graph ops into fusion.groups with DNNFusion's mapping-type table and greedy seeds."""

    name = "fuse-dnnfusion"

    target: str = DEFAULT_TARGET
    """The accelerator whose cost model decides capacity and the yellow cells (preset or .toml)."""
    cores: int = 1
    """The core count each kernel is costed on."""
    profile_db: str | None = None
    """A JSON profiling database to reuse and extend."""
    max_ops: int = 64
    """The most ops in one block (keeps planning linear in the model's size)."""
    tuning_cache: bool = True
    """Look the plan up in, and add it to, the tuning cache (`dlfc.compiler.utils.tuning_cache`; `dlfc --no-tuning-cache`).

    Not with a `profile-db`, whose entries decide the plan."""

    def __post_init__(self) -> None:
        if self.cores < 1:
            raise ValueError(f"fuse-dnnfusion: cores must be positive, got {self.cores}")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.max_ops < 1:
            raise ValueError(f"fuse-dnnfusion: max-ops must be positive, got {self.max_ops}")
        db = ProfileDB.load(self.profile_db) if self.profile_db else ProfileDB()
        target = load_target(self.target)
        profiler = CostModelProfiler(target, self.cores, db)
        # A profiling database decides yellow cells by its contents (which a user may edit): no plan cache with one.
        cache = TuningCache(default_path() if self.tuning_cache and not self.profile_db else None, target, PLANNER)
        annotations: dict[Operation, dict[str, Attribute]] = {}
        plans = None if remarks_enabled() else cache  # a cached plan has no decisions to remark on
        groups = form_groups(
            op,
            lambda ops: plan_parts(ops, profiler, annotations, self.max_ops, plans, self.cores),
            lambda part: annotations[part[0]],
        )
        cache.save()
        add_statistic("tuning cache hits", cache.hits)
        report_groups(groups)
        add_statistic("profiling database hits", db.hits)
        add_statistic("profiled pairs", db.misses)
        if self.profile_db and db.misses:
            db.save(self.profile_db)
