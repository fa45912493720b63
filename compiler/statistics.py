"""Pass statistics: the counters a pass reports with `add_statistic` (`dlfc --stats`).

A leaf module: passes import it without importing the pass manager, which
opens a fresh counter around each pass it runs (`recording`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_statistics: ContextVar[Counter[str] | None] = ContextVar("dlfc_pass_statistics", default=None)


def add_statistic(name: str, amount: int = 1) -> None:
    """Add `amount` to the counter `name` of the pass that is running.

    `dlfc --stats` prints the counters of every pass; outside a dlfc pipeline
    (in xdsl-opt, in a unit test) this does nothing.
    """
    counter = _statistics.get()
    if counter is not None:
        counter[name] += amount


@contextmanager
def recording(counter: Counter[str]) -> Iterator[None]:
    """Within the block, `add_statistic` adds to `counter`."""
    token = _statistics.set(counter)
    try:
        yield
    finally:
        _statistics.reset(token)
