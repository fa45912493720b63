"""Fuzzing .mlir input: `dlfc FILE.mlir -o OUT` compiles it or says why in one line.

Inputs: random bytes, and mutations (tokens deleted, duplicated, swapped,
inserted; numbers, names and tensor dimensions changed) of small random
models printed at every level (graph, fusion, accel), in the custom and the
generic format. Property: exit 0 with OUT written (and parsing back), or exit
1 with one line `dlfc: error: ...` that names no internal exception, no OUT
and no temporary file left behind; within the time limit. A plan that compiled
then runs (`dlfc run`) and must succeed: whatever verifies runs. Besides token
mutations, `hostile` ones keep the text well-formed but break the module
contract (a use-def cycle, other element types, a constant not of its type, two
types for one weight name), which the verifier must refuse in one line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import pytest
from differential.test_passes import passes
from fuzz.harness import (
    MUTATIONS,
    TokenLanguage,
    check_one_line_error,
    check_outputs_written,
    fuzz,
    mutate,
    run_dlfc,
    workspace,
)
from hypothesis import strategies as st
from random_models import random_model
from xdsl.parser import Parser

from dlfc.compiler.context import make_context
from dlfc.compiler.instruments import print_module
from dlfc.compiler.pass_manager import run_pipeline

MLIR_TOKEN = re.compile(
    r'"(?:[^"\\\n]|\\.)*"'  # string
    r"|[%@^#!][\w.$-]*"  # value, symbol, block label, attribute or type alias
    r"|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"  # number
    r"|[A-Za-z_][\w.$]*"  # identifier: op name, type, keyword
    r"|->|\s+|."  # arrow, blanks, any other character
)
DIMENSION = re.compile(r"(?<=[<x])\d+(?=x)")
NUMBERS = ["0", "1", "2", "3", "7", "64", "4096", "-1", "1.5", "0.0", "1e400", "-0", str(2**63), "0x10"]
VOCABULARY = [
    *NUMBERS,
    "{",
    "}",
    "(",
    ")",
    "<",
    ">",
    "[",
    "]",
    ",",
    ":",
    "=",
    "->",
    "?",
    "%0",
    "%x",
    "@main",
    "^bb0",
    "f16",
    "f64",
    "i1",
    "i64",
    "index",
    "tensor",
    "memref",
    "array",
    "dense",
    "true",
    "false",
    "unit",
    "graph.relu",
    "graph.weight",
    "graph.constant",
    "fusion.group",
    "fusion.yield",
    "accel.kernel",
    "accel.yield",
    "func.func",
    "func.return",
    "builtin.module",
    "#accel.target",
    "#accel.latency",
]
MLIR = TokenLanguage(
    token=MLIR_TOKEN,
    significant=lambda t: not t.isspace(),
    classes={"number": lambda t: t[:1].isdigit(), "name": lambda t: t[:1].isalpha() or t[:1] in "%@^#"},
    replacements={"number": NUMBERS, "name": VOCABULARY},
    vocabulary=VOCABULARY,
)
KINDS = [*MUTATIONS, "number", "number", "name", "name", "dimension", "dimension", "hostile", "hostile"]
DEFINITION = re.compile(r"^\s*(%[\w.$-]+)(?::\d+)? = ", re.MULTILINE)
HOSTILE = ("cycle", "element-type", "constant", "weight-type")
"""Mutations that keep the text well-formed but break the module contract (issue 14's "invalid input accepted"
and "hangs" classes): a use of a value defined later, another element type, a constant not of its type, one weight
name with two types."""


def hostile(draw: st.DrawFn, text: str) -> str:
    """`text` with one of the HOSTILE mutations (unchanged if it has nothing to mutate)."""
    kind = draw(st.sampled_from(HOSTILE))
    if kind == "cycle" and len(definitions := list(DEFINITION.finditer(text))) >= 2:
        i, j = sorted(draw(st.lists(st.integers(0, len(definitions) - 1), min_size=2, max_size=2, unique=True)))
        line_end = text.index("\n", definitions[i].end())
        line = text[definitions[i].end() : line_end]
        uses = list(re.finditer(r"%[\w.$-]+", line))
        if uses:
            use = draw(st.sampled_from(uses))
            start = definitions[i].end() + use.start()
            return text[:start] + definitions[j].group(1) + text[definitions[i].end() + use.end() :]
    if kind == "element-type" and "f32" in text:
        return text.replace("f32", draw(st.sampled_from(["i1", "i32", "f16", "bf16", "index", "f64"])))
    if kind == "constant" and (constant := re.search(r"graph\.constant \S+ : tensor<f32>", text)):
        value = draw(st.sampled_from(["0.5", "1.0e39", "-3", "inf"]))
        return text[: constant.start()] + f"graph.constant {value} : tensor<i32>" + text[constant.end() :]
    if kind == "weight-type" and (weight := re.search(r'graph\.weight "[^"]+" [^\n]*: tensor<', text)):
        return text[: weight.end()] + "1x" + text[weight.end() :]
    return text


LEVEL_PIPELINES = ("", "convert-graph-to-fusion", "fuse-dnnfusion,convert-fusion-to-accel")
"""From a graph-level model: nothing (graph), to the fusion level, to the accel level."""


@cache
def seed_texts() -> list[str]:
    """Small random models at every level, each in the custom and the generic format."""
    texts = []
    for seed in range(3):
        for pipeline in LEVEL_PIPELINES:
            module = random_model(seed, 10).module
            if pipeline:
                run_pipeline(make_context(), module, passes(pipeline))
            texts += [print_module(module), print_module(module, generic=True)]
    return texts


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """One of the seed texts with one to three mutations."""
    text = draw(st.sampled_from(seed_texts()))
    for _ in range(draw(st.sampled_from([1, 1, 2, 3]))):
        kind = draw(st.sampled_from(KINDS))
        if kind == "dimension" and (dims := list(DIMENSION.finditer(text))):
            dim = draw(st.sampled_from(dims))
            text = (
                text[: dim.start()] + draw(st.sampled_from(["0", "1", "3", "5", "8", "?", "4096"])) + text[dim.end() :]
            )
        elif kind == "hostile":
            text = hostile(draw, text)
        else:
            text = mutate(draw, MLIR, text, kind)
    return text


def compile_mlir(capsys: pytest.CaptureFixture[str], source: str | bytes) -> None:
    """`dlfc input.mlir -o plan.mlir`, then (if it compiled) `dlfc run plan.mlir`: each succeeds or fails cleanly."""
    with workspace({"input.mlir": source}) as folder:
        out = folder / "plan.mlir"
        outcome = run_dlfc(capsys, folder / "input.mlir", "-o", out)
        check_one_line_error(outcome)
        check_outputs_written(outcome, folder, [out])
        if outcome.code == 0:
            Parser(make_context(), out.read_text(), name=str(out)).parse_module().verify()
            ran = run_dlfc(capsys, "run", out)
            check_one_line_error(ran)
            assert ran.code == 0, f"a plan that compiled does not run (what verifies must run):\n{ran.err}"


def test_mutated_module(capsys: pytest.CaptureFixture[str], examples: Callable[[int], int]) -> None:
    fuzz(mutated(), lambda text: compile_mlir(capsys, text), examples(30))


def test_random_bytes(capsys: pytest.CaptureFixture[str], examples: Callable[[int], int]) -> None:
    fuzz(st.binary(max_size=400), lambda data: compile_mlir(capsys, data), examples(20))
