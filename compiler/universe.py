"""dlfc's dialects and passes for stock `xdsl-opt` (the `xdsl.universe` entry point).

Once dlfc is installed, `xdsl-opt plan.mlir -p convert-fusion-to-accel` parses,
transforms and prints dlfc IR. Nothing is imported until it is used. Passes
dlfc re-exports from xDSL (canonicalize, cse, ...) are left to xDSL's own
universe: a name registered twice makes xdsl-opt refuse to start.
"""

from __future__ import annotations

from xdsl.universe import Universe

from dlfc.compiler.passes import get_all_passes, is_dlfc_pass
from dlfc.dialects import get_all_dialects

DLFC_UNIVERSE = Universe(
    all_dialects=get_all_dialects(),
    all_passes={name: factory for name, factory in get_all_passes().items() if is_dlfc_pass(name)},
)
