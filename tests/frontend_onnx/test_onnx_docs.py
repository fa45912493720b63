"""docs/onnx.md's operator table names exactly the ONNX operators the importer converts."""

from __future__ import annotations

import re
from pathlib import Path

from dlfc.compiler.frontend.onnx import CONVERTERS

DOC = Path(__file__).parents[2] / "docs" / "onnx.md"
FOLDED_ONLY = {"Constant"}
"""Operators the table lists that have no converter: they are always constants, folded at import."""


def documented_operators() -> set[str]:
    """The ONNX operator names in the first column of the `| ONNX | graph IR | notes |` table."""
    text = DOC.read_text()
    table = text[text.index("| ONNX | graph IR | notes |") :].split("\n\n", 1)[0]
    names: set[str] = set()
    for row in table.splitlines()[2:]:
        first = re.sub(r"\(.*?\)", "", row.split("|")[1])  # "Gelu (opset 20)" names Gelu
        names.update(word for word in re.split(r",|\band\b", first) if re.fullmatch(r"[A-Z][A-Za-z]*", word.strip()))
    return {name.strip() for name in names}


def test_the_operator_table_is_the_converter_table() -> None:
    documented = documented_operators()
    assert documented - FOLDED_ONLY == set(CONVERTERS), (
        f"documented, no converter: {sorted(documented - FOLDED_ONLY - set(CONVERTERS))}; "
        f"converter, undocumented: {sorted(set(CONVERTERS) - documented)}"
    )
