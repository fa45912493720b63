"""Loading accelerator descriptions: presets, custom files and their errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from dlfc.hw.target import (
    PRESET_DIR,
    Accelerator,
    TargetError,
    load_target,
    preset_names,
    resolve_key,
    table_toml,
    target_from_table,
    target_keys,
    target_table,
    with_overrides,
)


def test_presets_are_shipped() -> None:
    assert preset_names() == ["mlu100", "mlu270"]


def test_mlu100_published_numbers() -> None:
    t = load_target("mlu100")
    assert t.clock_hz == 1e9
    assert t.peak_flops == 64e12
    assert t.dram_bandwidth == 102.4e9
    assert t.cores == 32 and t.legal_cores == (1, 2, 4, 8, 16, 32)
    assert t.core_peak_flops == 2e12
    assert t.onchip_bytes == 384 * 1024
    assert t.launch_overhead == 5e-6


def test_default_target_is_mlu100() -> None:
    assert load_target() == load_target("mlu100")


def test_mlu270_has_clusters() -> None:
    t = load_target("mlu270")
    assert (t.cores, t.clusters, t.cores_per_cluster) == (16, 4, 4)
    assert t.legal_cores == (1, 4, 8, 16)


def test_sync_overhead_grows_with_cores_and_clusters() -> None:
    mlu100, mlu270 = load_target("mlu100"), load_target("mlu270")
    assert mlu100.sync_overhead(1) == 0
    assert mlu100.sync_overhead(32) == pytest.approx(31 * 100 / 1e9)
    # 8 cores on the MLU270 span 2 clusters: 7 core syncs and 1 cluster sync.
    assert mlu270.sync_overhead(8) == pytest.approx((7 * 100 + 1000) / 1e9)
    assert mlu270.sync_overhead(4) == pytest.approx(3 * 100 / 1e9)


def test_load_from_file(tmp_path: Path) -> None:
    text = (PRESET_DIR / "mlu100.toml").read_text().replace('name = "mlu100"', 'name = "mine"')
    path = tmp_path / "mine.toml"
    path.write_text(text.replace("cores = 32", "cores = 64"))
    t = load_target(str(path))
    assert isinstance(t, Accelerator) and t.name == "mine" and t.cores == 64


def error_of(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(TargetError) as info:
        load_target(str(path))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_unknown_preset() -> None:
    with pytest.raises(TargetError, match=r"unknown accelerator 'tpu': expected a preset \(mlu100, mlu270\)"):
        load_target("tpu")


def test_missing_file() -> None:
    with pytest.raises(TargetError, match="no such accelerator description file"):
        load_target("nowhere/chip.toml")


def test_bad_toml(tmp_path: Path) -> None:
    assert "invalid TOML" in error_of(tmp_path, "name = ")


def test_missing_key(tmp_path: Path) -> None:
    text = (PRESET_DIR / "mlu100.toml").read_text().replace("dram_gbps = 102.4", "")
    assert error_of(tmp_path, text).endswith("missing key 'memory.dram_gbps'")


def test_unknown_key(tmp_path: Path) -> None:
    text = (PRESET_DIR / "mlu100.toml").read_text().replace("[memory]", "[memory]\nhbm_gbps = 1")
    assert "unknown key 'memory.hbm_gbps'" in error_of(tmp_path, text)


def test_wrong_type(tmp_path: Path) -> None:
    text = (PRESET_DIR / "mlu100.toml").read_text().replace("cores = 32", 'cores = "many"')
    assert "'compute.cores' must be an integer from 0 to 2147483647" in error_of(tmp_path, text)


def test_inconsistent_values(tmp_path: Path) -> None:
    text = (
        (PRESET_DIR / "mlu100.toml").read_text().replace("legal_cores = [1, 2, 4, 8, 16, 32]", "legal_cores = [1, 64]")
    )
    assert "'compute.legal_cores' must be increasing values between 1 and 32" in error_of(tmp_path, text)
    text = (PRESET_DIR / "mlu100.toml").read_text().replace("clusters = 1", "clusters = 5")
    assert "5 clusters must evenly divide 32 cores" in error_of(tmp_path, text)


def test_table_round_trips_through_toml(tmp_path: Path) -> None:
    for name in preset_names():
        table = target_table(name)
        assert sorted(table) == sorted(target_keys())
        path = tmp_path / f"{name}.toml"
        path.write_text(table_toml(table))
        assert load_target(str(path)) == load_target(name)


def test_table_with_a_changed_value() -> None:
    table = {**target_table("mlu100"), "memory.onchip_kib": 64, "compute.peak_tflops": 8}
    t = target_from_table(table, "edited")
    assert t.onchip_bytes == 64 * 1024 and t.peak_flops == 8e12
    with pytest.raises(TargetError, match=r"^edited: 'memory.onchip_kib' must be an integer from 0 to 2147483647$"):
        target_from_table({**table, "memory.onchip_kib": 1.5}, "edited")


def test_table_toml_spells_values_as_toml() -> None:
    table = {"name": "x", "a.flag": True, "a.off": False, "a.cores": [1, 2], "b.rate": 1e-05, "b.count": 3}
    assert (
        table_toml(table)
        == 'name = "x"\n\n[a]\nflag = true\noff = false\ncores = [1, 2]\n\n[b]\nrate = 1e-05\ncount = 3\n'
    )
    assert tomllib.loads(table_toml(table)) == {
        "name": "x",
        "a": {"flag": True, "off": False, "cores": [1, 2]},
        "b": {"rate": 1e-05, "count": 3},
    }


def test_overrides_by_key_or_short_name() -> None:
    """`--sweep` keys: the full TOML key or its last part, in the file's units; bad keys and values are one line."""
    base = load_target("mlu100")
    changed = with_overrides(base, {"onchip_kib": 128, "overhead.launch_us": 1.0, "cross_cluster_via_dram": True})
    assert (changed.onchip_bytes, changed.launch_overhead, changed.cross_cluster_via_dram) == (128 * 1024, 1e-6, True)
    assert resolve_key("core_dma_gbps") == "memory.core_dma_gbps"
    with pytest.raises(TargetError, match=r"^unknown accelerator parameter 'onchip'"):
        with_overrides(base, {"onchip": 1})
    with pytest.raises(TargetError, match="'memory.core_dma_gbps' cannot exceed 'memory.dram_gbps'"):
        with_overrides(base, {"core_dma_gbps": 204.8})
