"""Fusion remarks: why two ops were (or were not) fused, LLVM's `-Rpass-missed` for dlfc's fusion planners.

`dlfc --remarks=fusion` prints one remark per candidate merge that
`fuse-dnnfusion` or `autotune` considered and rejected, `--remarks=fusion-all`
also the merges they made; `--remarks-file F.json` writes them as a JSON list.
Each names both ops with their source locations and gives a reason code:

- `illegal-mapping`: DNNFusion's fusion table forbids the pair (a red cell,
  e.g. Many-to-Many -> Many-to-Many; `cell` names it);
- `unprofitable`: the cost model times the fused kernel slower than the two
  apart (`fused_us`, `separate_us`);
- `exceeds-capacity`: the fused kernel's per-core working set does not fit in
  the on-chip memory, whole or in any row tiling (`needed_bytes`, `available_bytes`);
- `breaks-convexity`: the merge would put a path that leaves the kernel and
  comes back inside one launch (`through` names an op on that path);
- `outside-window`: the merge lies outside what the search considers: more ops
  than the block limit (`fuse-dnnfusion{max-ops}`) or the search window
  (`autotune{window}`), or not contiguous in the topological orders autotune's
  fallback searches.

An accepted merge has the reason `fused`. docs/remarks.md shows an example of each.

A leaf module, as `statistics`: passes call `remark(...)` (nothing happens
unless a collector listens, `collecting`), and ask `remarks_enabled()` before
doing extra work for remarks (timing a pair, bypassing a cache that would
hide the decisions).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from xdsl.ir import Attribute, Operation

from dlfc.compiler.utils.locations import describe_sources, file_location, format_position, location_records

REASONS = ("illegal-mapping", "unprofitable", "exceeds-capacity", "breaks-convexity", "outside-window")
"""Why a candidate merge was rejected."""
FUSED = "fused"
"""The reason of an accepted merge (listed with --remarks=fusion-all)."""
KINDS = ("fusion", "fusion-all")
"""The values of --remarks."""


@dataclass(frozen=True)
class Remark:
    """One candidate merge of `first` (the producer side) and `second` (the consumer side)."""

    pass_name: str
    reason: str
    first: str
    second: str
    first_location: Attribute
    second_location: Attribute
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.reason == FUSED

    def format(self, tool: str = "dlfc") -> str:
        """`FILE:LINE:COL: remark: ...` at the consumer's source position (`TOOL: remark:` without one)."""
        position = file_location(self.second_location) or file_location(self.first_location)
        where = format_position(position) if position is not None else tool
        verdict = "fused" if self.accepted else f"not fused ({self.reason})"
        return (
            f"{where}: remark: [{self.pass_name}] {verdict}: {self.first} ({describe_sources(self.first_location)}) "
            f"-> {self.second} ({describe_sources(self.second_location)}): {self.message}"
        )

    def record(self) -> dict[str, Any]:
        """The remark as JSON."""
        return {
            "pass": self.pass_name,
            "reason": self.reason,
            "accepted": self.accepted,
            "first": {"op": self.first, "locations": location_records(self.first_location)},
            "second": {"op": self.second, "locations": location_records(self.second_location)},
            "message": self.message,
            **self.details,
        }


@dataclass
class RemarkCollector:
    """The remarks of a compile; `accepted` also keeps the merges that were made."""

    accepted: bool = False
    remarks: list[Remark] = field(default_factory=list)
    seen: set[tuple[str, str, Operation, Operation]] = field(default_factory=set)
    """(pass, reason, first, second) of the remarks so far: a planner that reconsiders a pair reports it once."""

    def json(self) -> str:
        return json.dumps([r.record() for r in self.remarks], indent=1) + "\n"


_collector: ContextVar[RemarkCollector | None] = ContextVar("dlfc_remarks", default=None)


def remarks_enabled(reason: str | None = None) -> bool:
    """Whether a collector listens (for remarks of `reason`, if given): passes then time rejected
    pairs and skip caches that would hide their decisions."""
    collector = _collector.get()
    return collector is not None and (reason != FUSED or collector.accepted)


def remark(pass_name: str, reason: str, first: Operation, second: Operation, message: str, **details: Any) -> None:
    """Report a candidate merge of `first` into a kernel with `second` (reason: a code of REASONS, or FUSED).

    A pair already reported for the same reason by the same pass is not reported again.
    """
    collector = _collector.get()
    if collector is None or not remarks_enabled(reason):
        return
    assert reason in (*REASONS, FUSED), reason
    key = (pass_name, reason, first, second)
    if key in collector.seen:
        return
    collector.seen.add(key)
    collector.remarks.append(
        Remark(pass_name, reason, first.name, second.name, first.location, second.location, message, details)
    )


@contextmanager
def collecting(collector: RemarkCollector) -> Iterator[RemarkCollector]:
    """Within the block, `remark` adds to `collector`."""
    token = _collector.set(collector)
    try:
        yield collector
    finally:
        _collector.reset(token)


def nearest_member(members: Sequence[Operation], candidate: Operation) -> Operation:
    """The member of a block that `candidate` feeds or is fed by (the last such in `members`' order)."""
    produced = {v.owner for v in candidate.operands}
    consumed = {u.operation for r in candidate.results for u in r.uses}
    linked = [m for m in members if m in produced or m in consumed]
    return linked[-1] if linked else members[-1]
