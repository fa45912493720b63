"""Golden files of the dialects, in the manner of MLIR's `ops.mlir` and `invalid.mlir` tests.

`<dialect>/ops.mlir`: cases separated by `// -----` lines. Each case parses and
verifies, prints back exactly as written (comment lines aside), and prints the
same after a trip through the generic form.

`<dialect>/invalid.mlir`: each case fails to parse or to verify, with an error
that contains the text of its `// expected-error {{...}}` line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from xdsl.parser import Parser
from xdsl.utils.exceptions import DiagnosticException, ParseError

from dlfc.compiler.context import make_context
from dlfc.compiler.instruments import print_module

HERE = Path(__file__).parent
SEPARATOR = re.compile(r"^// -----$", re.M)
EXPECTED_ERROR = re.compile(r"// expected-error \{\{(.+?)\}\}")


def cases(name: str) -> list[pytest.ParameterSet]:
    """Every case of every `*/name` golden file, with `dialect/file:line` as its id."""
    found: list[tuple[str, str]] = []
    for path in sorted(HERE.glob(f"*/{name}")):
        text, line = path.read_text(), 1
        for case in SEPARATOR.split(text):
            first = line + len(case) - len(case.lstrip("\n"))  # the case's first line, not the separator
            found.append((f"{path.parent.name}/{name}:{first}", case))
            line += case.count("\n")
    return [pytest.param(case, id=where) for where, case in found if code_of(case)]


def code_of(case: str) -> str:
    """The case without its comment lines."""
    return "\n".join(line for line in case.splitlines() if line.strip() and not line.lstrip().startswith("//")) + "\n"


def parse_and_verify(text: str):
    module = Parser(make_context(), text).parse_module()
    module.verify()
    return module


@pytest.mark.parametrize("case", cases("ops.mlir"))
def test_round_trip(case: str) -> None:
    module = parse_and_verify(case)
    assert print_module(module) == code_of(case)
    generic = print_module(module, generic=True)
    assert print_module(parse_and_verify(generic)) == code_of(case)


@pytest.mark.parametrize("case", cases("invalid.mlir"))
def test_invalid(case: str) -> None:
    expected = EXPECTED_ERROR.findall(case)
    assert len(expected) == 1, "a case needs exactly one expected-error"
    with pytest.raises((ParseError, DiagnosticException)) as error:
        parse_and_verify(case)
    assert expected[0] in str(error.value)


def test_every_graph_op_has_a_round_trip_case() -> None:
    from dlfc.dialects.graph import Graph

    text = (HERE / "graph" / "ops.mlir").read_text()
    assert {op.name for op in Graph.operations} <= set(re.findall(r"\bgraph\.\w+", text))
