"""Outlining: move sets of ops of a block into isolated region ops.

This is the plumbing shared by every pass that forms kernels: the graph to
fusion conversion, the fusion planners and the tuner decide *which* ops go
together; `outline` builds the `fusion.group`s (or any other isolated region
op) for them, and `form_groups` does so for every function of a module. Weights and constants are cloned into each region that uses
them, so a region only takes the tensors that really cross its boundary.

Locations: the ops keep theirs; the region op gets the fused location of
its part (`dlfc.compiler.utils.locations.fused_location`), its terminator
the fused location of the ops whose results it yields, and each block
argument the location of the value it stands for.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from dlfc.compiler.utils.locations import fused_location
from dlfc.dialects import fusion, graph
from dlfc.dialects.graph import is_source

RegionOpFactory = Callable[[Sequence[Operation], Sequence[SSAValue], Sequence[Attribute], Region], Operation]
"""Builds the region op for a part: (ops of the part, inputs, result types, body) -> op."""


def outline(
    block: Block, parts: Sequence[Sequence[Operation]], make: RegionOpFactory, terminator: type[Operation]
) -> list[Operation]:
    """Replace each part (a convex set of ops of `block`) by one region op.

    Returns the new region ops, in the order of `parts`. The block is put back
    into a valid (topological) order at the end.
    """
    new_ops = [_outline_part(block, part, make, terminator) for part in parts]
    for op in list(block.ops):
        if is_source(op) and not op.results[0].uses:
            op.detach()
            op.erase()
    sort_topologically(block)
    return new_ops


def form_groups(
    module: ModuleOp,
    plan: Callable[[list[graph.GraphOp]], Sequence[Sequence[Operation]]],
    annotate: Callable[[Sequence[Operation]], dict[str, Attribute]] | None = None,
) -> list[fusion.GroupOp]:
    """Outline the graph ops of every function into `fusion.group`s.

    `plan` receives the function's graph compute ops in block order and returns
    the parts (convex sets of ops, each in block order) that become groups;
    `annotate` may give each group discardable attributes.
    """
    groups: list[fusion.GroupOp] = []
    for fn in module.ops:
        if not isinstance(fn, func.FuncOp):
            continue
        block = fn.body.block
        ops = [op for op in block.ops if isinstance(op, graph.GraphOp)]

        def make(part: Sequence[Operation], inputs, result_types, body) -> fusion.GroupOp:
            group = fusion.GroupOp(fusion.kernel_name(len(groups), part), inputs, result_types, body)
            if annotate is not None:
                group.attributes.update(annotate(part))
            groups.append(group)
            return group

        outline(block, plan(ops), make, fusion.YieldOp)
    return groups


def _outline_part(
    block: Block, part: Sequence[Operation], make: RegionOpFactory, terminator: type[Operation]
) -> Operation:
    members = set(part)
    inputs: list[SSAValue] = []
    sources: list[Operation] = []
    for op in part:
        for value in op.operands:
            owner = value.owner if isinstance(value.owner, Operation) else None
            if owner in members:
                continue
            if is_source(owner):
                if owner not in sources:
                    sources.append(owner)
            elif value not in inputs:
                inputs.append(value)
    outputs = [r for op in part for r in op.results if any(u.operation not in members for u in r.uses)]

    body = Block(arg_types=[v.type for v in inputs])
    mapping: dict[SSAValue, SSAValue] = dict(zip(inputs, body.args, strict=False))
    for arg, value in zip(body.args, inputs, strict=False):
        arg.name_hint = value.name_hint
        arg.location = value_location(value)
    for op in [*sources, *part]:
        body.add_op(op.clone(value_mapper=mapping))
    yield_op = terminator(*[mapping[v] for v in outputs])
    yield_op.location = fused_location(v.owner for v in outputs if isinstance(v.owner, Operation))
    body.add_op(yield_op)

    region_op = make(part, inputs, [v.type for v in outputs], Region(body))
    region_op.location = fused_location(part)
    block.insert_op_before(region_op, part[-1])
    for old, new in zip(outputs, region_op.results, strict=False):
        new.name_hint = old.name_hint
        old.replace_all_uses_with(new)
    for op in reversed(part):
        op.detach()
        op.erase()
    return region_op


def value_location(value: SSAValue) -> Attribute:
    """The location of the op that defines `value`, or of the block argument it is."""
    return value.owner.location if isinstance(value.owner, Operation) else value.location  # type: ignore[union-attr]


def sort_topologically(block: Block) -> None:
    """Reorder `block` so every op follows its producers, keeping the current order where valid."""
    ops = list(block.ops)
    index = {op: i for i, op in enumerate(ops)}
    if all(index.get(v.owner, -1) < i for i, op in enumerate(ops) for v in op.operands):
        return
    pending = [sum(1 for v in op.operands if v.owner in index) for op in ops]
    ready = [i for i, n in enumerate(pending) if n == 0]
    heapq.heapify(ready)
    order: list[Operation] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(ops[i])
        for result in ops[i].results:
            for use in result.uses:
                j = index.get(use.operation)
                if j is not None:
                    pending[j] -= 1
                    if pending[j] == 0:
                        heapq.heappush(ready, j)
    if len(order) != len(ops):
        raise ValueError("outlining created a cycle: a part was not convex")
    for op in ops:
        op.detach()
    block.add_ops(order)


def inline_region_op(op: Operation) -> None:
    """Dissolve an isolated single-block region op: its body replaces it in the parent block."""
    body = op.regions[0].block
    term = body.last_op
    assert term is not None
    yielded = list(term.operands)
    parent = op.parent_block()
    assert parent is not None
    for arg, value in zip(body.args, op.operands, strict=False):
        arg.replace_all_uses_with(value)
    term.detach()
    term.erase()
    for inner in list(body.ops):
        inner.detach()
        parent.insert_op_before(inner, op)
    for result, value in zip(op.results, yielded, strict=False):
        result.replace_all_uses_with(value)
    op.detach()
    op.erase()
