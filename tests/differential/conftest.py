"""The differential suite reports how many cases it checked (see tests/fuzz/harness.py)."""

from __future__ import annotations

import pytest
from fuzz import harness


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    harness.report_cases(terminalreporter, "differential")
