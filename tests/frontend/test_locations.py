"""Source locations from the .dlm front end: every op's FileLineColLoc, call-site chains, printing and parsing back."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from xdsl.dialects.builtin import CallSiteLoc, FileLineColLoc, IntAttr, ModuleOp, NameLoc, StringAttr, UnknownLoc
from xdsl.ir import Attribute
from xdsl.parser import Parser

from dlfc.compiler.context import make_context
from dlfc.compiler.frontend import load_dlm, parse_dlm
from dlfc.compiler.instruments import print_module
from dlfc.dialects import graph

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
