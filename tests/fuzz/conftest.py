"""Every fuzz test runs in the default mode and in the long mode (marked slow); see harness.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fuzz import harness

HERE = Path(__file__).parent
LONG_TESTS = pytest.StashKey[int]()
"""How many long-mode fuzz tests this session runs: they share the long mode's cases."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "long" in metafunc.fixturenames:
        metafunc.parametrize("long", harness.MODES)


def pytest_collection_finish(session: pytest.Session) -> None:
    selected = [item for item in session.items if HERE in item.path.parents and item.get_closest_marker("slow")]
    session.config.stash[LONG_TESTS] = len(selected)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    harness.report_cases(terminalreporter, "fuzz")


@pytest.fixture
def examples(request: pytest.FixtureRequest, long: bool) -> Callable[[int], int]:
    """How many examples this test checks, from the count it runs by default."""
    return lambda default: harness.examples(default, long, request.config.stash.get(LONG_TESTS, 1))
