"""dlfc's dialects, one file each: graph -> fusion -> accel -> schedule."""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import Dialect


def get_all_dialects() -> dict[str, Callable[[], Dialect]]:
    """Name -> factory of every dlfc dialect (imported on first use)."""

    def graph() -> Dialect:
        from dlfc.dialects.graph import Graph

        return Graph

    def fusion() -> Dialect:
        from dlfc.dialects.fusion import Fusion

        return Fusion

    def accel() -> Dialect:
        from dlfc.dialects.accel import Accel

        return Accel

    def schedule() -> Dialect:
        from dlfc.dialects.schedule import Schedule

        return Schedule

    return {"graph": graph, "fusion": fusion, "accel": accel, "schedule": schedule}
