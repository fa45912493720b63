"""`dlfc FILE`: inputs, levels, output, and the errors users see (issue 2, item 6; issue 7, item 7)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from cli.conftest import EXAMPLES, Dlfc, parse
from dlfc.compiler.instruments import print_module
from dlfc.compiler.pipeline import DEFAULT_PIPELINE, Level, level_of

MODELS = sorted(p.stem for p in EXAMPLES.glob("*.dlm"))


def test_the_seven_example_models_are_there() -> None:
    assert {"bert_base", "mobilenet_v2", "resnet18", "resnet50", "unet", "vgg16", "vit_tiny"} <= set(MODELS)


@pytest.mark.parametrize("model", MODELS)
def test_every_example_compiles_at_every_level(dlfc: Dlfc, model: str, tmp_path: Path) -> None:
    """--emit graph, then the fusion passes, then the accel passes, then accel-schedule, each from the previous output.

    Each output parses back, is at its level, and prints back to the same text.
    """
    graph_ir, fusion_ir, accel_ir, schedule_ir = (tmp_path / f"{level.label}.mlir" for level in Level)
    steps = [
        (Level.GRAPH, [EXAMPLES / f"{model}.dlm", "--emit", "graph"], graph_ir),
        (Level.FUSION, [graph_ir, "--pass-pipeline", ",".join(DEFAULT_PIPELINE[Level.FUSION])], fusion_ir),
        (Level.ACCEL, [fusion_ir], accel_ir),
        (Level.SCHEDULE, [accel_ir, "--emit", "schedule"], schedule_ir),
    ]
    for level, args, out in steps:
        result = dlfc(*args, "-o", out)
        assert result.code == 0, result.err
        assert result.out == "" and result.err == ""
        module = parse(out.read_text())
        assert level_of(module) == level
        assert print_module(module) == out.read_text()


@pytest.mark.parametrize("level", list(Level))
def test_emit_from_a_model(dlfc: Dlfc, level: Level) -> None:
    result = dlfc(EXAMPLES / "plugins" / "tiny.dlm", "--emit", level.label)
    assert result.code == 0, result.err
    assert level_of(parse(result.out)) == level


def test_default_emits_an_accel_plan_on_stdout(dlfc: Dlfc, graph_mlir: Path) -> None:
    for args in ([], ["-o", "-"]):
        result = dlfc(graph_mlir, *args)
        assert result.code == 0, result.err
        assert level_of(parse(result.out)) == Level.ACCEL


def test_resumes_from_any_level(dlfc: Dlfc, graph_mlir: Path, tmp_path: Path) -> None:
    fusion = tmp_path / "fusion.mlir"
    assert dlfc(graph_mlir, "--emit", "fusion", "-o", fusion).code == 0
    from_fusion = dlfc(fusion)
    assert from_fusion.code == 0
    assert from_fusion.out == dlfc(graph_mlir).out


def test_weights_file(dlfc: Dlfc, tmp_path: Path) -> None:
    weights = tmp_path / "w.npz"
    np.savez(weights, **{"x.bias": np.ones(8, np.float32)})
    result = dlfc(EXAMPLES / "plugins" / "tiny.dlm", "--weights", weights, "--emit", "graph")
    assert result.code == 0, result.err
    assert '"x.bias"' in result.out


def test_hw_reaches_passes_with_a_target_option(dlfc: Dlfc, graph_mlir: Path) -> None:
    result = dlfc(graph_mlir, "--hw", "mlu270", "--print-pipeline")
    assert 'convert-fusion-to-accel{target="mlu270"}' in result.out
    assert "mlu100" not in result.out
    plan = dlfc(graph_mlir, "--hw", "mlu270")
    assert '#accel.target<"mlu270"' in plan.out


def test_version_and_help(dlfc: Dlfc) -> None:
    version = dlfc("--version")
    assert version.code == 0 and version.out.startswith("dlfc 0.")
    help = dlfc("--help")
    assert help.code == 0
    for section in (
        "output:",
        "pipeline:",
        "debugging",
        "examples:",
        "--emit",
        "--pass-pipeline",
        "--mlir-print-ir-after-all",
    ):
        assert section in help.out


# --------------------------------------------------------------------------- errors


def assert_one_line_error(result_err: str, *fragments: str) -> None:
    lines = result_err.splitlines()
    assert len(lines) == 1, result_err
    assert lines[0].startswith("dlfc: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["missing.mlir"], ["missing.mlir: no such file"]),
        (["model.txt"], ["model.txt: unknown input kind (expected .dlm or .mlir"]),
        ([], ["no input file"]),
        (["x.mlir", "--frobnicate"], ["unrecognized arguments: --frobnicate"]),
        (["x.mlir", "--emit", "llvm"], ["argument --emit: invalid choice: 'llvm'"]),
        (["x.mlir", "--hw", "tpu9"], ["--hw: unknown accelerator 'tpu9'"]),
    ],
)
def test_usage_errors(dlfc: Dlfc, args: list[str], fragments: list[str]) -> None:
    result = dlfc(*args)
    assert result.code == 1 and result.out == ""
    assert_one_line_error(result.err, *fragments)


def test_unparsable_mlir_names_file_line_column(dlfc: Dlfc, tmp_path: Path, graph_mlir: Path) -> None:
    bad = tmp_path / "bad.mlir"
    lines = graph_mlir.read_text().splitlines()
    lines[4] = lines[4].replace("graph.relu %2 :", "graph.relu %2 ")
    bad.write_text("\n".join(lines))
    result = dlfc(bad)
    assert result.code == 1
    assert_one_line_error(result.err, f"{bad}:5:25: Expected ':'")


def test_invalid_ir_input(dlfc: Dlfc, tmp_path: Path, graph_mlir: Path) -> None:
    bad = tmp_path / "invalid.mlir"
    bad.write_text(
        graph_mlir.read_text().replace(
            "{pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>",
            ": (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>",
        )
    )
    result = dlfc(bad)
    assert result.code == 1
    assert_one_line_error(result.err, f"{bad}: invalid IR: graph.conv2d", "do not match the inferred")


def test_binary_mlir(dlfc: Dlfc, tmp_path: Path) -> None:
    binary = tmp_path / "binary.mlir"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    assert_one_line_error(dlfc(binary).err, "binary.mlir: not a text file")


def test_emit_below_the_input_level(dlfc: Dlfc, graph_mlir: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.mlir"
    assert dlfc(graph_mlir, "-o", plan).code == 0
    result = dlfc(plan, "--emit", "fusion")
    assert result.code == 1
    assert_one_line_error(result.err, "input is already at the accel level; cannot emit fusion")


def test_weights_only_for_dlm(dlfc: Dlfc, graph_mlir: Path, tmp_path: Path) -> None:
    assert_one_line_error(dlfc(graph_mlir, "--weights", tmp_path / "w.npz").err, "--weights applies to .dlm models")


def test_dlm_errors_keep_the_frontend_format(dlfc: Dlfc, tmp_path: Path) -> None:
    model = tmp_path / "broken.dlm"
    model.write_text("model m {\n  input x: f32[1, 4]\n  output conv3d(x)\n}\n")
    result = dlfc(model)
    assert result.code == 1
    assert result.err.startswith(f"{model}:3:")
    assert "Traceback" not in result.err


def test_a_failed_run_leaves_no_output_file(dlfc: Dlfc, graph_mlir: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.mlir"
    assert dlfc(graph_mlir, "-o", out, "--pass-pipeline", "convert-graph-to-fusio").code == 1
    assert not out.exists()
    out.write_text("previous plan\n")
    assert dlfc(tmp_path / "missing.mlir", "-o", out).code == 1
    assert out.read_text() == "previous plan\n"
    assert sorted(os.listdir(tmp_path)) == ["plan.mlir", "small.mlir"]  # no temporary file left behind


def test_console_script_end_to_end(tmp_path: Path) -> None:
    """The installed `dlfc` command: a compile and a failure, each in a real process."""
    dlfc = shutil.which("dlfc")
    if dlfc is None:
        pytest.skip("the dlfc console script is not installed (pip install -e .)")
    out = tmp_path / "plan.mlir"
    ok = subprocess.run([dlfc, EXAMPLES / "plugins" / "tiny.dlm", "-o", out], capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stderr == ""
    assert level_of(parse(out.read_text())) == Level.ACCEL
    bad = subprocess.run([dlfc, tmp_path / "nope.dlm"], capture_output=True, text=True)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [f"dlfc: error: {tmp_path / 'nope.dlm'}: no such file"]
