"""Source locations: the .dlm front end's (FileLineColLoc, call-site chains), kept by every pass, printed and parsed back."""

from __future__ import annotations

import textwrap
from pathlib import Path

import differential.test_passes as diff
import numpy as np
import pytest
from differential.test_passes import INPUT_LEVELS
from random_models import RandomModel, random_model
from xdsl.dialects.builtin import (
    CallSiteLoc,
    FileLineColLoc,
    FusedLoc,
    IntAttr,
    ModuleOp,
    NameLoc,
    NoneAttr,
    StringAttr,
    UnknownLoc,
)
from xdsl.ir import Attribute
from xdsl.parser import Parser

from dlfc.compiler.context import make_context
from dlfc.compiler.frontend import load_dlm, parse_dlm
from dlfc.compiler.instruments import print_module
from dlfc.compiler.pass_manager import PassInstrument, PassRun, run_pipeline
from dlfc.compiler.passes import PASSES
from dlfc.compiler.pipeline import DEFAULT_PIPELINE, Level, default_pipeline
from dlfc.compiler.utils.locations import describe_sources, fused_location, location_records, source_locations
from dlfc.dialects import accel, graph

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.dlm"))

NESTED = """\
block inner(x) {
  return relu(x)
}

block outer(x) {
  y = inner(x)
  return y + x
}

model m {
  input a: f32[1, 4]
  b = sigmoid(a)
  repeat 2 {
    b = outer(b)
  }
  output b
}
"""


def at(line: int, column: int) -> FileLineColLoc:
    return FileLineColLoc(StringAttr("n.dlm"), IntAttr(line), IntAttr(column))


def iteration(index: int) -> NameLoc:
    return NameLoc(StringAttr(f"repeat iteration {index} of 2"), at(13, 3))


def graph_ops(module: ModuleOp) -> list[graph.GraphOp]:
    return [op for op in module.walk() if isinstance(op, graph.GraphOp)]


def test_each_op_has_its_expression_and_the_chain_of_block_calls_and_repeat_iterations():
    module = parse_dlm(NESTED, "n.dlm")
    locations = [(op.name, op.location) for op in graph_ops(module)]
    expected: list[tuple[str, Attribute]] = [("graph.sigmoid", at(12, 7))]
    for index in (1, 2):
        outer_call = CallSiteLoc(at(14, 9), iteration(index))  # outer(b) in iteration `index`
        expected += [
            ("graph.relu", CallSiteLoc(at(2, 10), CallSiteLoc(at(6, 7), outer_call))),  # relu(x) in inner
            ("graph.add", CallSiteLoc(at(7, 12), outer_call)),  # y + x in outer
        ]
    assert locations == expected


def test_function_arguments_and_return_have_their_statements():
    module = parse_dlm(NESTED, "n.dlm")
    fn = module.body.block.first_op
    assert fn is not None
    assert fn.location == at(10, 1)
    assert [a.location for a in fn.regions[0].block.args] == [at(11, 3)]
    assert fn.regions[0].block.last_op.location == at(16, 3)


def test_weights_have_the_location_of_the_call_that_creates_them():
    module = parse_dlm(
        textwrap.dedent("""\
        model m {
          input a: f32[1, 4]
          output dense(a, 3)
        }
        """),
        "w.dlm",
    )
    where = FileLineColLoc(StringAttr("w.dlm"), IntAttr(3), IntAttr(10))
    body = list(module.body.block.first_op.regions[0].block.ops)[:-1]
    assert [(op.name, op.location) for op in body] == [
        ("graph.weight", where),
        ("graph.weight", where),
        ("graph.dense", where),
    ]


def test_debuginfo_prints_mlir_locations_that_parse_back():
    module = parse_dlm(NESTED, "n.dlm")
    text = print_module(module, debuginfo=True)
    assert (
        '%y_1 = graph.relu %b_1 : tensor<1x4xf32> loc(callsite("n.dlm":2:10 at callsite("n.dlm":6:7 at '
        'callsite("n.dlm":14:9 at "repeat iteration 2 of 2"("n.dlm":13:3)))))\n'
    ) in text
    parsed = Parser(make_context(), text).parse_module()
    assert print_module(parsed, debuginfo=True) == text
    assert [op.location for op in parsed.walk()] == [op.location for op in module.walk()]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_op_points_into_its_file(path: Path):
    module = load_dlm(str(path))
    lines = path.read_text().split("\n")
    for op in module.walk():
        loc = op.location
        while isinstance(loc, CallSiteLoc):
            loc = loc.callee
        assert isinstance(loc, FileLineColLoc), (op.name, op.location)
        assert loc.filename.data == str(path)
        assert 1 <= loc.line.data <= len(lines) and 1 <= loc.column.data <= len(lines[loc.line.data - 1])
    assert not any(isinstance(op.location, UnknownLoc) for op in module.walk())


def test_cli_prints_locations_with_mlir_print_debuginfo(tmp_path, capsys):
    from dlfc.compiler.cli import main

    source = tmp_path / "n.dlm"
    source.write_text(NESTED)
    assert main([str(source), "--emit", "graph", "--mlir-print-debuginfo"]) == 0
    text = capsys.readouterr().out
    op_lines = [line for line in text.splitlines() if " = graph." in line or "func.return" in line]
    assert op_lines and all(f'loc("{source}":' in line or f'callsite("{source}":' in line for line in op_lines)
    printed = tmp_path / "n.mlir"
    printed.write_text(text)
    assert main([str(printed), "--emit", "graph", "--mlir-print-debuginfo"]) == 0
    assert capsys.readouterr().out == text
    assert main([str(source), "--emit", "graph"]) == 0
    assert "loc(" not in capsys.readouterr().out


# --------------------------------------------------------------------------- through every pass

PASS_LEVELS = {name: INPUT_LEVELS[name] for name in sorted(PASSES)}
"""Each registered pass at each level it accepts (the differential tests' table)."""


def unknown_locations(module: ModuleOp) -> list[str]:
    """The ops and block arguments of `module` that have no location, named for the assertion message."""
    missing = [op.name for op in module.walk() if isinstance(op.location, UnknownLoc)]
    for op in module.walk():
        for region in op.regions:
            for block in region.blocks:
                missing += [
                    f"argument {a.index} of {op.name}" for a in block.args if isinstance(a.location, UnknownLoc)
                ]
    return missing


class LocationChecker(PassInstrument):
    """After every pass: no op or block argument has an unknown location."""

    def run_after_pass(self, run: PassRun, module: ModuleOp) -> None:
        assert unknown_locations(module) == [], f"after {run.module_pass.name}"


def run_checked(module: ModuleOp, pipeline: str, target: str | None = None) -> ModuleOp:
    """Run `pipeline` checking locations after every pass; at the end, the module printed with
    locations parses back to the same text and the same locations."""
    run_pipeline(make_context(), module, diff.passes(pipeline, target), [LocationChecker()])
    text = print_module(module, debuginfo=True)
    parsed = Parser(make_context(), text).parse_module()
    assert print_module(parsed, debuginfo=True) == text, f"{pipeline}: round trip"
    assert [op.location for op in parsed.walk()] == [op.location for op in module.walk()]
    return module


def with_locations(model: RandomModel) -> RandomModel:
    """The random model with every op and input at a line of a made-up `random.dlm` (op i at line i + 1)."""
    for i, op in enumerate(model.module.walk()):
        op.location = FileLineColLoc(StringAttr("random.dlm"), IntAttr(i + 1), IntAttr(1))
    for arg in model.module.body.block.first_op.regions[0].block.args:  # type: ignore[union-attr]
        arg.location = NameLoc(StringAttr(f"input {arg.index}"), NoneAttr())
    return model


@pytest.mark.parametrize("name", [*PASS_LEVELS, *diff.DEFAULT_PIPELINES])
@pytest.mark.parametrize("seed", [3, 8])
def test_every_pass_keeps_every_location_on_random_models(name: str, seed: int):
    model = with_locations(random_model(seed, 24))
    if name in diff.DEFAULT_PIPELINES:
        stop = Level.SCHEDULE if "-schedule" in name else Level.ACCEL
        stages = [(Level.GRAPH, ",".join(diff.with_options(p) for p in default_pipeline(Level.GRAPH, stop)))]
    else:
        stages = [(level, diff.with_options(name)) for level in PASS_LEVELS[name]]
    for level, pipeline in stages:
        module = diff.prepare(model, level)
        assert unknown_locations(module) == []
        run_checked(module, pipeline, diff.DEFAULT_PIPELINES.get(name))


BIG = ("bert_base", "resnet50", "vit_tiny", "mobilenet_v2", "resnet18", "unet")
"""Examples checked only with -m slow (a minute or more each)."""


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, marks=[pytest.mark.slow] if p.stem in BIG else []) for p in EXAMPLES],
    ids=[p.stem for p in EXAMPLES],
)
def test_every_pass_and_the_default_pipeline_keep_every_location_on_examples(path: Path):
    graph_passes = DEFAULT_PIPELINE[Level.GRAPH]
    source = load_dlm(str(path))
    for name in sorted(set(graph_passes) | {p for p, levels in PASS_LEVELS.items() if levels == (Level.GRAPH,)}):
        if name.startswith("graph-"):
            run_checked(source.clone(), name)
    graph_level = run_checked(source, ",".join(graph_passes))
    for planner in ("convert-graph-to-fusion", "fuse-none", "fuse-patterns", "fuse-dnnfusion", "oracle{window=3}"):
        run_checked(graph_level.clone(), planner)
    fusion_level = run_checked(graph_level, "fuse-dnnfusion,autotune")
    run_checked(fusion_level.clone(), "assign-cores")
    accel_level = run_checked(fusion_level, "convert-fusion-to-accel")
    for name in ("annotate-latency", "assign-cores", "schedule-parallel", "canonicalize", "cse", "dce"):
        run_checked(accel_level.clone(), name)
    scheduled = run_checked(accel_level, "accel-schedule")
    kernels = [op for op in scheduled.walk() if isinstance(op, accel.KernelOp)]
    for kernel in kernels:  # a kernel's location is the fused location of its body
        body = [op for op in kernel.body.block.ops if isinstance(op, graph.GraphOp)]
        assert source_locations(kernel.location) == source_locations(fused_location(body)), kernel.sym_name


# --------------------------------------------------------------------------- errors point at the source

PLUGIN = """
from dataclasses import dataclass

from xdsl.dialects.builtin import IntegerAttr, i64

from dlfc.compiler.api import ModulePass, accel, graph


@dataclass(frozen=True)
class ZeroCores(ModulePass):
    name = "test-zero-cores"

    def apply(self, ctx, op):
        for kernel in op.walk():
            if isinstance(kernel, accel.KernelOp):
                kernel.cores = IntegerAttr(0, i64)


class Refused(Exception):
    def __init__(self, message, location):
        super().__init__(message)
        self.location = location


@dataclass(frozen=True)
class RefuseSigmoid(ModulePass):
    name = "test-refuse-sigmoid"

    def apply(self, ctx, op):
        for sigmoid in op.walk():
            if isinstance(sigmoid, graph.SigmoidOp):
                raise Refused("no sigmoid here", sigmoid.location)
"""

ERRORS_MODEL = """\
model m {
  input a: f32[1, 4]
  input ids: i64[1, 2]
  b = relu(a) + sigmoid(a)
  output b, embedding(ids, 5, 3)
}
"""


@pytest.fixture
def errors_model(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "passes.py").write_text(PLUGIN)
    (tmp_path / "m.dlm").write_text(ERRORS_MODEL)
    return tmp_path / "m.dlm", tmp_path / "passes.py"


def last_error_line(argv: list[str], capsys) -> str:
    from dlfc.compiler.cli import main

    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err.strip().splitlines()[-1]


def test_a_pass_leaving_invalid_ir_points_at_the_source_of_the_op(errors_model, capsys):
    model, plugin = errors_model
    pipeline = "convert-graph-to-fusion,convert-fusion-to-accel,test-zero-cores"
    error = last_error_line([str(model), "--load-pass-plugin", str(plugin), "--pass-pipeline", pipeline], capsys)
    # the first kernel holds relu(a) (line 4, column 7); its location is the fused location of its body
    assert error.startswith(f"{model}:4:7: error: pass 'test-zero-cores' produced invalid IR: accel.kernel")


def test_a_pass_raising_with_an_ops_location_points_at_it(errors_model, capsys):
    model, plugin = errors_model
    error = last_error_line(
        [str(model), "--load-pass-plugin", str(plugin), "--pass-pipeline", "test-refuse-sigmoid"], capsys
    )
    assert error.startswith(f"{model}:4:17: error: pass 'test-refuse-sigmoid' failed: Refused: no sigmoid here (")


def test_an_op_that_cannot_compute_its_input_points_at_its_source(errors_model, tmp_path, capsys):
    from dlfc.compiler.cli import main

    model, _ = errors_model
    np.savez(tmp_path / "in.npz", a=np.zeros((1, 4), np.float32), ids=np.array([[1, 7]]))
    assert main(["run", str(model), "--inputs", str(tmp_path / "in.npz")]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"{model}:5:13: error: graph.embedding: id 7 is out of range for a table of 5 rows\n"


# --------------------------------------------------------------------------- the helpers


def test_fused_location_flattens_deduplicates_and_unwraps():
    a, b, c = at(1, 1), at(2, 1), at(3, 1)
    assert fused_location([]) == UnknownLoc()
    assert fused_location([UnknownLoc(), a, a]) == a
    nested = fused_location([a, b])
    assert nested == FusedLoc((a, b), NoneAttr())
    assert fused_location([c, nested, UnknownLoc(), b]) == FusedLoc((c, a, b), NoneAttr())


def test_describe_sources_groups_lines_by_call_path():
    module = parse_dlm(NESTED, "n.dlm")
    ops = graph_ops(module)
    assert describe_sources(fused_location(ops)) == (
        "n.dlm:12; n.dlm:2 via 6 via 14 (repeat iteration 1 of 2); n.dlm:7 via 14 (repeat iteration 1 of 2); "
        "n.dlm:2 via 6 via 14 (repeat iteration 2 of 2); +1 more"
    )
    lines = [at(line, 5) for line in (9, 3, 4, 5, 9, 11)]
    assert describe_sources(fused_location(lines)) == "n.dlm:3-5,9,11"
    assert describe_sources(UnknownLoc()) == "-"
    assert location_records(ops[1].location) == [
        {
            "file": "n.dlm",
            "line": 2,
            "column": 10,
            "called_from": [
                {"file": "n.dlm", "line": 6, "column": 7},
                {"file": "n.dlm", "line": 14, "column": 9},
                {"name": "repeat iteration 1 of 2", "file": "n.dlm", "line": 13, "column": 3},
            ],
        }
    ]


def test_describe_sources_factors_the_common_path_of_onnx_node_names():
    def node(name: str) -> NameLoc:
        return NameLoc(StringAttr(name), FileLineColLoc(StringAttr("m.onnx"), IntAttr(0), IntAttr(0)))

    names = ["/layer3/layer3.1/conv2/Conv", "/layer3/layer3.1/bn2/Add", "/layer3/layer3.1/relu/Relu"]
    assert describe_sources(node(names[0])) == "/layer3/layer3.1/conv2/Conv"
    assert describe_sources(fused_location(map(node, names))) == "/layer3/layer3.1/{conv2/Conv, bn2/Add, relu/Relu}"
    many = [f"/a/n{i}" for i in range(6)]
    assert describe_sources(fused_location(map(node, many)), limit=2) == "/a/{n0, n1, +4 more}"
    assert location_records(node("x")) == [{"name": "x", "file": "m.onnx", "line": 0, "column": 0}]
