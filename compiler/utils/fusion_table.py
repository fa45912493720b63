"""DNNFusion's fusion table (Table 3 of Niu et al., PLDI 2021, with the colours of its §3.2).

For a producer -> consumer pair of mapping types, the table gives a colour
and the mapping type of the fused operator:

- green: legal and profitable, fuse without further analysis;
- yellow: legal, profitability decided by profiling (here: the cost model);
- red: illegal or clearly unprofitable, never fuse.

Exactly two cells are red: One-to-Many -> Many-to-Many (e.g. Expand -> Conv)
and Many-to-Many -> Many-to-Many (e.g. Conv -> Conv). The colour of One-to-Many
-> One-to-Many is not stated by the paper; like the kkkeevvvin/tvm port we
make it yellow. Cells the paper leaves to be inferred follow its
"transformation impedance" rule: One-to-One takes its partner's type,
Reorganize/Shuffle absorb One-to-One, and One-to-Many/Many-to-Many decide the
fused type alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from dlfc.dialects.graph import MappingType


class Colour(Enum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True)
class Cell:
    """One entry of the table: the colour of a pair and its fused mapping type (None when red)."""

    colour: Colour
    fused: MappingType | None


OTO, REORG, SHUF, OTM, MTM = (
    MappingType.ONE_TO_ONE,
    MappingType.REORGANIZE,
    MappingType.SHUFFLE,
    MappingType.ONE_TO_MANY,
    MappingType.MANY_TO_MANY,
)
G, Y = Colour.GREEN, Colour.YELLOW
RED = Cell(Colour.RED, None)

# Rows: the first (producer) operator; columns: the second (consumer), in the
# order of the paper's table: One-to-One, One-to-Many, Many-to-Many, Reorganize, Shuffle.
COLUMNS = (OTO, OTM, MTM, REORG, SHUF)
FUSION_TABLE: dict[tuple[MappingType, MappingType], Cell] = {
    (first, second): cell
    for first, row in (
        (OTO, (Cell(G, OTO), Cell(G, OTM), Cell(G, MTM), Cell(G, REORG), Cell(G, SHUF))),
        (OTM, (Cell(G, OTM), Cell(Y, OTM), RED, Cell(Y, OTM), Cell(Y, OTM))),
        (MTM, (Cell(G, MTM), Cell(Y, MTM), RED, Cell(Y, MTM), Cell(Y, MTM))),
        (REORG, (Cell(G, REORG), Cell(Y, OTM), Cell(Y, MTM), Cell(G, REORG), Cell(G, REORG))),
        (SHUF, (Cell(G, SHUF), Cell(Y, OTM), Cell(Y, MTM), Cell(G, REORG), Cell(G, SHUF))),
    )
    for second, cell in zip(COLUMNS, row, strict=False)
}


def fusion_cell(first: MappingType, second: MappingType) -> Cell:
    """The table entry for fusing a `first`-type producer with a `second`-type consumer."""
    return FUSION_TABLE[first, second]


def mapping_label(mapping: MappingType) -> str:
    """The attribute spelling of a mapping type: `one_to_one`, `many_to_many`, ..."""
    return mapping.name.lower()
