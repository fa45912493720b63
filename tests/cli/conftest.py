"""Fixtures for driving `dlfc` in-process and for small hand-built modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from xdsl.builder import ImplicitBuilder
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType, f32
from xdsl.parser import Parser

from dlfc.compiler.cli import main
from dlfc.compiler.context import make_context
from dlfc.dialects import graph

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
PLUGINS = EXAMPLES / "plugins"


@dataclass
class Result:
    code: int
    out: str
    err: str


Dlfc = Callable[..., Result]


@pytest.fixture
def dlfc(capsys: pytest.CaptureFixture[str]) -> Dlfc:
    """Run `dlfc ARGS...` in-process: exit code, stdout, stderr."""

    def run(*args: str | Path) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def parse(text: str) -> ModuleOp:
    """Parse and verify a module with every dlfc dialect registered."""
    module = Parser(make_context(), text).parse_module()
    module.verify()
    return module


def small_graph_module() -> ModuleOp:
    """conv2d -> relu -> relu -> add (a graph-level module built with the dialect's constructors)."""
    t = TensorType(f32, [1, 4, 8, 8])
    fn = func.FuncOp("main", ((t,), (t,)))
    with ImplicitBuilder(fn.body) as (x,):
        w = graph.WeightOp("conv.weight", TensorType(f32, [4, 4, 3, 3]), "he_normal")
        conv = graph.Conv2DOp(x, w.output, pad=(1, 1, 1, 1))
        inner = graph.ReluOp(conv.output)
        outer = graph.ReluOp(inner.output)
        func.ReturnOp(graph.AddOp(outer.output, x).output)
    return ModuleOp([fn])


@pytest.fixture
def graph_mlir(tmp_path: Path) -> Path:
    """A graph-level .mlir file (see `small_graph_module`)."""
    path = tmp_path / "small.mlir"
    path.write_text(str(small_graph_module()) + "\n")
    return path
