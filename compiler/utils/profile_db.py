"""The profiling database of `fuse-dnnfusion`: its yellow-cell decisions, by op types and shapes.

DNNFusion decides the yellow cells of its fusion table by profiling: fuse a
block with a candidate op only if the fused kernel is not slower than the two
run apart, and keep every measurement in a database reused across models. Here
the measurement is the hardware cost model (`hw/cost.py`): the latency of the
fused kernel against the latencies of the block and of the candidate, each a
kernel of its own, on the planner's core count.

A decision is keyed by the target's parameters and a signature of both parts: each op's
type, properties, operand and result shapes, which operands come from inside
the kernel and which results leave it. Two kernels with the same key have the
same modelled cost, so a decision recorded for one layer of a model (or for
another model) is reused without asking the cost model again.

The database is a JSON file, read before planning and written back when the
pass learnt something: `fuse-dnnfusion{profile-db=FILE}`, or
`dlfc --profile-db FILE`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from xdsl.ir import Attribute, Operation

from dlfc.dialects import graph
from dlfc.hw.cost import cost_model
from dlfc.hw.target import Accelerator

FORMAT = "dlfc-profile-db"
VERSION = 1


class ProfileDBError(ValueError):
    """A profiling database file that cannot be read (one-line message)."""


@dataclass(frozen=True)
class Decision:
    """One profiled pair: modelled latencies (seconds) of the fused kernel and of its parts apart."""

    ops: str
    """The op types of the pair, for people reading the file: `graph.dense+graph.reshape -> graph.transpose`."""
    fused: float
    separate: float
    handling: str = "on-chip"
    """How the fused kernel keeps its intermediates: "on-chip" or "tiled"; "spilled" when no schedule
    that keeps them on chip fits (then `fused` is the latency of running its ops through DRAM)."""

    @property
    def fuse(self) -> bool:
        """Fuse when the fused kernel keeps its intermediates on chip and is not slower than the parts apart."""
        return self.handling != "spilled" and self.fused <= self.separate


@dataclass
class ProfileDB:
    """Yellow-cell decisions by key; counts how many lookups it answered."""

    entries: dict[str, Decision] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0

    def lookup(self, key: str) -> Decision | None:
        found = self.entries.get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def record(self, key: str, decision: Decision) -> None:
        self.entries[key] = decision

    @staticmethod
    def load(path: str) -> ProfileDB:
        """The database in `path`; an empty one if the file does not exist yet."""
        if not os.path.exists(path):
            return ProfileDB()
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            if data.get("format") != FORMAT or data.get("version") != VERSION:
                raise ProfileDBError(f"{path}: not a version {VERSION} {FORMAT} file")
            return ProfileDB({key: Decision(**entry) for key, entry in data["entries"].items()})
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, AttributeError) as e:
            raise ProfileDBError(f"{path}: invalid profiling database: {e}") from None

    def save(self, path: str) -> None:
        """Write the database to `path` atomically (sorted keys, so files diff well)."""
        data = {
            "format": FORMAT,
            "version": VERSION,
            "entries": {k: asdict(d) for k, d in sorted(self.entries.items())},
        }
        directory = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".profile-db-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1)
                f.write("\n")
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise


@lru_cache(maxsize=1 << 16)
def attribute_text(attribute: Attribute) -> str:
    """`str(attribute)`, remembered: signatures print the same few types and properties over and over."""
    return str(attribute)


def kernel_signature(ops: Sequence[graph.GraphOp]) -> str:
    """What decides the modelled cost of `ops` as one kernel: types, properties, shapes and wiring.

    An operand produced inside the kernel is written `%op.result` (local op
    number); one from outside by its type. A result used outside the kernel is
    marked `!`.
    """
    local = {op: i for i, op in enumerate(ops)}
    parts: list[str] = []
    for op in ops:
        args = [
            f"%{local[v.owner]}.{v.index}" if v.owner in local else attribute_text(v.type)  # type: ignore[attr-defined]
            for v in op.operands
        ]
        props = ",".join(f"{k}={attribute_text(v)}" for k, v in sorted(op.properties.items()))
        results = [
            f"{attribute_text(r.type)}{'!' if any(u.operation not in local for u in r.uses) else ''}"
            for r in op.results
        ]
        parts.append(f"{op.name}{{{props}}}({','.join(args)})->({','.join(results)})")
    return ";".join(parts)


def pair_key(target: Accelerator, block: Sequence[graph.GraphOp], candidate: graph.GraphOp) -> str:
    """The database key of fusing `candidate` into `block` on `target` (every parameter of it, not only its name)."""
    text = f"{target!r}|{kernel_signature(block)}|{kernel_signature([*block, candidate])}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def pair_label(block: Sequence[Operation], candidate: Operation) -> str:
    """`graph.dense+graph.reshape -> graph.transpose` (long blocks abbreviated)."""
    names = [op.name for op in block]
    shown = "+".join(names[:4]) + (f"+... ({len(names)} ops)" if len(names) > 4 else "")
    return f"{shown} -> {candidate.name}"


@dataclass
class CostModelProfiler:
    """Profitability from the hardware cost model, with yellow-cell decisions cached in a ProfileDB."""

    target: Accelerator
    cores: int = 1
    db: ProfileDB = field(default_factory=ProfileDB)

    def fits_on_chip(self, ops: Sequence[graph.GraphOp]) -> bool:
        """True if the per-core working set of `ops` as one kernel fits on chip, whole or in row tiles.

        This is the cost model's own rule for keeping intermediates on chip;
        otherwise they would have to spill to DRAM.
        """
        model = cost_model(self.target)
        return model.tiles_needed(model.boundary(ops), self.cores) is not None

    def fused_not_slower(self, block: Sequence[graph.GraphOp], candidate: graph.GraphOp) -> bool:
        """True if `block` + `candidate` as one kernel keeps its intermediates on chip and is not slower than apart."""
        key = pair_key(self.target, block, candidate)
        decision = self.db.lookup(key)
        if decision is None:
            decision = self.measure(block, candidate)
            self.db.record(key, decision)
        return decision.fuse

    def measure(self, block: Sequence[graph.GraphOp], candidate: graph.GraphOp) -> Decision:
        """The fused kernel's fastest schedule that keeps its intermediates on chip against the parts apart.

        Fusing means keeping the intermediates on chip, so the fused side is
        `CostModel.on_chip_cost`: it pays for tiles (halos, weights re-read per
        tile), short DRAM runs of a fused shuffle, barriers and traffic between
        cores. When no such schedule fits, the decision records the spilled
        latency and says "spilled" (a capacity loss: not fused).
        """
        model = cost_model(self.target)
        fused = model.on_chip_cost(model.boundary([*block, candidate]), self.cores)
        if fused is None:
            fused = model.group_cost([*block, candidate], self.cores)
        separate = model.group_cost(block, self.cores).latency + model.group_cost([candidate], self.cores).latency
        return Decision(pair_label(block, candidate), fused.latency, separate, fused.intermediates)
