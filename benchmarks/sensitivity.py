"""`--sweep KEY=V1,V2 ...` for the benchmarks: the target's assumed parameters, varied one at a time.

Each KEY is a description key (`memory.onchip_kib`) or its last part
(`onchip_kib`), values in the file's units. The settings are the target as
given, then each value of each key with every other parameter as given (a
one-at-a-time sensitivity sweep, not the full grid).
"""

from __future__ import annotations

from pathlib import Path

from dlfc.hw.target import (
    Accelerator,
    TargetError,
    load_target,
    resolve_key,
    table_toml,
    target_table,
    with_overrides,
)


def parse(specs: list[str]) -> list[tuple[str, list[float]]]:
    """`["launch_us=1,5,10"]` -> `[("overhead.launch_us", [1.0, 5.0, 10.0])]`; TargetError on a bad spec."""
    parsed = []
    for spec in specs:
        key, sep, values = spec.partition("=")
        if not sep or not values:
            raise TargetError(f"--sweep {spec}: expected KEY=V1,V2,...")
        try:
            numbers = [float(v) for v in values.split(",")]
        except ValueError:
            raise TargetError(f"--sweep {spec}: values must be numbers") from None
        parsed.append((resolve_key(key), numbers))
    return parsed


def settings(hw: str, specs: list[str], directory: Path) -> list[tuple[str, str, Accelerator]]:
    """(label, description file or preset, accelerator) per setting: the target as given first ("as given")."""
    base = load_target(hw)
    found: list[tuple[str, str, Accelerator]] = [("as given", hw, base)]
    table = target_table(hw)
    for key, values in parse(specs):
        for value in values:
            number: float | int = int(value) if value.is_integer() and isinstance(table[key], int) else value
            target = with_overrides(base, {key: number})
            if target == base:
                continue
            path = directory / f"{key.replace('.', '_')}_{value:g}.toml"
            path.write_text(table_toml({**table, key: number}), encoding="utf-8")
            found.append((f"{key.rsplit('.', 1)[-1]}={value:g}", str(path), target))
    return found
