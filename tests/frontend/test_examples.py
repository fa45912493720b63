"""Every example model and every ```dlm block of docs/dlm.md compiles, verifies and round-trips."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from dlfc.compiler.context import make_context
from dlfc.compiler.frontend import load_dlm, parse_dlm
from dlfc.dialects import graph

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
