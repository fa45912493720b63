"""hw/weights.py: deterministic initial values, .npz loading and the weight store,
and how the frontend checks a model against a weights file."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects.builtin import TensorType, f16, f32, i64

from dlfc.compiler.frontend import DlmError, load_dlm, parse_dlm
from dlfc.hw.weights import (
    INIT_KINDS,
    WeightError,
    WeightStore,
    initial_value,
    load_npz,
    seed_of,
    store_of,
)


def t(*shape: int, element_type: object = f32) -> TensorType:
    return TensorType(element_type, list(shape))


def test_seed_is_crc32_of_the_name() -> None:
    assert seed_of("stage1.0.y.weight") == zlib.crc32(b"stage1.0.y.weight")


def test_initial_values_are_deterministic_per_name() -> None:
    a = initial_value("x.weight", t(8, 3, 3, 3), "he_normal")
    assert np.array_equal(a, initial_value("x.weight", t(8, 3, 3, 3), "he_normal"))
    assert not np.array_equal(a, initial_value("y.weight", t(8, 3, 3, 3), "he_normal"))
    rng = np.random.default_rng(zlib.crc32(b"x.weight"))
    expected = rng.standard_normal((8, 3, 3, 3), dtype=np.float32) * np.float32(np.sqrt(2 / 27))
    assert np.array_equal(a, expected)


def test_initial_value_distributions() -> None:
    he = initial_value("w", t(256, 64, 3, 3), "he_normal")
    assert he.dtype == np.float32 and he.shape == (256, 64, 3, 3)
    assert abs(he.std() - np.sqrt(2 / (64 * 9))) < 0.002 and abs(he.mean()) < 0.002
    assert np.array_equal(initial_value("b", t(5), "zeros"), np.zeros(5, np.float32))
    assert np.array_equal(initial_value("s", t(5), "ones"), np.ones(5, np.float32))
    normal = initial_value("e", t(1000, 100), "normal")
    assert abs(normal.std() - 0.02) < 0.001
    for kind in ("bn_scale", "bn_var"):
        v = initial_value(kind, t(10000), kind)
        assert v.min() >= 0.5 and v.max() <= 1.5 and v.std() > 0.2
    shift = initial_value("m", t(10000), "bn_shift")
    assert abs(shift.std() - 0.1) < 0.005


def test_initial_value_dtype_follows_the_element_type() -> None:
    assert initial_value("h", t(3, element_type=f16), "normal").dtype == np.float16
    assert initial_value("i", t(3, element_type=i64), "zeros").dtype == np.int64


def test_every_init_kind_the_frontend_uses_is_known() -> None:
    assert {"he_normal", "zeros", "ones", "normal", "bn_scale", "bn_shift", "bn_var"} <= set(INIT_KINDS)
    with pytest.raises(ValueError, match="unknown initialiser 'glorot'"):
        initial_value("w", t(2), "glorot")


def test_load_npz(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    np.savez(path, **{"a.weight": np.ones((2, 3), np.float32)})
    arrays = load_npz(str(path))
    assert list(arrays) == ["a.weight"] and arrays["a.weight"].shape == (2, 3)


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "cannot read weights file: No such file or directory"),
        (b"", "not a valid .npz file"),
        (b"not an archive", "not a valid .npz file"),
        ("npy", "not an .npz archive (a single .npy array?)"),
    ],
)
def test_load_npz_errors(tmp_path: Path, content: bytes | str | None, message: str) -> None:
    path = tmp_path / "w.npz"
    if content == "npy":
        with open(path, "wb") as f:
            np.save(f, np.zeros(3))
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(WeightError) as info:
        load_npz(str(path))
    assert str(info.value) == message


def test_store_checks_shape_and_kind_and_converts_precision() -> None:
    store = WeightStore({"w": np.ones((2, 3)), "ids": np.zeros(3, np.int32)}, "w.npz")
    assert store.provided("absent", t(2)) is None
    value = store.provided("w", t(2, 3))
    assert value is not None and value.dtype == np.float32
    with pytest.raises(WeightError, match=r"^weight 'w' in w.npz has shape \[2,3\], expected \[3,2\]$"):
        store.provided("w", t(3, 2))
    with pytest.raises(WeightError, match=r"^weight 'ids' in w.npz has dtype int32, expected f32$"):
        store.provided("ids", t(3))


def test_store_get_prefers_the_file_then_generates_and_caches_read_only() -> None:
    store = WeightStore({"w": np.full((2,), 7.0, np.float32)})
    assert store.get("w", t(2), "zeros").tolist() == [7.0, 7.0]
    generated = store.get("v", t(4), "he_normal")
    assert np.array_equal(generated, initial_value("v", t(4), "he_normal"))
    assert store.get("v", t(4), "he_normal") is generated
    with pytest.raises(ValueError):
        generated[0] = 1.0


MODEL = "model m {\n  input x: f32[1, 4]\n  fc = dense(x, 2)\n  output fc\n}\n"


def test_frontend_accepts_a_matching_weights_file_and_attaches_it(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    np.savez(path, **{"fc.weight": np.full((2, 4), 3.0), "unused": np.zeros(1)})
    module = parse_dlm(MODEL, "t.dlm", weights=str(path))
    store = store_of(module)
    assert store.get("fc.weight", t(2, 4), "he_normal").tolist() == [[3.0] * 4] * 2
    assert np.array_equal(store.get("fc.bias", t(2), "zeros"), np.zeros(2, np.float32))


def test_frontend_reports_weight_mismatch_at_the_layer_call(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    np.savez(path, **{"fc.bias": np.zeros(3, np.float32)})
    with pytest.raises(DlmError) as info:
        parse_dlm(MODEL, "t.dlm", weights=str(path))
    assert str(info.value) == (
        f"t.dlm:3:8: error: weight 'fc.bias' in {path} has shape [3], expected [2]\n  fc = dense(x, 2)\n       ^"
    )


def test_frontend_reports_unreadable_weights_file_without_position(tmp_path: Path) -> None:
    model = tmp_path / "m.dlm"
    model.write_text(MODEL)
    with pytest.raises(DlmError) as info:
        load_dlm(str(model), str(tmp_path))
    assert str(info.value) == f"{tmp_path}: error: cannot read weights file: Is a directory"
    assert (info.value.file, info.value.line, info.value.column) == (str(tmp_path), None, None)
