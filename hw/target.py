"""The accelerator description: the numbers the cost model and the interpreter run on.

An `Accelerator` is loaded from a TOML file; the presets shipped in
`hw/presets/` (`mlu100`, the default, and `mlu270`) document each number and
why it was chosen. Every field is in SI units (seconds, bytes, FLOP/s); the
TOML files use the units datasheets use (TFLOP/s, GB/s, KiB, µs, cycles).
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

PRESET_DIR = Path(__file__).parent / "presets"
DEFAULT_TARGET = "mlu100"


class TargetError(ValueError):
    """An accelerator that cannot be loaded: unknown preset, unreadable or invalid TOML, missing key."""


@dataclass(frozen=True)
class Accelerator:
    """A multi-core DNN accelerator as the cost model sees it.

    Compute: `cores` identical cores (grouped in `clusters` of equal size)
    sharing `peak_flops`; a kernel may run on any of `legal_cores` cores.
    Vector units process `vector_width` elements of `element_bytes` bytes at
    once along the channel axis. Memory: DRAM of `dram_bandwidth` shared by all
    cores, each core's DMA engine moving at most `core_dma_bandwidth`; each core
    has `onchip_bytes` of scratchpad for a kernel's activation tiles and
    intermediates and a separate `weight_buffer_bytes` for weights; a DMA burst
    moves `dram_burst_bytes` (shorter contiguous runs waste the rest);
    `prefetch_bytes` of scratchpad per core hold the next op's operands while
    the current op computes. Links: cores exchange data (re-partitioning,
    halos) at `link_bandwidth` each plus `link_latency_cycles` per exchange;
    with `cross_cluster_via_dram`, traffic between clusters goes through DRAM.
    Overheads: `launch_overhead` per kernel launch; `sync_per_core_cycles` per
    extra core and `sync_per_cluster_cycles` per extra cluster a kernel spans
    (also the cost of a barrier between dependent ops); `tile_cycles` per op
    and depth-first tile (DMA descriptors, loop control).
    """

    name: str
    description: str
    clock_hz: float
    peak_flops: float
    cores: int
    clusters: int
    legal_cores: tuple[int, ...]
    vector_width: int
    element_bytes: int
    dram_bandwidth: float
    core_dma_bandwidth: float
    onchip_bytes: int
    weight_buffer_bytes: int
    dram_burst_bytes: int
    prefetch_bytes: int
    link_bandwidth: float
    link_latency_cycles: int
    cross_cluster_via_dram: bool
    launch_overhead: float
    sync_per_core_cycles: int
    sync_per_cluster_cycles: int
    tile_cycles: int

    @property
    def core_peak_flops(self) -> float:
        """FLOP/s of one core: the chip's peak shared equally by its cores."""
        return self.peak_flops / self.cores

    @property
    def cores_per_cluster(self) -> int:
        return self.cores // self.clusters

    def sync_overhead(self, cores: int) -> float:
        """Seconds to start and join `cores` cores of one kernel (0 on one core).

        sync(c) = [(c - 1) * sync_per_core_cycles
                   + (ceil(c / cores_per_cluster) - 1) * sync_per_cluster_cycles] / clock
        """
        clusters = math.ceil(cores / self.cores_per_cluster)
        cycles = (cores - 1) * self.sync_per_core_cycles + (clusters - 1) * self.sync_per_cluster_cycles
        return cycles / self.clock_hz


# TOML key -> (Accelerator field, type, SI units per TOML unit; a negative n means 1/-n).
# Order is the files' layout.
_SCHEMA: dict[str, tuple[str, type, float]] = {
    "name": ("name", str, 1),
    "description": ("description", str, 1),
    "compute.clock_ghz": ("clock_hz", float, 1e9),
    "compute.peak_tflops": ("peak_flops", float, 1e12),
    "compute.cores": ("cores", int, 1),
    "compute.clusters": ("clusters", int, 1),
    "compute.legal_cores": ("legal_cores", list, 1),
    "compute.vector_width": ("vector_width", int, 1),
    "compute.element_bytes": ("element_bytes", int, 1),
    "memory.dram_gbps": ("dram_bandwidth", float, 1e9),
    "memory.core_dma_gbps": ("core_dma_bandwidth", float, 1e9),
    "memory.onchip_kib": ("onchip_bytes", int, 1024),
    "memory.weight_buffer_kib": ("weight_buffer_bytes", int, 1024),
    "memory.dram_burst_bytes": ("dram_burst_bytes", int, 1),
    "memory.prefetch_kib": ("prefetch_bytes", int, 1024),
    "links.core_link_gbps": ("link_bandwidth", float, 1e9),
    "links.link_latency_cycles": ("link_latency_cycles", int, 1),
    "links.cross_cluster_via_dram": ("cross_cluster_via_dram", bool, 1),
    "overhead.launch_us": ("launch_overhead", float, -1e6),
    "overhead.sync_per_core_cycles": ("sync_per_core_cycles", int, 1),
    "overhead.sync_per_cluster_cycles": ("sync_per_cluster_cycles", int, 1),
    "overhead.tile_cycles": ("tile_cycles", int, 1),
}


def preset_names() -> list[str]:
    """The names of the shipped presets."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def load_target(name_or_path: str = DEFAULT_TARGET) -> Accelerator:
    """The accelerator named by a preset name (`mlu100`) or a path to a `.toml` file.

    Raises TargetError with a one-line message for an unknown preset, a file
    that is not valid TOML, a missing or unknown key, or an inconsistent value.
    """
    path, data = _read(name_or_path)
    return _from_table(data, str(path))


def target_keys() -> list[str]:
    """Every key of a description, dotted (`compute.cores`), in the files' order."""
    return list(_SCHEMA)


def target_table(name_or_path: str = DEFAULT_TARGET) -> dict[str, Any]:
    """A preset's or file's description as dotted key -> value, in the file's units (TargetError if unreadable)."""
    _, data = _read(name_or_path)
    return dict(_flatten(data))


def target_from_table(table: dict[str, Any], source: str) -> Accelerator:
    """The accelerator of a dotted-key table (as `target_table` returns); `source` names it in errors."""
    return _from_table(table, source)


def table_toml(table: dict[str, Any]) -> str:
    """A dotted-key table as a description file that `load_target` reads back to the same accelerator."""
    top: list[str] = []
    sections: dict[str, list[str]] = {}
    for key, value in table.items():
        section, _, name = key.rpartition(".")
        line = f"{name} = {json.dumps(value) if isinstance(value, str | list | bool) else repr(value)}"
        (sections.setdefault(section, []) if section else top).append(line)
    parts = ["\n".join(top), *(f"[{section}]\n" + "\n".join(lines) for section, lines in sections.items())]
    return "\n\n".join(parts) + "\n"


def _read(name_or_path: str) -> tuple[Path, dict[str, Any]]:
    if name_or_path.endswith(".toml") or "/" in name_or_path or "\\" in name_or_path:
        path = Path(name_or_path)
        if not path.is_file():
            raise TargetError(f"{name_or_path}: no such accelerator description file")
    else:
        path = PRESET_DIR / f"{name_or_path}.toml"
        if not path.is_file():
            raise TargetError(
                f"unknown accelerator '{name_or_path}': expected a preset ({', '.join(preset_names())}) or a .toml file"
            )
    try:
        return path, tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise TargetError(f"{path}: invalid TOML: {e}") from None
    except OSError as e:
        raise TargetError(f"{path}: cannot read: {e.strerror}") from None


def _from_table(data: dict[str, Any], source: str) -> Accelerator:
    flat = dict(_flatten(data))
    unknown = sorted(set(flat) - set(_SCHEMA))
    if unknown:
        raise TargetError(f"{source}: unknown key '{unknown[0]}' (known: {', '.join(_SCHEMA)})")
    fields: dict[str, Any] = {}
    for key, (field, kind, factor) in _SCHEMA.items():
        if key not in flat:
            raise TargetError(f"{source}: missing key '{key}'")
        fields[field] = _convert(source, key, flat[key], kind, factor)
    fields["legal_cores"] = tuple(fields["legal_cores"])
    target = Accelerator(**fields)
    _validate(target, source)
    return target


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in table.items():
        if isinstance(value, dict):
            items += _flatten(value, f"{prefix}{key}.")
        else:
            items.append((f"{prefix}{key}", value))
    return items


def _convert(source: str, key: str, value: Any, kind: type, factor: float) -> Any:
    if kind is list:
        if not isinstance(value, list) or not value or not all(_is_int(v) for v in value):
            raise TargetError(f"{source}: '{key}' must be a non-empty list of integers")
        return value
    if kind is bool:
        if not isinstance(value, bool):
            raise TargetError(f"{source}: '{key}' must be true or false")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise TargetError(f"{source}: '{key}' must be a string")
        return value
    if kind is int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not _is_int(value) or not 0 <= value <= MAX_INTEGER:
            raise TargetError(f"{source}: '{key}' must be an integer from 0 to {MAX_INTEGER}")
        return value * int(factor)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise TargetError(f"{source}: '{key}' must be a positive finite number, got {value}")
    return float(value) / -factor if factor < 0 else float(value) * factor


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


MAX_INTEGER = 2**31 - 1
"""The largest integer a description may give (cycles, bytes, widths)."""
MAX_CORES = 4096
"""The most cores a target may have: tuners and the cost model loop over core counts."""


def _validate(t: Accelerator, source: str) -> None:
    if not 1 <= t.cores <= MAX_CORES:
        raise TargetError(f"{source}: 'compute.cores' must be from 1 to {MAX_CORES}, got {t.cores}")
    if t.onchip_bytes < 1:
        raise TargetError(f"{source}: 'memory.onchip_kib' must be positive: a kernel's intermediates live on chip")
    if t.cores < 1 or t.clusters < 1 or t.cores % t.clusters:
        raise TargetError(f"{source}: {t.clusters} clusters must evenly divide {t.cores} cores")
    if list(t.legal_cores) != sorted(set(t.legal_cores)) or t.legal_cores[0] < 1 or t.legal_cores[-1] > t.cores:
        raise TargetError(f"{source}: 'compute.legal_cores' must be increasing values between 1 and {t.cores}")
    if t.vector_width < 1 or t.element_bytes < 1:
        raise TargetError(f"{source}: 'compute.vector_width' and 'compute.element_bytes' must be positive")
    if t.dram_burst_bytes < 1:
        raise TargetError(f"{source}: 'memory.dram_burst_bytes' must be positive")
    if t.core_dma_bandwidth > t.dram_bandwidth:
        raise TargetError(f"{source}: 'memory.core_dma_gbps' cannot exceed 'memory.dram_gbps'")


def resolve_key(key: str) -> str:
    """The TOML key (`memory.onchip_kib`) of a key or its last part (`onchip_kib`); TargetError if unknown."""
    matches = [k for k in _SCHEMA if k == key or k.rsplit(".", 1)[-1] == key]
    if len(matches) != 1:
        raise TargetError(f"unknown accelerator parameter '{key}' (known: {', '.join(sweep_keys())})")
    return matches[0]


def with_overrides(target: Accelerator, overrides: dict[str, Any]) -> Accelerator:
    """`target` with some parameters changed, each given by its TOML key (`memory.onchip_kib`) or last part (`onchip_kib`).

    Values are in the TOML units; raises TargetError for an unknown or ambiguous key or an invalid value.
    """
    fields: dict[str, Any] = {}
    for key, value in overrides.items():
        full = resolve_key(key)
        field, kind, factor = _SCHEMA[full]
        fields[field] = _convert("override", full, value, kind, factor)
        if field == "legal_cores":
            fields[field] = tuple(fields[field])
    changed = replace(target, **fields)
    _validate(changed, "override")
    return changed


def sweep_keys() -> list[str]:
    """The short names of the numeric parameters (for `--sweep KEY=V1,V2`)."""
    return [k.rsplit(".", 1)[-1] for k, (_, kind, _) in _SCHEMA.items() if kind in (int, float)]
