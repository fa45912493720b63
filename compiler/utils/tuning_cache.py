"""The tuning cache: what a search learnt, keyed by kernel signatures and the target's parameters.

Two kernels with the same signature have the same modelled cost and the same
legality: the signature says everything the cost model and the fusion table
read (each op's name, properties, operand and result types, which operands
are weights, which come from which op of the kernel, which external values
are shared, which results leave the kernel), and nothing else (not where the
ops sit in the model). `KernelKeys` computes signatures from integer indexes
built once per function, so a search can look up each candidate kernel
before costing it: long models repeat the same blocks, and a chain of equal
ops has one kernel per length.

`TuningCache` keeps the costs of kernels and the results of whole searches
across compilations, in an SQLite file (safe for concurrent compilations):
by default `$XDG_CACHE_HOME/dlfc/tuning.sqlite` (`~/.cache/dlfc/...` when the
variable is unset). A key is a hash of the entry's kind, the target's every
parameter, the cost model's source (a changed model never reads old
entries) and the signature; the key of a search's result (every kind but
`kernel`, a kernel's cost) also hashes the source of the planner that
produced it (`planner_version`: the pass passes its modules), so a changed
planner never reads plans an older one made. This is `fuse-dnnfusion`'s profiling database
(`profile_db.py`) applied to the tuner; `autotune{tuning-cache=false}` or
`dlfc --no-tuning-cache` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from types import ModuleType

from dlfc.dialects import graph
from dlfc.hw import cost
from dlfc.hw import target as target_description
from dlfc.hw.target import Accelerator

Signature = tuple[tuple[int, tuple[int, ...], tuple[bool, ...]], ...]


class KernelKeys:
    """Signatures of subsets of one function's graph ops (by index in `ops`, a topological order)."""

    def __init__(self, ops: Sequence[graph.GraphOp]):
        index = {op: i for i, op in enumerate(ops)}
        texts: dict[str, int] = {}
        self.static: list[int] = []
        """Per op, the id of its own text: name, properties, operand and result types, which operands are weights."""
        self.operands: list[tuple[tuple[int, int, int], ...]] = []
        """Per op, per operand: (producing op or -1, result index, the value's id)."""
        self.consumers: list[tuple[frozenset[int], ...]] = []
        """Per op, per result: the consuming ops (-1: a use outside `ops`)."""
        attribute_text = cache(str)
        for op in ops:
            props = ",".join(f"{k}={attribute_text(v)}" for k, v in sorted(op.properties.items()))
            args = ",".join(f"{attribute_text(v.type)}{'w' if graph.is_source(v.owner) else ''}" for v in op.operands)
            results = ",".join(attribute_text(r.type) for r in op.results)
            self.static.append(texts.setdefault(f"{op.name}{{{props}}}({args})->({results})", len(texts)))
            producers = [index.get(v.owner, -1) for v in op.operands]  # type: ignore[call-overload]
            self.operands.append(
                tuple((p, v.index if p >= 0 else 0, id(v)) for p, v in zip(producers, op.operands, strict=True))  # type: ignore[attr-defined]
            )
            self.consumers.append(tuple(frozenset(index.get(u.operation, -1) for u in r.uses) for r in op.results))
        self.texts = list(texts)

    def key(self, members: Sequence[int]) -> Signature:
        """The signature of the ops at `members` (ascending indices) as one kernel."""
        builder = KeyBuilder(self)
        for m in reversed(members):
            builder.prepend(m)
        return builder.key()

    def text(self, key: Signature) -> str:
        """A signature as text that means the same in every process."""
        return ";".join(f"{self.texts[s]}{list(args)}{''.join('!' if e else '.' for e in esc)}" for s, args, esc in key)


class KeyBuilder:
    """The signature of a kernel grown one op at a time, each op before (in the index order) all the others.

    Members are numbered from the last: the last op is 0. An operand produced in
    the kernel is `64 * producer + result`; an external value is `-1 - (64 *
    reader + operand)` for its reader with the smallest number, so a new op
    only changes its own entry and those of its consumers (the values it
    produces stop being external). `key()` is then a copy of the entries.
    """

    def __init__(self, keys: KernelKeys):
        self.keys = keys
        self.local: dict[int, int] = {}
        self.entries: list[tuple[int, tuple[int, ...], tuple[bool, ...]]] = []
        self.names: dict[int, int] = {}
        """External value id -> its name."""

    def prepend(self, m: int) -> None:
        keys, local = self.keys, self.local
        k = local[m] = len(self.entries)
        names = self.names
        args = []
        for slot, (_, _, value) in enumerate(keys.operands[m]):
            args.append(-1 - names.setdefault(value, 64 * k + slot))
        escapes = tuple([not local.keys() >= users for users in keys.consumers[m]])
        self.entries.append((keys.static[m], tuple(args), escapes))
        for users in keys.consumers[m]:
            for c in users:
                j = local.get(c)
                if j is not None and j != k:
                    static, old, esc = self.entries[j]
                    self.entries[j] = (
                        static,
                        tuple(
                            [64 * k + r if p == m else a for a, (p, r, _) in zip(old, keys.operands[c], strict=True)]
                        ),
                        esc,
                    )

    def key(self) -> Signature:
        return tuple(self.entries)


@cache
def model_version() -> str:
    """A hash of the cost model's source and the target description: entries of another model are never read."""
    digest = hashlib.sha256()
    for module in (cost, target_description, graph):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:16]


KERNEL = "kernel"
"""The kind of entry that holds one kernel's cost: keyed by the cost model only, shared by every planner."""


def planner_version(modules: Sequence[ModuleType]) -> str:
    """A hash of the source of `modules` (read now: an edited file gives another hash in the same process)."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:16]


def default_path() -> Path:
    """`$XDG_CACHE_HOME/dlfc/tuning.sqlite`, or `~/.cache/dlfc/tuning.sqlite`."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dlfc" / "tuning.sqlite"


class TuningCache:
    """Entries (JSON values) by hashed key, read from and written to an SQLite file; counts hits and misses.

    Writes are kept in memory and committed by `save` in one transaction. An
    unreadable or unwritable file disables the cache for the run (tuning never
    fails because of its cache).
    """

    def __init__(self, path: Path | None, target: Accelerator, planner: Sequence[ModuleType] = ()):
        """No file (`path` None): a cache that never finds anything and stores nothing.

        `planner`: the modules whose code decides the search results stored here (hashed into
        every key but a kernel's cost's).
        """
        self.path, self.prefix = path, f"{model_version()}|{target!r}|"
        self.planner = planner_version(planner) if path is not None else ""
        self.hits = self.misses = 0
        self.pending: dict[str, str] = {}
        self.connection: sqlite3.Connection | None = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.connection = sqlite3.connect(path, timeout=30)
                self.connection.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT)")
            except (OSError, sqlite3.Error):
                self.connection = None

    def hashed(self, kind: str, text: str) -> str:
        planner = "" if kind == KERNEL else self.planner
        return hashlib.sha256(f"{self.prefix}{planner}|{kind}|{text}".encode()).hexdigest()[:32]

    def get(self, kind: str, text: str) -> object | None:
        """The value stored under (kind, text), or None."""
        if self.connection is None:
            return None
        key = self.hashed(kind, text)
        found = self.pending.get(key)
        if found is None:
            try:
                row = self.connection.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error:
                row = None
            found = row[0] if row else None
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        return json.loads(found)

    def put(self, kind: str, text: str, value: object) -> None:
        if self.connection is not None:
            self.pending[self.hashed(kind, text)] = json.dumps(value)

    def save(self) -> None:
        """Write the new entries and close the file."""
        if self.connection is None:
            return
        try:
            with self.connection:
                self.connection.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)", self.pending.items())
        except sqlite3.Error:
            pass
        self.connection.close()
        self.connection = None
