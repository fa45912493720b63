"""IR levels and the default pipeline that takes a module from one level to the next."""

from __future__ import annotations

from enum import IntEnum

from xdsl.dialects.builtin import ModuleOp

from dialects import accel, fusion


class Level(IntEnum):
    """The abstraction levels of dlfc IR, in compilation order."""

    GRAPH = 0
    FUSION = 1
    ACCEL = 2

    @property
    def label(self) -> str:
        return self.name.lower()


# The passes that run at each level; the last pass of a stage produces the next level.
DEFAULT_PIPELINE: dict[Level, list[str]] = {
    Level.GRAPH: [],
    Level.FUSION: ["convert-graph-to-fusion"],
    Level.ACCEL: ["convert-fusion-to-accel"],
}


def level_of(module: ModuleOp) -> Level:
    """The level a module is at: the highest-level op it contains."""
    level = Level.GRAPH
    for op in module.walk():
        if isinstance(op, accel.KernelOp):
            return Level.ACCEL
        if isinstance(op, fusion.GroupOp):
            level = Level.FUSION
    return level


def default_pipeline(start: Level, stop: Level) -> list[str]:
    """The default passes that take a module at `start` to `stop` (graph passes run on graph input only)."""
    return [p for level in Level if start <= level <= stop and (level > start or level == Level.GRAPH) for p in DEFAULT_PIPELINE[level]]
