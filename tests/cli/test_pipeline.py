"""Pipelines, dumps, timing, statistics and verification (issue 7, items 1-4)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from xdsl.utils.arg_spec import parse_pipeline

from cli.conftest import EXAMPLES, Dlfc, parse, small_graph_module
from cli.test_compile import assert_one_line_error
from dlfc.compiler.instruments import module_size
from dlfc.compiler.passes import PASSES
from dlfc.compiler.pipeline import DEFAULT_PIPELINE, Level, default_pipeline, level_of
from dlfc.compiler.statistics import add_statistic
from dlfc.dialects import graph

HEADER = re.compile(r"^// -----// IR Dump (Before|After) (\S+) \((.+)\) //----- //$", re.M)


def pipeline_of(dlfc: Dlfc, *args: str | Path) -> list[str]:
    """The passes `dlfc ARGS --print-pipeline` would run, one spec each."""
    result = dlfc(*args, "--print-pipeline")
    assert result.code == 0, result.err
    return [str(spec) for spec in parse_pipeline(result.out.strip())]


# --------------------------------------------------------------------------- levels and the default pipeline


def test_level_of() -> None:
    module = small_graph_module()
    assert level_of(module) == Level.GRAPH


def test_default_pipeline_runs_the_stages_between_the_levels() -> None:
    graph_passes, fusion_passes, accel_passes, schedule_passes = (DEFAULT_PIPELINE[level] for level in Level)
    assert default_pipeline(Level.GRAPH, Level.ACCEL) == graph_passes + fusion_passes + accel_passes
    assert default_pipeline(Level.GRAPH, Level.GRAPH) == graph_passes
    assert default_pipeline(Level.FUSION, Level.ACCEL) == accel_passes
    assert default_pipeline(Level.ACCEL, Level.ACCEL) == []
    assert default_pipeline(Level.ACCEL, Level.SCHEDULE) == schedule_passes == ["accel-schedule"]


def test_default_pipeline_names_registered_passes() -> None:
    for level in Level:
        for spec in parse_pipeline(",".join(DEFAULT_PIPELINE[level])):
            assert spec.name in PASSES


# --------------------------------------------------------------------------- --pass-pipeline, --print-pipeline, --list-passes


def test_pass_pipeline_replaces_the_default(dlfc: Dlfc, graph_mlir: Path) -> None:
    result = dlfc(graph_mlir, "--pass-pipeline", "convert-graph-to-fusion")
    assert result.code == 0, result.err
    module = parse(result.out)
    assert level_of(module) == Level.FUSION
    assert module_size(module)[1] == module_size(small_graph_module())[1]  # no graph pass ran


def test_pass_pipeline_options(dlfc: Dlfc, graph_mlir: Path) -> None:
    result = dlfc(graph_mlir, "--pass-pipeline", 'convert-graph-to-fusion,convert-fusion-to-accel{target="mlu270"}')
    assert result.code == 0, result.err
    assert '#accel.target<"mlu270"' in result.out


def test_empty_pass_pipeline_prints_the_input(dlfc: Dlfc, graph_mlir: Path) -> None:
    result = dlfc(graph_mlir, "--pass-pipeline", "")
    assert result.out == graph_mlir.read_text()


@pytest.mark.parametrize(
    ("pipeline", "message"),
    [
        ("convert-graph-to-fusio", "unknown pass 'convert-graph-to-fusio'; did you mean 'convert-graph-to-fusion'?"),
        ("no-such-thing-at-all", "unknown pass 'no-such-thing-at-all' (dlfc --list-passes lists them)"),
        (
            "convert-fusion-to-accel{targt=1}",
            "pass 'convert-fusion-to-accel' has no option 'targt'; did you mean 'target'? (options: target)",
        ),
        ("convert-graph-to-fusion{x=1}", "pass 'convert-graph-to-fusion' takes no options (got 'x')"),
        ("convert-fusion-to-accel{target=1}", "pass 'convert-fusion-to-accel': Incompatible types"),
        ("convert-fusion-to-accel{target=1", "invalid pass pipeline at column 33: Malformed pass arguments"),
        ("a,,b", "invalid pass pipeline at column 3: Expected pass name here"),
    ],
)
def test_bad_pipelines(dlfc: Dlfc, graph_mlir: Path, pipeline: str, message: str) -> None:
    result = dlfc(graph_mlir, "--pass-pipeline", pipeline)
    assert result.code == 1 and result.out == ""
    assert_one_line_error(result.err, message)


def test_bad_pipeline_fails_before_reading_the_input(dlfc: Dlfc, tmp_path: Path) -> None:
    result = dlfc(tmp_path / "missing.mlir", "--pass-pipeline", "bogus")
    assert_one_line_error(result.err, "unknown pass 'bogus'")


def test_emit_and_pass_pipeline_exclude_each_other(dlfc: Dlfc, graph_mlir: Path) -> None:
    assert_one_line_error(
        dlfc(graph_mlir, "--emit", "fusion", "--pass-pipeline", "cse").err,
        "--emit and --pass-pipeline exclude each other",
    )


def test_print_pipeline_depends_on_the_input_level_and_emit(dlfc: Dlfc, graph_mlir: Path, tmp_path: Path) -> None:
    def names(level: Level, stop: Level) -> list[str]:
        return [spec.name for spec in parse_pipeline(",".join(default_pipeline(level, stop)))]

    full = pipeline_of(dlfc, graph_mlir)
    assert [re.sub(r"\{.*", "", p) for p in full] == names(Level.GRAPH, Level.ACCEL)
    assert 'convert-fusion-to-accel{target="mlu100"}' in full  # defaults spelled out
    assert [re.sub(r"\{.*", "", p) for p in pipeline_of(dlfc, graph_mlir, "--emit", "graph")] == names(
        Level.GRAPH, Level.GRAPH
    )
    fusion = tmp_path / "fusion.mlir"
    assert dlfc(graph_mlir, "--emit", "fusion", "-o", fusion).code == 0
    assert [re.sub(r"\{.*", "", p) for p in pipeline_of(dlfc, fusion)] == names(Level.FUSION, Level.ACCEL)


def test_print_pipeline_normalises_a_given_pipeline(dlfc: Dlfc, graph_mlir: Path) -> None:
    assert pipeline_of(dlfc, graph_mlir, "--pass-pipeline", "cse,convert-fusion-to-accel") == [
        "cse",
        'convert-fusion-to-accel{target="mlu100"}',
    ]


def test_printed_pipeline_reproduces_the_default(dlfc: Dlfc, graph_mlir: Path) -> None:
    printed = ",".join(pipeline_of(dlfc, graph_mlir))
    assert dlfc(graph_mlir, "--pass-pipeline", printed).out == dlfc(graph_mlir).out


def test_list_passes(dlfc: Dlfc) -> None:
    result = dlfc("--list-passes")
    assert result.code == 0
    listed = re.findall(r"^  (\S+)", result.out, re.M)
    assert listed == sorted(PASSES)
    assert re.search(r"^  convert-graph-to-fusion +Wrap every graph op in its own fusion.group.$", result.out, re.M)
    assert re.search(r'^      target: str = "mlu100"$', result.out, re.M)


# --------------------------------------------------------------------------- dumps


def test_print_ir_after_all(dlfc: Dlfc, graph_mlir: Path) -> None:
    passes = pipeline_of(dlfc, graph_mlir)
    result = dlfc(graph_mlir, "--mlir-print-ir-after-all")
    assert result.code == 0
    headers = HEADER.findall(result.err)
    assert [(when, name) for when, name, _ in headers] == [("After", re.sub(r"\{.*", "", p)) for p in passes]
    assert result.err.startswith("// -----// IR Dump After ")
    dumps = HEADER.split(result.err)[4::4]
    assert dumps[-1].strip() == result.out.strip()  # the last dump is the output
    for dump in dumps:
        parse(dump)


def test_dump_header_is_mlirs(dlfc: Dlfc, graph_mlir: Path) -> None:
    result = dlfc(
        graph_mlir,
        "--pass-pipeline",
        'convert-graph-to-fusion,convert-fusion-to-accel{target="mlu270"}',
        "--mlir-print-ir-after-all",
    )
    assert (
        result.err.splitlines()[0]
        == "// -----// IR Dump After convert-graph-to-fusion (convert-graph-to-fusion) //----- //"
    )
    assert (
        '// -----// IR Dump After convert-fusion-to-accel (convert-fusion-to-accel{target="mlu270"}) //----- //'
        in result.err
    )


def test_print_ir_before_all(dlfc: Dlfc, graph_mlir: Path) -> None:
    result = dlfc(graph_mlir, "--pass-pipeline", "cse,convert-graph-to-fusion", "--mlir-print-ir-before-all")
    headers = HEADER.findall(result.err)
    assert [(when, name) for when, name, _ in headers] == [("Before", "cse"), ("Before", "convert-graph-to-fusion")]
    assert HEADER.split(result.err)[4].strip() == graph_mlir.read_text().strip()  # before the first pass: the input


def test_print_ir_after_and_before_one_pass(dlfc: Dlfc, graph_mlir: Path) -> None:
    pipeline = "cse,convert-graph-to-fusion,cse,convert-fusion-to-accel"
    after = dlfc(graph_mlir, "--pass-pipeline", pipeline, "--mlir-print-ir-after", "cse")
    assert [(w, n) for w, n, _ in HEADER.findall(after.err)] == [("After", "cse"), ("After", "cse")]
    both = dlfc(
        graph_mlir,
        "--pass-pipeline",
        pipeline,
        "--mlir-print-ir-before=convert-graph-to-fusion,convert-fusion-to-accel",
        "--mlir-print-ir-after=convert-fusion-to-accel",
    )
    assert [(w, n) for w, n, _ in HEADER.findall(both.err)] == [
        ("Before", "convert-graph-to-fusion"),
        ("Before", "convert-fusion-to-accel"),
        ("After", "convert-fusion-to-accel"),
    ]


def test_print_ir_after_unknown_pass(dlfc: Dlfc, graph_mlir: Path) -> None:
    result = dlfc(graph_mlir, "--mlir-print-ir-after", "convert-graph-to-fusoin")
    assert_one_line_error(
        result.err,
        "--mlir-print-ir-after: unknown pass 'convert-graph-to-fusoin'; did you mean 'convert-graph-to-fusion'?",
    )


def test_generic_output_and_dumps(dlfc: Dlfc, graph_mlir: Path) -> None:
    result = dlfc(graph_mlir, "--mlir-print-op-generic", "--mlir-print-ir-after=fuse-dnnfusion")
    assert result.out.startswith('"builtin.module"()')
    assert '"fusion.group"' in result.err
    assert parse(result.out).is_structurally_equivalent(parse(dlfc(graph_mlir).out))


def without_weights_file(text: str) -> str:
    """A module's text without the `dlfc.weights` attribute that names its weights file."""
    return re.sub(r', dlfc\.weights = "[^"]*"|dlfc\.weights = "[^"]*"(, )?', "", text).replace(" attributes {}", "")


def test_tree_dir_resumes_from_every_dump(dlfc: Dlfc, tmp_path: Path) -> None:
    """Each numbered dump, given the rest of the pipeline, gives the plan the full run gave."""
    model, dumps = EXAMPLES / "resnet18.dlm", tmp_path / "dumps"
    passes = pipeline_of(dlfc, model)
    result = dlfc(model, "--mlir-print-ir-tree-dir", dumps)
    assert result.code == 0
    assert result.err.startswith("dlfc: warning: the plan goes to stdout, so its 60 computed weight(s) ")
    names = [re.sub(r"\{.*", "", p) for p in passes]
    files = [f"{i:02d}-{name}.mlir" for i, name in enumerate(["input", *names])]
    assert sorted(p.name for p in dumps.iterdir()) == sorted([*files, "weights.npz"])  # batch norms were folded
    assert without_weights_file((dumps / files[-1]).read_text().split("\n", 1)[1]) == result.out
    for index, file in enumerate(files):
        resumed = dlfc(dumps / file, "--pass-pipeline", ",".join(passes[index:]))
        assert resumed.code == 0, (file, resumed.err)
        assert without_weights_file(resumed.out) == result.out, file


def test_tree_dir_after_a_fusion_dump_with_the_default_pipeline(dlfc: Dlfc, graph_mlir: Path, tmp_path: Path) -> None:
    dumps = tmp_path / "dumps"
    assert dlfc(graph_mlir, "--mlir-print-ir-tree-dir", dumps).code == 0
    for dump in sorted(dumps.iterdir()):
        resumed = dlfc(dump)
        assert resumed.code == 0, (dump, resumed.err)
        assert level_of(parse(resumed.out)) == Level.ACCEL


# --------------------------------------------------------------------------- timing and statistics


def test_mlir_timing(dlfc: Dlfc, graph_mlir: Path) -> None:
    result = dlfc(graph_mlir, "--pass-pipeline", "cse,convert-graph-to-fusion", "--mlir-timing")
    assert result.code == 0
    lines = result.err.splitlines()
    assert lines[0] == "===" + "-" * 73 + "==="
    assert lines[1].strip() == "... Execution time report ..."
    assert re.fullmatch(r"  Total Execution Time: \d+\.\d{4} seconds", lines[3])
    assert lines[5] == "  ----Wall Time----  ----Name----"
    rows = [re.fullmatch(r"  +(\d+\.\d{4}) \( *(\d+\.\d)%\)  (.*)", line) for line in lines[6:]]
    assert all(rows), lines[6:]
    names = [row.group(3) for row in rows if row]
    assert names == [
        "Parser",
        "Pass setup",
        "Pipeline",
        "  cse",
        "  Verifier",
        "  convert-graph-to-fusion",
        "  Verifier",
        "Output",
        "Rest",
        "Total",
    ]
    top = [float(row.group(1)) for row in rows if row and not row.group(3).startswith(" ")]
    assert sum(top[:-1]) == pytest.approx(top[-1], abs=5e-4)
    assert rows[-1] and rows[-1].group(2) == "100.0"


def test_no_verify_each_has_no_verifier_rows(dlfc: Dlfc, graph_mlir: Path) -> None:
    result = dlfc(graph_mlir, "--pass-pipeline", "cse", "--mlir-timing", "--no-verify-each")
    assert result.code == 0
    assert "Verifier" not in result.err


def test_stats(dlfc: Dlfc, graph_mlir: Path) -> None:
    result = dlfc(graph_mlir, "--pass-pipeline", "convert-graph-to-fusion,convert-fusion-to-accel", "--stats")
    ops, flops = module_size(small_graph_module())
    assert flops == sum(op.flops() for op in small_graph_module().walk() if isinstance(op, graph.GraphOp)) > 0
    assert "... Pass statistics report ..." in result.err
    report = result.err.split("===\n")[-1]
    assert report.startswith("convert-graph-to-fusion\n")
    assert f"  (S) {ops} -> " in report
    assert (
        report.count(f"  (S) {flops} -> {flops} flops - FLOPs of the graph ops") == 2
    )  # also inside groups and kernels


def test_add_statistic_outside_a_pipeline_does_nothing() -> None:
    add_statistic("anything", 3)


# --------------------------------------------------------------------------- verification


BROKEN_PASSES = textwrap.dedent(
    '''
    """Passes that misbehave, for testing dlfc's pass manager."""
    from dataclasses import dataclass

    from xdsl.dialects.builtin import IntegerAttr, i64
    from xdsl.passes import ModulePass

    from dlfc.compiler.statistics import add_statistic
    from dlfc.dialects import accel


    @dataclass(frozen=True)
    class ZeroCoresPass(ModulePass):
        """Set every kernel's core count to 0 (invalid)."""

        name = "test-zero-cores"

        def apply(self, ctx, op):
            for kernel in op.walk():
                if isinstance(kernel, accel.KernelOp):
                    kernel.cores = IntegerAttr(0, i64)
                    add_statistic("kernels-broken")


    @dataclass(frozen=True)
    class CrashPass(ModulePass):
        """Raise an exception."""

        name = "test-crash"

        def apply(self, ctx, op):
            raise RuntimeError("boom")
    '''
)


@pytest.fixture
def broken_plugin(tmp_path: Path) -> Path:
    path = tmp_path / "broken_passes.py"
    path.write_text(BROKEN_PASSES)
    return path


def test_a_pass_that_breaks_the_ir_is_named(dlfc: Dlfc, graph_mlir: Path, broken_plugin: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.mlir"
    pipeline = "convert-graph-to-fusion,convert-fusion-to-accel,test-zero-cores,cse"
    result = dlfc(graph_mlir, "--load-pass-plugin", broken_plugin, "--pass-pipeline", pipeline, "-o", out)
    assert result.code == 1 and not out.exists()
    *dump, error = result.err.strip().splitlines()
    assert error.startswith("dlfc: error: pass 'test-zero-cores' produced invalid IR: accel.kernel")
    assert "0 cores is not legal" in error or "cores must be positive" in error
    assert dump[0] == "// -----// IR Dump After test-zero-cores Failed (test-zero-cores) //----- //"
    assert "cores = 0" in "\n".join(dump)


def test_no_verify_each_still_verifies_the_result(dlfc: Dlfc, graph_mlir: Path, broken_plugin: Path) -> None:
    pipeline = "convert-graph-to-fusion,convert-fusion-to-accel,test-zero-cores,cse"
    result = dlfc(graph_mlir, "--load-pass-plugin", broken_plugin, "--pass-pipeline", pipeline, "--no-verify-each")
    assert result.code == 1 and result.out == ""
    assert result.err.strip().splitlines()[-1].startswith("dlfc: error: the pipeline produced invalid IR: accel.kernel")


def test_a_pass_that_raises_is_named(dlfc: Dlfc, graph_mlir: Path, broken_plugin: Path) -> None:
    result = dlfc(graph_mlir, "--load-pass-plugin", broken_plugin, "--pass-pipeline", "cse,test-crash")
    assert result.code == 1
    assert_one_line_error(result.err, f"pass 'test-crash' failed: RuntimeError: boom ({broken_plugin}:")
