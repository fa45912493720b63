"""Source locations through the passes, and how reports and errors name them.

Every op carries an MLIR location (`op.location`): the .dlm front end gives the
`FileLineColLoc` of the expression that made it, inside blocks and repeats a
`CallSiteLoc` chain of the block calls and repeat iterations; the ONNX
importer gives `NameLoc(node name, FileLineColLoc(model file, 0, 0))`.

The passes keep them, as MLIR's do: a rewrite that replaces ops gives each new
op the *fused location* of the ops it replaces (`fused_location`, MLIR's
`FusedLoc::get`: nested fused locations flattened, duplicates and unknown
locations dropped, a single location unwrapped), and a region op formed by
outlining (`fusion.group`, `accel.kernel`) gets the fused location of its body.

`source_locations` lists the leaf locations under a location (what a kernel
was made from); `describe_sources` words them for a report (`resnet50.dlm:19-21
via 54 (iteration 2 of 3)`, or ONNX node names); `file_location` is the
position an error points at.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Sequence
from typing import Any

from xdsl.dialects.builtin import (
    CallSiteLoc,
    FileLineColLoc,
    FusedLoc,
    LocationAttr,
    NameLoc,
    NoneAttr,
    UnknownLoc,
)
from xdsl.ir import Attribute, Operation
from xdsl.printer import Printer

UNKNOWN = UnknownLoc()


def fused_location(sources: Iterable[Operation | Attribute]) -> LocationAttr:
    """The fused location of ops (or locations): MLIR's `FusedLoc::get` without metadata.

    Nested fused locations are flattened, unknown ones dropped and duplicates
    removed (first occurrence kept); one location is returned as itself, none
    as `loc(unknown)`.
    """
    flat: list[Attribute] = []
    seen: set[Attribute] = set()

    def add(loc: Attribute) -> None:
        if isinstance(loc, FusedLoc) and isinstance(loc.metadata, NoneAttr):
            for inner in loc.locations.data:  # type: ignore[union-attr]
                add(inner)
        elif not isinstance(loc, UnknownLoc | NoneAttr) and loc not in seen:
            seen.add(loc)
            flat.append(loc)

    for source in sources:
        add(source.location if isinstance(source, Operation) else source)
    if not flat:
        return UNKNOWN
    if len(flat) == 1:
        return flat[0]  # type: ignore[return-value]
    return FusedLoc(tuple(flat), NoneAttr())


def located(new_ops: Sequence[Operation], sources: Iterable[Operation | Attribute]) -> Sequence[Operation]:
    """Give each of `new_ops` that has no location yet the fused location of `sources`; returns `new_ops`.

    The one call a rewrite makes: `rewriter.replace(op, located(new_ops, [op, *others]))`.
    """
    loc: LocationAttr | None = None
    for op in new_ops:
        if isinstance(op.location, UnknownLoc):
            if loc is None:
                loc = fused_location(sources)
            op.location = loc
    return new_ops


def source_locations(loc: Attribute) -> list[Attribute]:
    """The locations a (possibly fused) location stands for, flattened, in order, without unknown ones."""
    fused = fused_location([loc])
    if isinstance(fused, FusedLoc):
        return list(fused.locations.data)  # type: ignore[union-attr]
    return [] if isinstance(fused, UnknownLoc) else [fused]


def file_location(loc: Attribute) -> FileLineColLoc | None:
    """The source position of a location: the innermost expression of a call-site chain, the first of a
    fused location, the position under a name; None without a real one (ONNX nodes are at line 0)."""
    if isinstance(loc, FileLineColLoc):
        return loc if loc.line.data > 0 else None
    if isinstance(loc, CallSiteLoc):
        return file_location(loc.callee) or file_location(loc.caller)
    if isinstance(loc, NameLoc):
        return file_location(loc.location)
    if isinstance(loc, FusedLoc):
        for inner in loc.locations.data:  # type: ignore[union-attr]
            if (found := file_location(inner)) is not None:
                return found
    return None


def format_position(loc: FileLineColLoc) -> str:
    """`FILE:LINE:COL`, as diagnostics start."""
    return f"{loc.filename.data}:{loc.line.data}:{loc.column.data}"


# --------------------------------------------------------------------------- reports


def _frames(loc: Attribute) -> tuple[Attribute, tuple[Attribute, ...]]:
    """A call-site chain as (innermost location, callers outermost first)."""
    callers: list[Attribute] = []
    while isinstance(loc, CallSiteLoc):
        callers.append(loc.caller)
        loc = loc.callee
    flat: list[Attribute] = []
    for caller in reversed(callers):  # the caller of a call site may itself be a chain (outermost last)
        inner, outer = _frames(caller)
        flat += [*outer, inner]
    return loc, tuple(flat)


def _caller_text(caller: Attribute) -> str:
    """`54` for a block call at line 54; `(iteration 2 of 3)` for a repeat's iteration."""
    if isinstance(caller, FileLineColLoc):
        return str(caller.line.data)
    if isinstance(caller, NameLoc):
        return f"({caller.desc.data})"
    return str(caller)


def _line_ranges(lines: Iterable[int]) -> str:
    """`3-5,9`: sorted lines as ranges."""
    ordered = sorted(set(lines))
    ranges: list[str] = []
    start = previous = ordered[0]
    for line in [*ordered[1:], None]:
        if line is not None and line == previous + 1:
            previous = line
            continue
        ranges.append(str(start) if start == previous else f"{start}-{previous}")
        if line is not None:
            start = previous = line
    return ",".join(ranges)


def _names_text(names: Sequence[str], limit: int) -> str:
    """Node names, their common `/`-path prefix factored out: `/layer1/0/{conv1/Conv, relu/Relu}`."""
    if len(names) == 1:
        return names[0]
    prefix = os.path.commonprefix(list(names))
    prefix = prefix[: prefix.rfind("/") + 1] if "/" in prefix else ""
    shown = [n[len(prefix) :] for n in names[:limit]]
    more = f", +{len(names) - limit} more" if len(names) > limit else ""
    return f"{prefix}{{{', '.join(shown)}{more}}}"


def describe_sources(loc: Attribute, limit: int = 4) -> str:
    """A kernel's (or op's) source in a few words: file and line ranges per call path, or ONNX node names.

    .dlm locations are grouped by the chain of block calls and repeat
    iterations they were reached through; each group reads
    `FILE:LINES via CALL via CALL (iteration I of N)`, groups are joined by
    `; `. ONNX node names (name locations) are listed with their common path
    prefix factored out. '-' when there is no location.
    """
    groups: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    names: list[str] = []
    others: list[str] = []
    for leaf in source_locations(loc):
        inner, callers = _frames(leaf)
        if isinstance(inner, NameLoc) and not callers:
            if inner.desc.data not in names:
                names.append(inner.desc.data)
        elif isinstance(inner, FileLineColLoc):
            key = (os.path.basename(inner.filename.data), tuple(_caller_text(c) for c in callers))
            groups.setdefault(key, []).append(inner.line.data)
        else:
            others.append(str(inner))
    parts = []
    for (file, callers), lines in list(groups.items())[:limit]:
        via = ""
        for caller in callers[::-1]:
            via += f" {caller}" if caller.startswith("(") else f" via {caller}"
        parts.append(f"{file}:{_line_ranges(lines)}{via}")
    if len(groups) > limit:
        parts.append(f"+{len(groups) - limit} more")
    if names:
        parts.append(_names_text(names, limit))
    parts += others[:limit]
    return "; ".join(parts) or "-"


def location_record(loc: Attribute) -> dict[str, Any]:
    """A location as JSON: `{"file", "line", "column"}`; a name location adds `"name"`; a call
    site adds `"called_from"`, the callers innermost first (each such a record); anything else `{"mlir": text}`."""
    if isinstance(loc, FileLineColLoc):
        return {"file": loc.filename.data, "line": loc.line.data, "column": loc.column.data}
    if isinstance(loc, NameLoc):
        inner = {} if isinstance(loc.location, NoneAttr) else location_record(loc.location)
        return {"name": loc.desc.data, **inner}
    if isinstance(loc, CallSiteLoc):
        inner, callers = _frames(loc)
        return {**location_record(inner), "called_from": [location_record(c) for c in reversed(callers)]}
    stream = io.StringIO()
    Printer(stream=stream).print_attribute(loc)
    return {"mlir": stream.getvalue()}


def location_records(loc: Attribute) -> list[dict[str, Any]]:
    """The leaf locations of a (possibly fused) location as JSON records (`location_record`)."""
    return [location_record(leaf) for leaf in source_locations(loc)]
