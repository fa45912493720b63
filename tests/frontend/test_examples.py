"""Every example model and every ```dlm block of docs/dlm.md compiles, verifies and round-trips."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from dlfc.compiler.context import make_context
from dlfc.compiler.frontend import load_dlm, parse_dlm
from dlfc.compiler.pipeline import Level, compile_to
from dlfc.dialects import graph
from dlfc.hw.interpreter import execute
from dlfc.hw.reference import run_graph
from dlfc.hw.target import load_target
from dlfc.hw.weights import store_of

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.dlm"))
DOC_BLOCKS = re.findall(r"```dlm\n(.*?)```", (ROOT / "docs" / "dlm.md").read_text(), re.S)


def check(module: ModuleOp) -> None:
    module.verify()
    names = [op.weight_id for op in module.walk() if isinstance(op, graph.WeightOp)]
    assert len(names) == len(set(names)), "weight names must be unique"
    text = str(module)
    assert str(Parser(make_context(), text).parse_module()) == text


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_compiles(path: Path) -> None:
    check(load_dlm(str(path)))


def test_docs_have_complete_examples() -> None:
    assert len(DOC_BLOCKS) >= 2


@pytest.mark.parametrize("index", range(len(DOC_BLOCKS)))
def test_docs_example_compiles(index: int) -> None:
    check(parse_dlm(DOC_BLOCKS[index], f"docs-example-{index}.dlm"))


def test_docs_example_of_the_onnx_activations_runs_through_the_default_pipeline() -> None:
    """The `stylish` example (prelu, elu, selu, shrink, sign, softplus, instance_norm, pad modes, log_softmax,
    expand, tile, reduce_prod, square): the accel plan computes what the graph reference computes."""
    (source,) = [block for block in DOC_BLOCKS if "model stylish" in block]
    module = parse_dlm(source, "stylish.dlm")
    original = module.clone()
    inputs = [np.random.default_rng(0).standard_normal((1, 3, 16, 16)).astype(np.float32)]
    expected = run_graph(original, inputs, store_of(module))
    compile_to(module, Level.ACCEL)
    assert not any(isinstance(op, graph.ReduceProdOp) for op in module.walk())
    for actual, reference in zip(execute(module, inputs, load_target("mlu100")).outputs, expected, strict=True):
        np.testing.assert_allclose(actual, reference, rtol=1e-4, atol=1e-5)
