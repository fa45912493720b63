"""Diagnostic format, source reading, and that nothing but DlmError escapes the API."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from dlfc.compiler.frontend import DlmError, load_dlm, parse_dlm
from dlfc.compiler.frontend.diagnostics import Note, SourceFile
from dlfc.compiler.frontend.parser import read_source

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_positioned_error_format() -> None:
    e = SourceFile("m.dlm", "a\n  bad line\n").error(2, 3, "oops")
    assert (e.file, e.line, e.column, e.message) == ("m.dlm", 2, 3, "oops")
    assert str(e) == e.format() == "m.dlm:2:3: error: oops\n  bad line\n  ^"


def test_caret_keeps_tabs_so_it_lines_up() -> None:
    e = SourceFile("m.dlm", "\tx = \tbad\n").error(1, 7, "oops")
    assert str(e).split("\n")[2] == "\t    \t^"


def test_error_without_position() -> None:
    assert str(DlmError("w.npz", "not a valid .npz file")) == "w.npz: error: not a valid .npz file"


def test_notes_follow_the_error() -> None:
    source = SourceFile("m.dlm", "one\ntwo\n")
    e = source.error(1, 2, "bad", (source.note(2, 1, "called here"),))
    assert e.notes == (Note(2, 1, "called here", "two"),)
    assert str(e) == "m.dlm:1:2: error: bad\none\n ^\nm.dlm:2:1: note: called here\ntwo\n^"


def test_crlf_line_endings() -> None:
    with pytest.raises(DlmError) as info:
        parse_dlm("model m {\r\n  input x: f32[2]\r\n  output y\r\n}\r\n", "m.dlm")
    assert str(info.value) == "m.dlm:3:10: error: unknown name 'y'\n  output y\n         ^"


def test_read_source_reports_position_of_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "m.dlm"
    path.write_bytes("model m {\n  # é\xe9\n".encode() + b"  x = \x80\n")
    with pytest.raises(DlmError) as info:
        read_source(str(path))
    assert str(info.value) == (
        f"{path}:3:7: error: invalid UTF-8 byte 0x80; a .dlm file must be UTF-8 text\n  x = \ufffd\n      ^"
    )


def test_read_source_reports_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(DlmError) as info:
        read_source(str(tmp_path))
    assert str(info.value) == f"{tmp_path}: error: cannot read file: Is a directory"
    with pytest.raises(DlmError, match="No such file or directory"):
        load_dlm(str(tmp_path / "absent.dlm"))


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    text = "model m {\n  input x: f32[2]\n  output " + "relu(" * 5000 + "x" + ")" * 5000 + "\n}\n"
    with pytest.raises(DlmError) as info:
        parse_dlm(text, "m.dlm")
    assert str(info.value) == "m.dlm: error: the model is nested too deeply to compile"


@pytest.mark.parametrize("example", ["resnet18.dlm", "bert_base.dlm"])
def test_damaged_models_only_raise_dlm_error(example: str) -> None:
    """Truncations and random edits of real models: compiled, or rejected with a DlmError."""
    text = (EXAMPLES / example).read_text()
    rng = random.Random(example)
    damaged = [text[: rng.randrange(len(text))] for _ in range(40)]
    for _ in range(80):
        i = rng.randrange(len(text))
        damaged.append(text[:i] + rng.choice('(){}[],=+-*/@:\n#"x0 -1') + text[i + rng.randrange(4) :])
    for variant in damaged:
        try:
            parse_dlm(variant, "m.dlm")
        except DlmError as e:
            assert str(e).startswith("m.dlm:")


def test_parse_dlm_takes_bytes_too() -> None:
    module = parse_dlm(b"model m {\n  input x: f32[2]\n  output x\n}\n", "m.dlm")
    assert "func.func @m" in str(module)
    with pytest.raises(DlmError) as info:
        parse_dlm(b"model m {\xff}", "m.dlm")
    assert (
        str(info.value).split("\n")[0] == "m.dlm:1:10: error: invalid UTF-8 byte 0xff; a .dlm file must be UTF-8 text"
    )
