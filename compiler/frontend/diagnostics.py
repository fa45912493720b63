"""Diagnostics of the .dlm frontend, printed like clang's.

A diagnostic with a position reads::

    model.dlm:3:12: error: unknown op or block 'conv4d'; did you mean 'conv3d'?
      y = conv4d(x, 16, kernel=3)
          ^

that is `FILE:LINE:COL: error: MESSAGE`, the source line, and a caret under the
(1-based) column. Errors about a whole file (an unreadable weights file, say)
have no position and print as `FILE: error: MESSAGE`. Errors found while
expanding a block carry one note per enclosing block call, printed the same way
with `note:` in place of `error:`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Note:
    """A secondary location that explains an error (e.g. the block call it came from)."""

    line: int
    column: int
    message: str
    source_line: str


def _caret_line(source_line: str, column: int) -> str:
    """Spaces (tabs kept, so the caret lines up) up to `column`, then a caret."""
    prefix = source_line[: max(column - 1, 0)]
    return "".join("\t" if c == "\t" else " " for c in prefix) + "^"


def _located(file: str, line: int, column: int, severity: str, message: str, source_line: str) -> str:
    return f"{file}:{line}:{column}: {severity}: {message}\n{source_line}\n{_caret_line(source_line, column)}"


class DlmError(Exception):
    """An error in a .dlm model (or in its weights file), reported to the user.

    `line` and `column` are 1-based, or None for an error about a whole file.
    `source_line` is the text of line `line` (without its newline).
    """

    def __init__(
        self,
        file: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
        source_line: str = "",
        notes: tuple[Note, ...] = (),
    ) -> None:
        super().__init__(message)
        self.file = file
        self.message = message
        self.line = line
        self.column = column
        self.source_line = source_line
        self.notes = notes

    def format(self) -> str:
        """The full diagnostic text (no trailing newline)."""
        if self.line is None or self.column is None:
            return f"{self.file}: error: {self.message}"
        parts = [_located(self.file, self.line, self.column, "error", self.message, self.source_line)]
        parts += [_located(self.file, n.line, n.column, "note", n.message, n.source_line) for n in self.notes]
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.format()


class SourceFile:
    """The text of a .dlm file with its name, for making positioned diagnostics."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        # Lines end at "\n" only, as the lexer counts them.
        self.lines = [line.removesuffix("\r") for line in text.split("\n")]

    def line_text(self, line: int) -> str:
        """Line `line` (1-based) without its newline; "" past the end of the file."""
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def note(self, line: int, column: int, message: str) -> Note:
        return Note(line, column, message, self.line_text(line))

    def error(self, line: int, column: int, message: str, notes: tuple[Note, ...] = ()) -> DlmError:
        """A DlmError at `line`:`column` of this file."""
        return DlmError(self.name, message, line, column, self.line_text(line), notes)
