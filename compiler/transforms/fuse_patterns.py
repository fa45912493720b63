"""fuse-patterns: fixed-pattern fusion in the manner of TVM's FuseOps (the DNNFusion paper's OurB+ baseline).

A faithful port of TVM's `GraphPartitioner` (src/relay/analysis/graph_partitioner.cc,
v0.17): every op has an `OpPatternKind` (the op's `PATTERN` fact, a
`graph.PatternKind`); a post-dominator tree is built over the dataflow graph,
each edge labelled with its consumer's kind (a broadcast consumer reading an
operand of its own shape is an elementwise edge); then
three phases walk the ops in topological order and fuse an op's group into
its immediate post-dominator when:

- phase 0, a complex op (kOutEWiseFusable: conv, dense, matmul, pooling,
  softmax, layernorm) whose path to the post-dominator is elementwise and whose
  intermediate ops are at most broadcast: the complex op absorbs the
  elementwise/broadcast chain after it;
- phases 0-1, an elementwise/broadcast op whose post-dominator is injective
  or a reduction, every op on the way injective at most (the sink may also be
  complex): elementwise producers join their consumer, reductions absorb them;
- phase 1, an injective op whose paths are all injective: injective chains.

A fused group never holds more than `max_depth` ops (TVM's kMaxFusedOps,
256). Ops whose result the function returns have no post-dominator. Phase 2
of TVM only concerns Relay tuple nodes; dlfc has none (concat takes its inputs
directly, split returns several results), so it has nothing to do here.
dlfc ops that TVM expresses as several Relay ops take the kind TVM gives that
decomposition: batchnorm is broadcast (SimplifyInference makes it a multiply
and an add), GELU/SiLU/HardSwish are elementwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Attribute, Operation
from xdsl.passes import ModulePass

from dlfc.compiler.utils.fusion_graph import group_mapping, report_groups
from dlfc.compiler.utils.outlining import form_groups
from dlfc.dialects import graph
from dlfc.dialects.fusion import MAPPING_ATTR, PATTERN_ATTR
from dlfc.dialects.graph import PatternKind

MAX_FUSED_OPS = 256


@dataclass(eq=False)
class Group:
    """A union-find node of TVM's partitioner: one per op, the root describes the group."""

    pattern: PatternKind
    anchored: bool
    num_nodes: int = 1
    parent: Group | None = None

    def root(self) -> Group:
        group = self
        while group.parent is not None:
            group = group.parent
        return group


@dataclass
class DomNode:
    """A node of the post-dominator tree: its parent, depth and the combined pattern of the paths to it."""

    parent: int | None
    depth: int
    pattern: PatternKind


@dataclass
class Partitioner:
    """TVM's GraphPartitioner over the graph ops of one block (in block order)."""

    ops: Sequence[graph.GraphOp]
    max_depth: int = MAX_FUSED_OPS
    outputs: list[list[tuple[int, PatternKind]]] = field(init=False)
    extern: list[bool] = field(init=False)
    groups: list[Group] = field(init=False)
    dom: list[DomNode] = field(init=False)

    def __post_init__(self) -> None:
        index = {op: i for i, op in enumerate(self.ops)}
        patterns = [op.PATTERN for op in self.ops]
        self.outputs = [[] for _ in self.ops]
        self.extern = [False] * len(self.ops)
        for i, op in enumerate(self.ops):
            for result in op.results:
                for use in result.uses:
                    j = index.get(use.operation)
                    if j is None:
                        self.extern[i] = True
                    else:
                        self.outputs[i].append((j, edge_pattern(patterns[j], result.type, self.ops[j])))
        self.groups = [Group(p, p == PatternKind.OUT_EWISE_FUSABLE) for p in patterns]
        self.dom = self.post_dominators()

    def post_dominators(self) -> list[DomNode]:
        dom: list[DomNode | None] = [None] * len(self.ops)
        for i in reversed(range(len(self.ops))):
            if self.extern[i]:
                dom[i] = DomNode(None, 1, PatternKind.OPAQUE)
                continue
            pattern, parent = PatternKind.ELEMWISE, None
            for n, (j, edge) in enumerate(self.outputs[i]):
                parent, pattern = (j, pattern) if n == 0 else lca(dom, parent, j, pattern)  # type: ignore[arg-type]
                pattern = max(pattern, edge)
            depth = dom[parent].depth + 1 if parent is not None else 1  # type: ignore[union-attr]
            dom[i] = DomNode(parent, depth, pattern)
        return dom  # type: ignore[return-value]

    def run(self) -> list[list[int]]:
        """The fused groups, each a list of op indices in block order."""
        for phase in (0, 1):
            for i in range(len(self.ops)):
                self.fuse_into_dominator(i, phase)
        members: dict[int, list[int]] = {}
        for i, group in enumerate(self.groups):
            members.setdefault(id(group.root()), []).append(i)
        return list(members.values())

    def fuse_into_dominator(self, i: int, phase: int) -> None:
        """One step of TVM's RunFuse for op `i`."""
        group, dom = self.groups[i], self.dom[i]
        sink = dom.parent
        if group.pattern == PatternKind.OPAQUE or sink is None:
            return
        if self.count_fused_with(i, sink) > self.max_depth or group.root() is self.groups[sink].root():
            return
        if group.pattern == PatternKind.OUT_EWISE_FUSABLE:
            fusable = (
                phase == 0
                and dom.pattern == PatternKind.ELEMWISE
                and self.check_path(i, sink, lambda kind, _: kind <= PatternKind.BROADCAST)
            )
        elif group.pattern <= PatternKind.BROADCAST:
            fusable = (
                dom.pattern <= PatternKind.INJECTIVE or dom.pattern == PatternKind.COMM_REDUCE
            ) and self.check_path(i, sink, broadcast_path)
        else:
            fusable = (
                group.pattern == PatternKind.INJECTIVE
                and phase == 1
                and self.check_path(i, sink, lambda kind, _: kind <= PatternKind.INJECTIVE)
            )
        if fusable:
            self.commit_fuse(i, sink)

    def paths_to(self, src: int, sink: int) -> list[int]:
        """The ops on the paths from `src` (excluded) to its post-dominator `sink` (included)."""
        seen: set[int] = set()
        stack = [j for j, _ in self.outputs[src]]
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                if node != sink:
                    stack.extend(j for j, _ in self.outputs[node])
        return sorted(seen)

    def check_path(self, src: int, sink: int, allowed: Callable[[PatternKind, bool], bool]) -> bool:
        return all(allowed(self.groups[n].root().pattern, n == sink) for n in self.paths_to(src, sink))

    def count_fused_with(self, child: int, sink: int) -> int:
        """TVM's CountFusedNodesWithNewChild: the sink group's size plus the ops on the way there."""
        on_the_way = [n for n in self.paths_to(child, sink) if n != sink]
        return self.groups[sink].root().num_nodes + sum(self.groups[n].num_nodes for n in [child, *on_the_way])

    def commit_fuse(self, src: int, sink: int) -> None:
        target = self.groups[sink]
        for n in [src, *self.paths_to(src, sink)]:
            if n != sink:
                merge_from_to(self.groups[n], target)


def lca(dom: list[DomNode | None], a: int, b: int, pattern: PatternKind) -> tuple[int | None, PatternKind]:
    """TVM's LeastCommonAncestor in the post-dominator tree, combining the patterns passed on the way."""
    lhs: int | None = a
    rhs: int | None = b
    while lhs != rhs:
        if lhs is None or rhs is None:
            return None, pattern
        left, right = dom[lhs], dom[rhs]
        assert left is not None and right is not None
        if left.depth < right.depth:
            pattern, rhs = max(pattern, right.pattern), right.parent
        elif right.depth < left.depth:
            pattern, lhs = max(pattern, left.pattern), left.parent
        else:
            pattern = max(pattern, left.pattern, right.pattern)
            lhs, rhs = left.parent, right.parent
    return lhs, pattern


def edge_pattern(consumer: PatternKind, operand_type: Attribute, consumer_op: graph.GraphOp) -> PatternKind:
    """The consumer's pattern; elementwise for a broadcast consumer reading an operand of its own shape."""
    if consumer == PatternKind.BROADCAST and graph.shape_of(operand_type) == graph.shape_of(
        consumer_op.results[0].type
    ):
        return PatternKind.ELEMWISE
    return consumer


def broadcast_path(kind: PatternKind, is_sink: bool) -> bool:
    """Ops between an elementwise/broadcast op and its post-dominator are injective at most; the sink may be complex."""
    if not is_sink:
        return kind <= PatternKind.INJECTIVE
    return kind <= PatternKind.INJECTIVE or kind in (PatternKind.COMM_REDUCE, PatternKind.OUT_EWISE_FUSABLE)


def merge_from_to(child: Group, parent: Group) -> None:
    """TVM's MergeFromTo: the parent root takes the child's size, and its anchor and pattern if it has one."""
    child, parent = child.root(), parent.root()
    if child is parent:
        return
    parent.num_nodes += child.num_nodes
    child.parent = parent
    if child.anchored:
        parent.anchored = True
        parent.pattern = max(parent.pattern, child.pattern)


@dataclass(frozen=True)
class FusePatternsPass(ModulePass):
    """Fuse graph ops into fusion.groups with TVM FuseOps' fixed patterns (the baseline for fuse-dnnfusion)."""

    name = "fuse-patterns"

    max_depth: int = MAX_FUSED_OPS
    """The most ops one group may hold."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        kinds: dict[Operation, PatternKind] = {}

        def plan(ops: list[graph.GraphOp]) -> list[list[Operation]]:
            partitioner = Partitioner(ops, self.max_depth)
            parts = partitioner.run()
            for part in parts:
                kinds[ops[part[0]]] = partitioner.groups[part[0]].root().pattern
            return [[ops[i] for i in part] for part in parts]

        def annotate(part: Sequence[Operation]) -> dict[str, Attribute]:
            return {MAPPING_ATTR: group_mapping(part), PATTERN_ATTR: StringAttr(kinds[part[0]].name.lower())}

        report_groups(form_groups(op, plan, annotate))
