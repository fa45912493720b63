"""Fuzzing .npz files: weights (`--weights`), a plan's own weights file, and inputs of `dlfc run`.

Archives are random: arrays of the model's weight names and of other names,
of the right or wrong shapes and dtypes, with NaN and infinity; or corrupt:
truncated, bit-flipped, random bytes, a bare .npy, a zip of other files,
pickled object arrays. Property, for each: dlfc compiles (or runs), or exits
1 with a clean diagnostic (`FILE: error:` or `FILE:LINE:COL: error:` for a
.dlm model, one line `dlfc: error:` otherwise) naming no internal
exception; it never leaves a partial output file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from functools import cache

import numpy as np
import pytest
from fuzz.harness import (
    check_model_diagnostic,
    check_one_line_error,
    check_outputs_written,
    fuzz,
    run_dlfc,
    workspace,
)
from hypothesis import strategies as st

from dlfc.compiler.frontend import parse_dlm
from dlfc.dialects import graph

MODEL = """\
model weights_demo {
  input x: f32[1, 3, 8, 8]
  input ids: i64[1, 4]
  y = relu(batchnorm(conv2d(x, 4, kernel=3, pad=1)))
  e = layernorm(embedding(ids, 10, 4))
  param p: f32[4]
  f = dense(flatten(global_avgpool(y)), 4) * p
  output f, e
}
"""
DTYPES = ["f4", "f8", "f2", ">f4", "i8", "i4", "u1", "?", "c8", "U3", "V4", "M8[s]"]
OTHER_NAMES = ["", "x", "ids", "../up", "a/b", "y.conv2d.weight.extra", "é", "output0", "arr_0"]


@cache
def weight_types() -> dict[str, tuple[int, ...]]:
    """The model's weights: name -> shape."""
    module = parse_dlm(MODEL, "model.dlm")
    return {op.weight_id: graph.shape_of(op.output.type) for op in module.walk() if isinstance(op, graph.WeightOp)}


# --------------------------------------------------------------------------- archives


def arrays(
    names: st.SearchStrategy[str], shape_of: Callable[[str], tuple[int, ...]]
) -> st.SearchStrategy[dict[str, np.ndarray]]:
    """Archives mapping some of `names` to arrays of about the expected shapes, of random dtypes and values."""

    @st.composite
    def array(draw: st.DrawFn, name: str) -> np.ndarray:
        shape = list(shape_of(name))
        change = draw(st.sampled_from(["same", "same", "same", "drop", "add", "resize", "scalar"]))
        if change == "drop" and shape:
            del shape[draw(st.integers(0, len(shape) - 1))]
        elif change == "add":
            shape.insert(draw(st.integers(0, len(shape))), draw(st.integers(1, 3)))
        elif change == "resize" and shape:
            shape[draw(st.integers(0, len(shape) - 1))] = draw(st.integers(0, 12))
        elif change == "scalar":
            shape = []
        dtype = np.dtype(draw(st.sampled_from(DTYPES[:3] * 3 + DTYPES)))
        fill = draw(st.sampled_from(["random", "random", "nan", "inf", "zeros"]))
        rng = np.random.default_rng(draw(st.integers(0, 2**16)))
        values = {"nan": np.full(shape, np.nan), "inf": np.full(shape, -np.inf), "zeros": np.zeros(shape)}
        data = values.get(fill, rng.normal(size=shape) * 3)
        if dtype.kind in "fc":
            return data.astype(dtype)
        integers = np.where(np.isfinite(data), data, 0).astype(np.int64) % 23 - 11  # some outside a 10-row table
        return integers.astype(dtype)

    return st.dictionaries(names, st.just(None), max_size=8).flatmap(
        lambda chosen: st.fixed_dictionaries({name: array(name) for name in chosen})
    )


def npz_bytes(contents: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **contents)
    return buffer.getvalue()


@st.composite
def corrupt(draw: st.DrawFn, valid: bytes) -> bytes:
    """A damaged archive, or something else that is not one."""
    kind = draw(st.sampled_from(["truncate", "flip", "random", "npy", "zip-of-text", "bad-member", "pickle", "empty"]))
    if kind == "truncate":
        return valid[: draw(st.integers(0, len(valid) - 1))]
    if kind == "flip":
        data = bytearray(valid)
        for i in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=8)):
            data[i] ^= draw(st.integers(1, 255))
        return bytes(data)
    if kind == "random":
        return draw(st.binary(max_size=300))
    if kind == "npy":
        buffer = io.BytesIO()
        np.save(buffer, np.zeros(4, np.float32))
        return buffer.getvalue()
    if kind in ("zip-of-text", "bad-member"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("notes.txt" if kind == "zip-of-text" else "p.npy", draw(st.binary(max_size=64)))
        return buffer.getvalue()
    if kind == "pickle":
        buffer = io.BytesIO()
        np.savez(buffer, p=np.array([{"a": 1}, None], dtype=object))
        return buffer.getvalue()
    return b""


def weights_files() -> st.SearchStrategy[bytes]:
    """Archives of the model's weights and other names, often wrong; one in four corrupt."""
    types = weight_types()
    names = st.sampled_from(sorted(types)) | st.sampled_from(OTHER_NAMES)
    archives = arrays(names, lambda name: types.get(name, (4,))).map(npz_bytes)
    return st.one_of(archives, archives, archives, archives.flatmap(corrupt))


# --------------------------------------------------------------------------- properties


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # a negative variance in the file
def test_weights_file(capsys: pytest.CaptureFixture[str], examples: Callable[[int], int]) -> None:
    """`dlfc model.dlm --weights w.npz -o plan.mlir`: a plan and its plan.npz, or a diagnostic and nothing."""

    def check(data: bytes) -> None:
        with workspace({"model.dlm": MODEL, "w.npz": data}) as folder:
            model, weights, plan = folder / "model.dlm", folder / "w.npz", folder / "plan.mlir"
            outcome = run_dlfc(capsys, model, "--weights", weights, "-o", plan)
            check_model_diagnostic(outcome, [model, weights], MODEL)
            check_outputs_written(outcome, folder, [plan])
            if outcome.code != 0:
                assert not (folder / "plan.npz").exists(), "dlfc failed but wrote plan.npz"

    fuzz(weights_files(), check, examples(40))


def test_plan_weights_file(capsys: pytest.CaptureFixture[str], examples: Callable[[int], int]) -> None:
    """A plan whose plan.npz was replaced: `dlfc plan.mlir` and `dlfc run plan.mlir` succeed or say why in one line."""
    with workspace({"model.dlm": MODEL}) as folder:
        assert run_dlfc(capsys, folder / "model.dlm", "-o", folder / "plan.mlir").code == 0
        plan_text = (folder / "plan.mlir").read_text()

    def check(data: bytes) -> None:
        with workspace({"plan.mlir": plan_text, "plan.npz": data}) as folder:
            plan, out = folder / "plan.mlir", folder / "again.mlir"
            outcome = run_dlfc(capsys, plan, "-o", out)
            check_one_line_error(outcome)
            check_outputs_written(outcome, folder, [out])
            check_one_line_error(run_dlfc(capsys, "run", plan))

    fuzz(weights_files(), check, examples(20))


def test_run_inputs_file(capsys: pytest.CaptureFixture[str], examples: Callable[[int], int]) -> None:
    """`dlfc run model.dlm --inputs in.npz --outputs out.npz`: outputs, or one line saying what is wrong."""
    inputs = {"x": (1, 3, 8, 8), "ids": (1, 4)}
    names = st.sampled_from(sorted(inputs)) | st.sampled_from(OTHER_NAMES)
    archives = arrays(names, lambda name: inputs.get(name, (2,))).map(npz_bytes)

    def check(data: bytes) -> None:
        with workspace({"model.dlm": MODEL, "in.npz": data}) as folder:
            model, given, out = folder / "model.dlm", folder / "in.npz", folder / "out.npz"
            outcome = run_dlfc(capsys, "run", model, "--inputs", given, "--outputs", out)
            check_one_line_error(outcome)
            check_outputs_written(outcome, folder, [out])

    fuzz(st.one_of(archives, archives, archives.flatmap(corrupt)), check, examples(20))
