"""What the fuzz and differential suites share: their two modes, and a time limit per case.

Each fuzz test runs in two modes: a small, deterministic one in the default test
run, and a long one marked `slow` (deselected by default):

    DLFC_FUZZ_EXAMPLES=10000 python -m pytest -m slow tests/fuzz tests/differential

runs 10,000 cases in each suite: the differential suite runs that many random
models, and the fuzz suite shares them among its selected long tests.
"""

from __future__ import annotations

import math
import os
import re
import signal
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlfc.compiler.cli import main

CASES_VARIABLE = "DLFC_FUZZ_EXAMPLES"
LONG_CASES = 1000
"""Cases per suite in the long mode when DLFC_FUZZ_EXAMPLES is not set."""
MODES = [pytest.param(False, id="default"), pytest.param(True, id="long", marks=pytest.mark.slow)]
"""Parametrize a test with `long` over these to run it in both modes."""


def long_cases() -> int:
    """How many cases the long mode runs in each suite."""
    return int(os.environ.get(CASES_VARIABLE, LONG_CASES))


class Hang(BaseException):
    """A case ran over its time limit.

    A BaseException, so that no `except Exception` (nor dlfc's `except OSError`)
    in the code under test mistakes it for an error of the input.
    """


@contextmanager
def time_limit(cpu_seconds: float, wall_factor: float = 10.0) -> Iterator[None]:
    """Raise `Hang` inside the block after `cpu_seconds` of CPU time, or `wall_factor` times that of wall time.

    CPU time (ITIMER_PROF) does not count the time other processes take on a busy
    machine; the wall-time limit catches a block that waits without computing.
    Works in the main thread only (where pytest runs tests).
    """

    def expire(signum: int, frame: FrameType | None) -> None:
        spent = (
            f"{cpu_seconds:g} s of CPU time"
            if signum == signal.SIGPROF
            else f"{cpu_seconds * wall_factor:g} s of wall time"
        )
        raise Hang(f"still running after {spent}")

    handlers = {s: signal.signal(s, expire) for s in (signal.SIGPROF, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
    signal.setitimer(signal.ITIMER_REAL, cpu_seconds * wall_factor)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for s, handler in handlers.items():
            signal.signal(s, handler)


# --------------------------------------------------------------------------- running dlfc on one input

FUZZ_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,  # machine load makes wall-time deadlines flaky; `time_limit` bounds each case instead
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
CASE_CPU_SECONDS = 60.0
"""The time limit of one fuzz case (CPU seconds): far above what any case needs."""
EXCEPTION_NAME = re.compile(r"\b(\w+(?:Error|Exception)|StopIteration|KeyboardInterrupt): ")
USER_ERRORS = {"WeightError", "TargetError", "ShapeError", "VerifyException", "DlmError", "PipelineError"}
"""Exceptions that report a problem with the input; any other exception type in a message is a crash."""


CASES_CHECKED: Counter[str] = Counter()
"""Cases checked in this session, by suite ("fuzz", "differential"); each suite's conftest reports its count."""


def fuzz(strategy: st.SearchStrategy[Any], check: Callable[[Any], None], examples: int) -> None:
    """Check `examples` values of `strategy` (deterministically: the same values in every run)."""

    def counted(value: Any) -> None:
        check(value)
        CASES_CHECKED["fuzz"] += 1

    settings(FUZZ_SETTINGS, max_examples=examples)(given(strategy)(counted))()


def report_cases(terminal: pytest.TerminalReporter, suite: str) -> None:
    """The summary line of a suite: how many cases it checked."""
    if CASES_CHECKED[suite]:
        terminal.write_line(f"{suite}: {CASES_CHECKED[suite]} cases checked")


def examples(default: int, long: bool, long_tests: int) -> int:
    """Examples of one fuzz test: `default`, or in the long mode its share of the suite's cases."""
    return math.ceil(long_cases() / max(long_tests, 1)) if long else default


@dataclass(frozen=True)
class Outcome:
    """What one in-process `dlfc` run did: exit status, stdout, stderr."""

    code: int
    out: str
    err: str


def run_dlfc(capsys: pytest.CaptureFixture[str], *args: str | Path) -> Outcome:
    """`dlfc ARGS...` in-process, within the time limit of one case."""
    capsys.readouterr()
    with time_limit(CASE_CPU_SECONDS):
        code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def check_outputs_written(outcome: Outcome, directory: Path, outputs: Sequence[Path]) -> None:
    """All `outputs` exist after a success and none after a failure; no temporary file is left behind."""
    leftovers = sorted(p.name for p in directory.rglob(".dlfc-*"))
    assert not leftovers, f"temporary files left behind: {leftovers}"
    if outcome.code == 0:
        missing = [p.name for p in outputs if not p.exists()]
        assert not missing, f"dlfc succeeded but did not write {missing}"
    else:
        written = [p.name for p in outputs if p.exists()]
        assert not written, f"dlfc failed but wrote {written}:\n{outcome.err}"


def check_model_diagnostic(outcome: Outcome, files: Sequence[Path], source: str | None = None) -> None:
    """A failure is one `FILE:LINE:COL: error:` (or `FILE: error:`) diagnostic about one of `files`.

    With the model's `source`, the line must lie within it.
    """
    assert outcome.code in (0, 1), f"exit status {outcome.code}"
    if outcome.code == 0:
        return
    first = outcome.err.split("\n", 1)[0]
    names = "|".join(re.escape(str(f)) for f in files)
    match = re.match(rf"^(?:{names})(?::(\d+):(\d+))?: error: \S", first)
    assert match, f"not a model diagnostic:\n{outcome.err}"
    if match.group(1) is not None and source is not None:
        line, column = int(match.group(1)), int(match.group(2))
        assert 1 <= line <= source.count("\n") + 1 and column >= 1, f"position out of the file: {first}"
    assert "Traceback" not in outcome.err, outcome.err


def check_one_line_error(outcome: Outcome) -> None:
    """A failure is one line `dlfc: error: ...` that names no internal exception."""
    assert outcome.code in (0, 1), f"exit status {outcome.code}"
    if outcome.code == 0:
        return
    lines = outcome.err.rstrip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("dlfc: error: "), f"not a one-line error:\n{outcome.err}"
    check_no_crash(lines[0])


def check_no_crash(message: str) -> None:
    """The message names no exception type other than the input errors in USER_ERRORS."""
    crashes = [name for name in EXCEPTION_NAME.findall(message) if name not in USER_ERRORS]
    assert not crashes, f"an internal error reached the user: {message}"


@contextmanager
def workspace(files: dict[str, str | bytes]) -> Iterator[Path]:
    """A temporary directory holding `files` (name -> text or bytes), removed afterwards."""
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        for name, content in files.items():
            if isinstance(content, bytes):
                (folder / name).write_bytes(content)
            else:
                (folder / name).write_text(content, encoding="utf-8")
        yield folder


# --------------------------------------------------------------------------- mutating text token by token


@dataclass(frozen=True)
class TokenLanguage:
    """What mutating a text format needs: its tokens, and what each kind of replacement draws."""

    token: re.Pattern[str]
    """Matches every token, blanks and comments included (so that joining the tokens gives the text back)."""
    significant: Callable[[str], bool]
    """The tokens worth mutating (not blanks, not comments)."""
    classes: dict[str, Callable[[str], bool]]
    """Replacement kind ("number", "name") -> the tokens it replaces."""
    replacements: dict[str, Sequence[str]]
    """Replacement kind -> values it draws besides the text's own tokens of that class."""
    vocabulary: Sequence[str]
    """What insertions draw."""


MUTATIONS = ("delete", "duplicate", "swap", "swap-adjacent", "insert")
"""The mutations every language has, besides a replacement for each of its classes."""


def mutate(draw: st.DrawFn, language: TokenLanguage, text: str, kind: str) -> str:
    """`text` with one token mutation of `kind` (one of MUTATIONS, or a class of `language`)."""
    parts = language.token.findall(text)
    where = [i for i, t in enumerate(parts) if language.significant(t)]
    if not where:
        return text
    of_kind = language.classes.get(kind, language.significant)
    i = draw(st.sampled_from([k for k in where if of_kind(parts[k])] or where))
    if kind == "delete":
        parts[i] = ""
    elif kind == "duplicate":
        parts[i] += " " + parts[i]
    elif kind in ("swap", "swap-adjacent"):
        j = draw(st.sampled_from(where)) if kind == "swap" else where[min(where.index(i) + 1, len(where) - 1)]
        parts[i], parts[j] = parts[j], parts[i]
    elif kind == "insert":
        parts[i] = draw(st.sampled_from(language.vocabulary)) + " " + parts[i]
    else:
        same_class = sorted({parts[k] for k in where if of_kind(parts[k])})
        parts[i] = draw(st.sampled_from([*same_class, *language.replacements[kind]]))
    return "".join(parts)
