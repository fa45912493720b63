"""DNNFusion's Table 3 as data: every cell, its colour and its fused mapping type."""

from __future__ import annotations

import pytest

from dlfc.compiler.utils.fusion_table import (
    FUSION_TABLE,
    MTM,
    OTM,
    OTO,
    REORG,
    SHUF,
    Colour,
    fusion_cell,
    mapping_label,
)
from dlfc.dialects.graph import MappingType

G, Y, R = Colour.GREEN, Colour.YELLOW, Colour.RED

# The paper's table, row = first (producer), column = second (consumer), in its order:
# One-to-One, One-to-Many, Many-to-Many, Reorganize, Shuffle.
COLUMNS = (OTO, OTM, MTM, REORG, SHUF)
EXPECTED = {
    OTO: ((G, OTO), (G, OTM), (G, MTM), (G, REORG), (G, SHUF)),
    OTM: ((G, OTM), (Y, OTM), (R, None), (Y, OTM), (Y, OTM)),
    MTM: ((G, MTM), (Y, MTM), (R, None), (Y, MTM), (Y, MTM)),
    REORG: ((G, REORG), (Y, OTM), (Y, MTM), (G, REORG), (G, REORG)),
    SHUF: ((G, SHUF), (Y, OTM), (Y, MTM), (G, REORG), (G, SHUF)),
}
CELLS = [(first, second, *EXPECTED[first][j]) for first in COLUMNS for j, second in enumerate(COLUMNS)]


@pytest.mark.parametrize(("first", "second", "colour", "fused"), CELLS, ids=lambda v: getattr(v, "name", str(v)))
def test_every_cell(first: MappingType, second: MappingType, colour: Colour, fused: MappingType | None):
    cell = fusion_cell(first, second)
    assert (cell.colour, cell.fused) == (colour, fused)


def test_table_is_complete_5x5():
    assert set(FUSION_TABLE) == {(a, b) for a in MappingType for b in MappingType}


def test_exactly_two_red_cells():
    """The paper: 23 code-generation rules, one per green or yellow cell; the other two are red."""
    red = {pair for pair, cell in FUSION_TABLE.items() if cell.colour is Colour.RED}
    assert red == {(OTM, MTM), (MTM, MTM)}
    assert sum(cell.colour is not Colour.RED for cell in FUSION_TABLE.values()) == 23


@pytest.mark.parametrize("other", list(MappingType), ids=lambda m: m.name)
def test_one_to_one_takes_its_partners_type(other: MappingType):
    assert fusion_cell(OTO, other).fused == other
    assert fusion_cell(other, OTO).fused == other
    assert fusion_cell(OTO, other).colour is Colour.GREEN and fusion_cell(other, OTO).colour is Colour.GREEN


@pytest.mark.parametrize("strong", [OTM, MTM], ids=lambda m: m.name)
@pytest.mark.parametrize("weak", [REORG, SHUF], ids=lambda m: m.name)
def test_one_to_many_and_many_to_many_decide_alone_and_need_profiling(strong: MappingType, weak: MappingType):
    for cell in (fusion_cell(strong, weak), fusion_cell(weak, strong)):
        assert (cell.colour, cell.fused) == (Colour.YELLOW, strong)


def test_mapping_labels():
    assert [mapping_label(m) for m in MappingType] == [
        "one_to_one",
        "reorganize",
        "shuffle",
        "one_to_many",
        "many_to_many",
    ]
