"""The corpus of broken models in errors/: each states its diagnostic on its first line.

`# expect: LINE:COL: error: MESSAGE` is checked as `FILE:LINE:COL: error: MESSAGE`
followed by the source line and a caret under the column; `# expect: error: MESSAGE`
is an error about the weights file named by a `# weights: FILE` line (`{weights}` in
a message stands for that file's path).
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from dlfc.compiler.cli import main
from dlfc.compiler.frontend import DlmError, load_dlm

ERRORS = Path(__file__).parent / "errors"
CORPUS = sorted(ERRORS.glob("*.dlm"))


@dataclass(frozen=True)
class Expected:
    """The diagnostic a corpus file must produce: its first three lines (one if unpositioned)."""

    lines: list[str]
    weights: str | None


def expected(path: Path) -> Expected:
    text = path.read_bytes().decode("utf-8", errors="replace")
    header = re.match(r"# expect: (.*)\n", text)
    assert header, f"{path.name} has no '# expect:' first line"
    weights_line = re.search(r"^# weights: (\S+)$", text, re.M)
    weights = str(ERRORS / weights_line.group(1)) if weights_line else None
    expect = header.group(1).replace("{weights}", weights or "")
    if expect.startswith("error: "):
        assert weights is not None
        return Expected([f"{weights}: {expect}"], weights)
    line, column = (int(n) for n in expect.split(":")[:2])
    source_line = text.split("\n")[line - 1]
    return Expected([f"{path}:{expect}", source_line, " " * (column - 1) + "^"], weights)


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 20


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_load_dlm_reports_exact_diagnostic(path: Path) -> None:
    want = expected(path)
    with pytest.raises(DlmError) as info:
        load_dlm(str(path), want.weights)
    assert str(info.value).split("\n")[: len(want.lines)] == want.lines


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_cli_exits_1_without_output(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    want = expected(path)
    out = tmp_path / "plan.mlir"
    argv = [str(path), "-o", str(out)] + (["--weights", want.weights] if want.weights else [])
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err.split("\n")[: len(want.lines)] == want.lines
    assert "Traceback" not in captured.err
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["syntax_missing_comma", "binary", "weights_corrupt_file", "shape_mismatch_in_block"])
def test_cli_process_has_no_traceback(name: str, tmp_path: Path) -> None:
    path = ERRORS / f"{name}.dlm"
    want = expected(path)
    out = tmp_path / "plan.mlir"
    argv = [sys.executable, "-m", "dlfc.compiler.cli", str(path), "-o", str(out)]
    argv += ["--weights", want.weights] if want.weights else []
    run = subprocess.run(argv, capture_output=True, text=True, errors="replace")
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.split("\n")[: len(want.lines)] == want.lines
    assert not out.exists()
