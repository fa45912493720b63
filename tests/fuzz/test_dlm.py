"""Fuzzing the .dlm front end through `dlfc`: every input compiles or gets one clean diagnostic.

Inputs: random bytes, random token sequences, random programs that follow the
grammar, and mutations of every example model (tokens deleted, duplicated,
swapped, inserted; numbers, names and shapes changed). Property, for each:
`dlfc FILE -o OUT` exits 0 having written OUT, or exits 1 with a
`FILE:LINE:COL: error:` diagnostic (or `FILE: error:`), with no traceback,
no OUT and no temporary file left behind; and it finishes within the time limit.

Mutated examples run the default pipeline when their weights are small, else
a cheap pipeline (cse): a changed number may make a weight of billions of
elements, which the weight-folding passes would allocate. Random programs are
tiny and run the default pipeline.

A changed number may also be a `repeat` count (1000, 3072, 2**31, ...). The
frontend's limit on the ops a model expands to is lowered to
`FUZZ_MAX_MODEL_OPS` here, so such a model either compiles within the time
limit or gets the frontend's "repeat would expand the model" diagnostic; the
real limits are pinned in tests/differential/test_known_bugs.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fuzz.harness import (
    MUTATIONS,
    TokenLanguage,
    check_model_diagnostic,
    check_outputs_written,
    fuzz,
    mutate,
    run_dlfc,
    workspace,
)
from hypothesis import strategies as st

from dlfc.compiler.frontend import DlmError, irgen, parse_dlm
from dlfc.compiler.frontend.ops import OPS
from dlfc.dialects import graph

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples").glob("*.dlm"))

# A .dlm file as tokens, whitespace and comments included (so that joining them gives the file back).
TOKEN = re.compile(
    r"#[^\n]*"  # comment
    r'|"[^"\n]*"?'  # string (possibly unterminated)
    r"|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"  # number
    r"|[A-Za-z_]\w*"  # name or keyword
    r"|//|\n|[ \t\r\f]+|."  # operator, newline, blanks, any other character
)
KEYWORDS = ["block", "model", "repeat", "return", "input", "output", "param", "true", "false"]
PUNCTUATION = ["(", ")", "[", "]", "{", "}", ",", "=", ":", "+", "-", "*", "/", "//", "@", "\n"]
NUMBERS = [
    "0",
    "1",
    "2",
    "3",
    "4",
    "7",
    "16",
    "64",
    "255",
    "1000",
    "0.0",
    "0.5",
    "1.",
    ".25",
    "1e-5",
    "2.5e3",
    "1e400",
    "1e-400",
    "007",
    str(2**31),
    str(2**63),
    str(10**30),
    "9" * 5000,  # more digits than Python converts by default
    "1" + "0" * 400 + ".0",  # beyond float64
]
ELEMENT_TYPES = ["f32", "f16", "i32", "i64", "f64", "bf16", "u8"]
NAMES = ["x", "y", "z", "image", "ch", "stride", "kernel", "axis", "axes", "keepdims", "bias", "out", "a", "b"]
VOCABULARY = [*KEYWORDS, *PUNCTUATION, *NUMBERS, *ELEMENT_TYPES, *NAMES, *sorted(OPS), '"s"', "#", "$", "\t", "é"]
FULL_PIPELINE_WEIGHTS = 4_000_000
"""Mutated models with at most this many weight elements run the default pipeline (MobileNetV2 has 3.5M)."""
FUZZ_MAX_MODEL_OPS = 50_000
"""The frontend's limit on a model's ops (`irgen.MAX_MODEL_OPS`, 500,000) while fuzzing .dlm.

The real limit bounds what a model may ask for, not the time one fuzz case may
take. A mutated repeat count may expand an example to hundreds of thousands of
ops: BERT-base with `repeat 3072` has 123,000, and dlfc takes 40 s of CPU on it
with cse alone (two thirds of CASE_CPU_SECONDS); MobileNetV2 near 500,000 ops
would take minutes. Any example with one count changed to 1000 or less stays
under this limit (ViT-Ti with `repeat 1000`: 40,000 ops, 13 s).
"""


@pytest.fixture(autouse=True)
def fuzz_model_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every .dlm case runs with the frontend limited to FUZZ_MAX_MODEL_OPS ops."""
    monkeypatch.setattr(irgen, "MAX_MODEL_OPS", FUZZ_MAX_MODEL_OPS)


def compile_dlm(capsys: pytest.CaptureFixture[str], source: str | bytes, *options: str) -> None:
    """Write the model, run `dlfc` on it and check the outcome."""
    with workspace({"model.dlm": source}) as folder:
        path, out = folder / "model.dlm", folder / "plan.mlir"
        outcome = run_dlfc(capsys, path, "-o", out, *options)
        check_model_diagnostic(outcome, [path], source if isinstance(source, str) else None)
        check_outputs_written(outcome, folder, [out])
        if outcome.code == 0:
            plan = out.read_text(encoding="utf-8")
            assert plan.startswith("builtin.module") and plan.endswith("}\n"), "the plan is not a whole module"


# --------------------------------------------------------------------------- mutations of the examples


def is_number(token: str) -> bool:
    return token[:1].isdigit() or token[:1] == "."


def is_name(token: str) -> bool:
    return token[:1].isalpha() or token[:1] == "_"


DLM = TokenLanguage(
    token=TOKEN,
    significant=lambda t: not (t.isspace() or t.startswith("#")),
    classes={"number": is_number, "name": is_name},
    replacements={"number": [*NUMBERS, *map(str, range(0, 300, 7))], "name": VOCABULARY},
    vocabulary=VOCABULARY,
)
KINDS = [*MUTATIONS, *["number"] * 4, *["name"] * 2]
"""Mutation kinds, as often as they are drawn: most change a number (a shape, a count, a size) or a name."""


@st.composite
def mutated(draw: st.DrawFn, source: str) -> str:
    """`source` with one to three token mutations."""
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):
        source = mutate(draw, DLM, source, draw(st.sampled_from(KINDS)))
    return source


def pipeline_options(source: str) -> list[str]:
    """No options (the default pipeline) for a model of few weight elements, else a cheap pipeline (cse).

    The default pipeline's folding passes compute with the weights, so a
    mutated size could make them allocate gigabytes.
    """
    try:
        module = parse_dlm(source, "model.dlm")
    except DlmError:
        return []  # dlfc reports it
    weights = sum(graph.num_elements(op.output.type) for op in module.walk() if isinstance(op, graph.WeightOp))
    return [] if weights <= FULL_PIPELINE_WEIGHTS else ["--pass-pipeline", "cse"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_mutated_example(example: Path, capsys: pytest.CaptureFixture[str], examples: Callable[[int], int]) -> None:
    def check(text: str) -> None:
        compile_dlm(capsys, text, *pipeline_options(text))

    fuzz(mutated(example.read_text(encoding="utf-8")), check, examples(6))


# --------------------------------------------------------------------------- random input


def test_random_bytes(capsys: pytest.CaptureFixture[str], examples: Callable[[int], int]) -> None:
    fuzz(st.binary(max_size=400), lambda data: compile_dlm(capsys, data), examples(40))


def test_random_tokens(capsys: pytest.CaptureFixture[str], examples: Callable[[int], int]) -> None:
    words = st.lists(st.sampled_from(VOCABULARY), max_size=60)
    fuzz(words, lambda tokens: compile_dlm(capsys, " ".join(tokens)), examples(40))


# --------------------------------------------------------------------------- random programs that follow the grammar

SMALL_NUMBERS = ["0", "1", "2", "3", "4", "8", "-1", "0.5", "1e-5", "2.0"]


def expressions(variables: list[str]) -> st.SearchStrategy[str]:
    """Expressions over the model's variables: calls of random ops, arithmetic, lists and literals."""
    leaves = st.sampled_from([*variables, *SMALL_NUMBERS, "true", "false", '"s"'])

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        keyword = st.tuples(st.sampled_from(NAMES + ["pad", "groups", "eps", "scale", "block", "alpha"]), inner).map(
            lambda kv: f"{kv[0]}={kv[1]}"
        )
        keywords = st.lists(keyword, max_size=2, unique_by=lambda k: k.split("=")[0])
        call = st.tuples(st.sampled_from(sorted(OPS)), st.lists(inner, max_size=3), keywords)
        return (
            call.map(lambda c: f"{c[0]}({', '.join([*c[1], *c[2]])})")
            | st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "//", "@"]), inner).map(" ".join)
            | st.lists(inner, max_size=4).map(lambda items: f"[{', '.join(items)}]")
            | inner.map(lambda e: f"-{e}")
        )

    return st.recursive(leaves, extend, max_leaves=8)


@st.composite
def programs(draw: st.DrawFn) -> str:
    """`model m { inputs; assignments; output }`, each statement random but well-formed."""
    dims = st.lists(st.sampled_from(["1", "2", "3", "4", "8"]), min_size=0, max_size=4)
    inputs = [f"  input {n}: {draw(st.sampled_from(ELEMENT_TYPES[:4]))}[{', '.join(draw(dims))}]" for n in ("x", "y")]
    variables, lines = ["x", "y"], []
    for name in draw(st.lists(st.sampled_from(["a", "b", "c", "x"]), max_size=5)):
        lines.append(f"  {name} = {draw(expressions(variables))}")
        variables.append(name)
    output = draw(expressions(variables))
    return "model m {\n" + "\n".join([*inputs, *lines, f"  output {output}"]) + "\n}\n"


def test_random_program(capsys: pytest.CaptureFixture[str], examples: Callable[[int], int]) -> None:
    fuzz(programs(), lambda source: compile_dlm(capsys, source), examples(60))


@st.composite
def algebra(draw: st.DrawFn) -> str:
    """Long chains of elementwise algebra (issue 14's "hangs"): repeated products, squarings, sums of products."""
    factor = st.sampled_from(["x", "y", "exp(x)", "sqrt(y)", "reciprocal(x)", "-x", "abs(y)", "2.0", "0.5"])
    n = draw(st.integers(1, 200))
    chain = " * ".join(draw(st.lists(factor, min_size=n, max_size=n)))
    step = draw(
        st.sampled_from(
            ["a = a * a", "a = a * x", "a = a * x + a * y", "a = reduce_sum(a * 1e-10, -1, keepdims=true) * a"]
        )
    )
    count = draw(st.integers(1, 128))
    element = draw(st.sampled_from(["f32", "f32", "f16", "i32"]))
    return (
        f"model m {{\n  input x: {element}[4]\n  input y: {element}[4]\n  a = {chain}\n"
        f"  repeat {count} {{\n    {step}\n  }}\n  output a\n}}\n"
    )


def test_long_algebra_compiles_in_time(capsys: pytest.CaptureFixture[str], examples: Callable[[int], int]) -> None:
    """Compiles (or fails in one diagnostic) within the case's CPU limit: graph rewriting is polynomial."""
    fuzz(algebra(), lambda source: compile_dlm(capsys, source), examples(15))
