"""What the fusion planners share: the dataflow graph, convex merging, group attributes and statistics.

`OpGraph` indexes the graph compute ops of one block (in block order, which is
topological) with their producer and consumer ops. `ContractedDag` is that
graph with groups of ops contracted into single nodes; merging two adjacent
nodes is refused when it would create a cycle, i.e. when a path leaves the
pair and comes back (the fused kernel would both feed and wait for another
kernel). It keeps a topological order of its nodes so the check only explores
the nodes ordered between the two (Pearce and Kelly's dynamic topological
order), which keeps planning linear in practice on graphs of thousands of ops.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.dialects.builtin import StringAttr, TensorType
from xdsl.ir import Attribute, Operation

from dlfc.compiler.statistics import add_statistic
from dlfc.compiler.utils.fusion_table import mapping_label
from dlfc.dialects import graph
from dlfc.dialects.fusion import MAPPING_ATTR


def tensor_bytes(t: Attribute) -> int:
    """Bytes of a tensor of type `t` in its element type."""
    assert isinstance(t, TensorType)
    return graph.num_elements(t) * max(1, t.element_type.bitwidth // 8)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class OpGraph:
    """The graph ops of a block and their dataflow edges, by index in block order."""

    ops: Sequence[graph.GraphOp]
    index: dict[Operation, int]
    succs: list[list[int]]
    """Distinct consumer ops of each op, ascending."""
    preds: list[list[int]]
    """Distinct producer ops of each op, ascending."""

    @staticmethod
    def build(ops: Sequence[graph.GraphOp]) -> OpGraph:
        index: dict[Operation, int] = {op: i for i, op in enumerate(ops)}
        preds = [sorted({index[v.owner] for v in op.operands if v.owner in index}) for op in ops]
        succs: list[list[int]] = [[] for _ in ops]
        for i, producers in enumerate(preds):
            for p in producers:
                succs[p].append(i)
        return OpGraph(ops, index, succs, preds)

    def result_bytes(self, i: int) -> int:
        """The intermediate-result size (IRS) of op `i`: the bytes of all its results."""
        return sum(tensor_bytes(r.type) for r in self.ops[i].results)


@dataclass(frozen=True)
class Merge:
    """A legal merge of node `first` with its consumer `second`.

    `moved`: the nodes `first` reaches that are ordered before `second`; they move after the merged node.
    """

    first: int
    second: int
    moved: set[int]


class ContractedDag:
    """A DAG over op indices in which adjacent nodes can be merged when that keeps it acyclic.

    Nodes start as the ops `0..n-1`, numbered in a topological order (every
    edge goes to a higher number); a node is named by one of its ops, and
    `merge` returns the name of the merged node.
    """

    def __init__(self, succs: Sequence[Sequence[int]]):
        self.succ: list[set[int]] = [set(s) for s in succs]
        self.pred: list[set[int]] = [set() for _ in succs]
        for node, consumers in enumerate(succs):
            for c in consumers:
                self.pred[c].add(node)
        self.order: list[int | None] = list(range(len(succs)))
        self.pos: list[int] = list(range(len(succs)))

    def can_merge(self, a: int, b: int) -> Merge | None:
        """How to merge nodes `a` and `b` (one must feed the other); None if that would make a cycle."""
        first, second = (a, b) if self.pos[a] < self.pos[b] else (b, a)
        assert second in self.succ[first], "only adjacent nodes can be merged"
        between = self._reachable_before(first, second)
        return None if between is None else Merge(first, second, between)

    def merge(self, merge: Merge) -> int:
        """Apply a merge `can_merge` allowed (nothing changed since); returns the merged node's name."""
        self._reorder(merge.first, merge.second, merge.moved)
        self._contract(merge.second, merge.first)
        return merge.second

    def _reachable_before(self, first: int, second: int) -> set[int] | None:
        """Nodes reachable from `first` (not through `second`) ordered before `second`; None if one reaches `second`."""
        limit = self.pos[second]
        seen: set[int] = set()
        stack = [n for n in self.succ[first] if n != second and self.pos[n] < limit]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            if node == second:
                return None
            seen.add(node)
            stack.extend(n for n in self.succ[node] if self.pos[n] <= limit and n not in seen)
        return seen

    def _reorder(self, first: int, second: int, moved: set[int]) -> None:
        """Place the merged node at `second`'s position with the nodes `first` reaches right after it."""
        lo, hi = self.pos[first], self.pos[second]
        window = [n for n in self.order[lo + 1 : hi] if n is not None]
        segment: list[int | None] = [
            None,
            *(n for n in window if n not in moved),
            second,
            *(n for n in window if n in moved),
        ]
        segment += [None] * (hi - lo + 1 - len(segment))
        self.order[lo : hi + 1] = segment
        for offset, node in enumerate(segment):
            if node is not None:
                self.pos[node] = lo + offset

    def _contract(self, keep: int, gone: int) -> None:
        """Redirect every edge of node `gone` to node `keep`."""
        for n in self.succ[gone]:
            self.pred[n].discard(gone)
            if n != keep:
                self.pred[n].add(keep)
                self.succ[keep].add(n)
        for n in self.pred[gone]:
            self.succ[n].discard(gone)
            if n != keep:
                self.succ[n].add(keep)
                self.pred[keep].add(n)
        self.succ[gone].clear()
        self.pred[gone].clear()


def group_mapping(ops: Sequence[Operation]) -> StringAttr:
    """The `fusion.mapping` attribute of a group: the most complex mapping type of its ops."""
    return StringAttr(mapping_label(max(op.mapping_type() for op in ops if isinstance(op, graph.GraphOp))))


def report_groups(groups: Sequence[Operation]) -> None:
    """`--stats` of a fusion pass: how many groups, and how many of each mapping type."""
    add_statistic("fusion groups", len(groups))
    for label, count in sorted(Counter(g.attributes[MAPPING_ATTR].data for g in groups).items()):  # type: ignore[attr-defined]
        add_statistic(f"{label} groups", count)
