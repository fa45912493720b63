"""The resource contract of `dlfc run` (issue 14, item 4): a run that cannot fit is refused before it allocates.

The estimate (`dlfc.hw.memory.run_memory`) is checked against hand-computed
byte counts and against what the interpreter really allocates (tracemalloc's
peak, which counts numpy's arrays) on the examples, at every level.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from cli.test_safety import MODEL, Command, check_failure, folder, run, snapshot  # noqa: F401
from dlfc.compiler import run as run_module
from dlfc.compiler.context import make_context
from dlfc.compiler.driver import InputOptions, load_module
from dlfc.compiler.pipeline import Level, compile_to
from dlfc.hw.interpreter import entry_function, execute
from dlfc.hw.memory import format_bytes, run_memory
from dlfc.hw.target import load_target
from dlfc.hw.weights import store_of

REPO = Path(__file__).resolve().parents[2]

# MODEL (tests/cli/test_safety.py): image f32[1,3,8,8] -> conv2d(4, kernel 3, pad 1) -> relu.
#   inputs:  1*3*8*8 * 4 B                         =    768
#   weights: 4*3*3*3 * 4 + 4 * 4 (bias)            =    448
#   conv2d while it runs: result 1*4*8*8 * 4       =  1,024
#     + two result-sized temporaries               =  2,048
#     + padded input 1*3*10*10 * 4                 =  1,200
#     + im2col columns 1*(3*3*3)*(8*8) * 4         =  6,912   -> 11,184 (10.9 KiB)
#   total                                          = 12,400 (12.1 KiB)
TINY_TOTAL = 12_400


def test_the_estimate_of_a_small_model_by_hand(folder: Path) -> None:  # noqa: F811
    module = load_module("model.dlm", InputOptions(), make_context())
    estimate = run_memory(module)
    assert (estimate.inputs, estimate.weights, estimate.intermediates) == (768, 448, 11_184)
    assert estimate.total == TINY_TOTAL


def test_a_run_over_max_memory_is_refused(folder: Path, run: Command) -> None:  # noqa: F811
    check_failure(
        folder,
        run,
        ["run", "model.dlm", "--max-memory", "10KiB", "--outputs", "out.npz"],
        "running model.dlm needs about 12.1 KiB (inputs 768 B, weights 448 B, at most 10.9 KiB of intermediates "
        "at once), more than the --max-memory limit of 10.0 KiB; to run it anyway, pass --max-memory 15.1KiB",
    )


def test_max_memory_above_the_estimate_runs(folder: Path, run: Command) -> None:  # noqa: F811
    code, out, err = run("run", "model.dlm", "--max-memory", f"{TINY_TOTAL}")
    assert (code, err) == (0, "")
    assert "modelled latency" in out


def test_the_limit_defaults_to_the_available_memory(
    folder: Path,  # noqa: F811
    run: Command,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(run_module, "available_memory", lambda: 5000)
    check_failure(
        folder,
        run,
        ["run", "model.dlm"],
        "running model.dlm needs about 12.1 KiB (inputs 768 B, weights 448 B, at most 10.9 KiB of intermediates "
        "at once), more than the 4.9 KiB of memory available; to run it anyway, pass --max-memory 15.1KiB",
    )
    monkeypatch.setattr(run_module, "available_memory", lambda: None)  # unknown: nothing is checked
    assert run("run", "model.dlm")[0] == 0


def test_a_huge_input_is_refused_before_anything_is_allocated(folder: Path, run: Command) -> None:  # noqa: F811
    """16 GiB of input, 16 GiB more of output: refused in well under a second, with almost nothing allocated."""
    (folder / "big.dlm").write_text("model big {\n  input x: f32[65536, 65536]\n  output relu(x)\n}\n")
    tracemalloc.start()
    started = time.process_time()
    try:
        check_failure(
            folder,
            run,
            ["run", "big.dlm", "--max-memory", "8GiB"],
            "running big.dlm needs about 64.0 GiB (inputs 16.0 GiB, weights 0 B, at most 48.0 GiB of intermediates "
            "at once), more than the --max-memory limit of 8.0 GiB; to run it anyway, pass --max-memory 80GiB",
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.process_time() - started < 5
    assert peak < 64 * 2**20


def test_the_plan_is_checked_too(folder: Path, run: Command, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """The second check runs on the compiled plan: its fused kernels hold their values until they return."""
    calls: list[str] = []
    real = run_module.check_memory

    def spy(module, limit, given, path):  # type: ignore[no-untyped-def]
        from dlfc.compiler.pipeline import level_of

        calls.append(level_of(module).name)
        real(module, limit, given, path)

    monkeypatch.setattr(run_module, "check_memory", spy)
    assert run("run", "model.dlm")[0] == 0
    assert calls == ["GRAPH", "ACCEL"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2x", "'2x' is not a size (examples: 2GiB, 512MiB, 1.5GB, 1000000)"),
        ("0", "'0' is not a positive size"),
        ("-1GiB", "'-1GiB' is not a size (examples: 2GiB, 512MiB, 1.5GB, 1000000)"),
        ("1e400", "'1e400' is not a size (examples: 2GiB, 512MiB, 1.5GB, 1000000)"),
        ("GiB", "'GiB' is not a size (examples: 2GiB, 512MiB, 1.5GB, 1000000)"),
    ],
)
def test_a_bad_max_memory_is_one_line(folder: Path, run: Command, text: str, problem: str) -> None:  # noqa: F811
    check_failure(
        folder, run, ["run", "model.dlm", f"--max-memory={text}"], f"argument --max-memory: {problem} (see dlfc --help)"
    )


@pytest.mark.parametrize(
    ("text", "size"),
    [("1000", 1000), ("2GiB", 2 * 2**30), ("512mib", 512 * 2**20), ("1.5GB", 1_500_000_000), ("100k", 100_000)],
)
def test_max_memory_units(text: str, size: int) -> None:
    assert run_module.memory_size(text) == size


def test_max_memory_is_in_the_help(run: Command) -> None:  # noqa: F811
    code, out, _ = run("run", "--help")
    assert code == 0 and "--max-memory SIZE" in out and "largest set of" in " ".join(out.split())


@pytest.mark.parametrize(("size", "text"), [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (3 * 2**30, "3.0 GiB")])
def test_format_bytes(size: int, text: str) -> None:
    assert format_bytes(size) == text


@pytest.mark.parametrize(
    ("model", "level"),
    [
        ("resnet18", Level.GRAPH),
        ("resnet18", Level.ACCEL),
        ("mobilenet_v2", Level.ACCEL),
        ("vit_tiny", Level.ACCEL),
        ("dnnfusion_table4", Level.GRAPH),
        ("dnnfusion_table4", Level.SCHEDULE),
        ("unet", Level.SCHEDULE),
    ],
)
def test_the_estimate_bounds_what_a_run_allocates(model: str, level: Level) -> None:
    """tracemalloc's peak during `execute` (numpy's arrays and Python's objects) against the estimate.

    The estimate must not be below the peak (1 MiB allowed for Python's own
    objects besides the simulation's events) nor more than twice it (3.5 times
    for a scheduled run, whose buffers hold row slices, not the two copies of
    every value the estimate allows).
    """
    ctx = make_context()
    module = load_module(str(REPO / "examples" / f"{model}.dlm"), InputOptions(), ctx)
    if level != Level.GRAPH:
        compile_to(module, level, {"target": ("mlu100",)}, ctx=ctx)
    store_of(module)._cache.clear()  # weights are made during the run, as a fresh dlfc run makes them
    estimate = run_memory(module).total
    fn = entry_function(module)
    tracemalloc.start()
    try:
        inputs = [np.ones(arg.type.get_shape(), np.float32) for arg in fn.body.block.args]  # type: ignore[attr-defined]
        execute(module, inputs, load_target("mlu100"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= estimate + 2**20, (format_bytes(peak), format_bytes(estimate))
    assert estimate <= (3.5 if level == Level.SCHEDULE else 2) * peak, (format_bytes(peak), format_bytes(estimate))


def test_an_allocation_that_fails_anyway_is_one_line(
    folder: Path,  # noqa: F811
    run: Command,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The estimate is an upper bound, but memory can vanish during the run: numpy's MemoryError is one line."""

    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError(
            "Unable to allocate 32.0 GiB for an array with shape (64, 256, 512, 512) and data type float64"
        )

    monkeypatch.setattr(run_module, "execute", exhausted)
    check_failure(
        folder,
        run,
        ["run", "model.dlm"],
        "out of memory: Unable to allocate 32.0 GiB for an array with shape (64, 256, 512, 512) and data type "
        "float64 (dlfc run --max-memory sets the limit it checks)",
    )
