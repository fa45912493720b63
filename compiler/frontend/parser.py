"""Text to AST for .dlm files, with every syntax error turned into a DlmError.

The grammar is `dlm.lark` (LALR(1)). Newlines end statements, except inside
parentheses and brackets, where `_BracketNewlines` drops them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError
from lark.lexer import PatternStr
from lark.tree import Meta

from dlfc.compiler.frontend import ast
from dlfc.compiler.frontend.diagnostics import DlmError, SourceFile

GRAMMAR = Path(__file__).with_name("dlm.lark")

# Terminals that are not spelt literally, described in words.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a string",
    "_NL": "a new line",
    "$END": "end of file",
}
# Sets of terminals that read better as one phrase in "expected ..." lists.
_EXPRESSION_START = frozenset({"NAME", "NUMBER", "STRING", "TRUE", "FALSE", "LPAR", "LSQB", "MINUS"})
_OPERATORS = frozenset({"PLUS", "MINUS", "STAR", "SLASH", "DSLASH", "AT"})
_STATEMENT_START = frozenset({"NAME", "REPEAT", "RETURN", "OUTPUT", "INPUT", "PARAM"})


class _BracketNewlines:
    """Postlexer: newlines inside (...) or [...] do not end a statement."""

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        depth = 0
        for token in stream:
            if token.type == "_NL" and depth > 0:
                continue
            if token.type in ("LPAR", "LSQB"):
                depth += 1
            elif token.type in ("RPAR", "RSQB"):
                depth = max(depth - 1, 0)
            yield token


@cache
def _lark() -> Lark:
    return Lark(
        GRAMMAR.read_text(encoding="utf-8"),
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=False,
        postlex=_BracketNewlines(),
    )


def parse_program(source: SourceFile) -> ast.Program:
    """Parse a whole .dlm file; raises DlmError on a syntax error."""
    try:
        tree = _lark().parse(source.text)
        return _AstBuilder(source).transform(tree)
    except UnexpectedInput as e:
        raise _syntax_error(source, e) from None
    except VisitError as e:
        if isinstance(e.orig_exc, DlmError):
            raise e.orig_exc from None
        raise


# --------------------------------------------------------------------------- syntax errors


def _syntax_error(source: SourceFile, e: UnexpectedInput) -> DlmError:
    if isinstance(e, UnexpectedCharacters):
        char = source.text[e.pos_in_stream] if e.pos_in_stream is not None else ""
        message = "unterminated string" if char == '"' else f"unexpected character {char!r}"
        return source.error(e.line, e.column, message)
    assert isinstance(e, UnexpectedToken)
    expected = _expected_phrase(set(e.accepts or e.expected))
    if e.token.type == "$END":
        line, column = _end_position(source)
        return source.error(line, column, f"unexpected end of file; expected {expected}")
    return source.error(e.token.line, e.token.column, f"unexpected {_describe_token(e.token)}; expected {expected}")


def _end_position(source: SourceFile) -> tuple[int, int]:
    """Just after the last character that is not whitespace or a comment."""
    lines = source.lines
    for index in range(len(lines) - 1, -1, -1):
        code = lines[index].split("#", 1)[0].rstrip()
        if code:
            return index + 1, len(code) + 1
    return 1, 1


def _describe_token(token: Token) -> str:
    if token.type == "_NL":
        return "end of line"
    return f"'{token.value}'"


def _expected_phrase(terminals: set[str]) -> str:
    """'a', 'a or b', 'a, b or c' for the terminals the parser would have accepted."""
    phrases: list[str] = []
    if _STATEMENT_START <= terminals:
        phrases.append("a statement")
        terminals -= _STATEMENT_START
    if {"NAME", "NUMBER"} <= terminals:
        phrases.append("an expression")
        terminals -= _EXPRESSION_START
    if _OPERATORS <= terminals:
        phrases.append("an operator")
        terminals -= _OPERATORS
    phrases += sorted(_describe_terminal(t) for t in terminals)
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " or " + phrases[-1]


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    pattern = _lark().get_terminal(name).pattern
    assert isinstance(pattern, PatternStr), name
    return f"'{pattern.value}'"


# --------------------------------------------------------------------------- tree to AST


def _at(token: Token | Meta) -> dict[str, int]:
    return {"line": token.line, "column": token.column}


MAX_INTEGER = 2**63 - 1
"""The largest integer literal: integers become int64 attributes (sizes, axes, counts)."""


def _number(text: str) -> int | float | None:
    """The literal's value, or None if it is out of range (an integer beyond int64, a float beyond float64)."""
    if any(c in text for c in ".eE"):
        value = float(text)
        return value if math.isfinite(value) else None
    if len(text) > 20:  # more digits than any int64 (and than Python converts by default)
        return None
    value = int(text)
    return value if value <= MAX_INTEGER else None


@v_args(meta=True)
class _AstBuilder(Transformer):
    """Builds `ast` nodes bottom-up from lark's parse tree."""

    def __init__(self, source: SourceFile) -> None:
        super().__init__()
        self.source = source

    def start(self, meta: Meta, children: list) -> ast.Program:
        return ast.Program(tuple(children), line=1, column=1)

    def block_def(self, meta: Meta, children: list) -> ast.BlockDef:
        name, *params, body = children
        self._check_parameters(params)
        return ast.BlockDef(name, tuple(params), body, **_at(meta))

    def _check_parameters(self, params: list[ast.Parameter]) -> None:
        seen: set[str] = set()
        has_default = False
        for p in params:
            if p.name in seen:
                raise self.source.error(p.line, p.column, f"duplicate parameter '{p.name}'")
            if has_default and p.default is None:
                raise self.source.error(
                    p.line, p.column, f"parameter '{p.name}' without a default follows a parameter with one"
                )
            seen.add(p.name)
            has_default = p.default is not None

    def parameter(self, meta: Meta, children: list) -> ast.Parameter:
        name, *default = children
        return ast.Parameter(name.value, default[0] if default else None, **_at(name))

    def model_def(self, meta: Meta, children: list) -> ast.ModelDef:
        name, body = children
        return ast.ModelDef(name, body, **_at(meta))

    def body(self, meta: Meta, children: list) -> tuple[ast.Stmt, ...]:
        return tuple(children)

    def assign(self, meta: Meta, children: list) -> ast.Assign:
        *targets, value = children
        return ast.Assign(tuple(targets), value, **_at(meta))

    def repeat(self, meta: Meta, children: list) -> ast.Repeat:
        count, body = children
        return ast.Repeat(count, body, **_at(meta))

    def return_stmt(self, meta: Meta, children: list) -> ast.Return:
        return ast.Return(tuple(children), **_at(meta))

    def output_stmt(self, meta: Meta, children: list) -> ast.Output:
        return ast.Output(tuple(children), **_at(meta))

    def input_stmt(self, meta: Meta, children: list) -> ast.Input:
        name, type_ = children
        return ast.Input(name, type_, **_at(meta))

    def param_stmt(self, meta: Meta, children: list) -> ast.Param:
        name, type_ = children
        return ast.Param(name, type_, **_at(meta))

    def tensor_type(self, meta: Meta, children: list) -> ast.TensorTypeExpr:
        dtype, *dims = children
        return ast.TensorTypeExpr(dtype, tuple(dims), **_at(meta))

    def ident(self, meta: Meta, children: list) -> ast.Ident:
        (token,) = children
        return ast.Ident(token.value, **_at(token))

    def binary(self, meta: Meta, children: list) -> ast.Binary:
        left, op, right = children
        return ast.Binary(op.value, left, right, **_at(op))

    def negate(self, meta: Meta, children: list) -> ast.Negate:
        op, operand = children
        return ast.Negate(operand, **_at(op))

    def number(self, meta: Meta, children: list) -> ast.Number:
        (token,) = children
        value = _number(token.value)
        if value is None:
            shown = token.value if len(token.value) <= 24 else f"{token.value[:20]}… ({len(token.value)} characters)"
            raise self.source.error(
                token.line,
                token.column,
                f"number {shown} is out of range (integers up to 2^63 − 1, floats up to 1.8e308)",
            )
        return ast.Number(value, **_at(token))

    def string(self, meta: Meta, children: list) -> ast.String:
        (token,) = children
        return ast.String(token.value[1:-1], **_at(token))

    def true(self, meta: Meta, children: list) -> ast.Bool:
        return ast.Bool(True, **_at(children[0]))

    def false(self, meta: Meta, children: list) -> ast.Bool:
        return ast.Bool(False, **_at(children[0]))

    def name(self, meta: Meta, children: list) -> ast.Name:
        (token,) = children
        return ast.Name(token.value, **_at(token))

    def list_expr(self, meta: Meta, children: list) -> ast.ListExpr:
        return ast.ListExpr(tuple(children), **_at(meta))

    def keyword(self, meta: Meta, children: list) -> ast.Keyword:
        name, value = children
        return ast.Keyword(name.value, value, **_at(name))

    def call(self, meta: Meta, children: list) -> ast.Call:
        callee, *arguments = children
        args: list[ast.Expr] = []
        keywords: list[ast.Keyword] = []
        for a in arguments:
            if isinstance(a, ast.Keyword):
                if any(k.name == a.name for k in keywords):
                    raise self.source.error(a.line, a.column, f"keyword argument '{a.name}' given twice")
                keywords.append(a)
            elif keywords:
                raise self.source.error(*ast.start_of(a), "positional argument follows keyword argument")
            else:
                args.append(a)
        return ast.Call(callee.value, tuple(args), tuple(keywords), **_at(callee))


def read_source(path: str) -> SourceFile:
    """The text of a .dlm file; raises DlmError if it is unreadable or not UTF-8."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise DlmError(path, f"cannot read file: {e.strerror or e}") from None
    return decode_source(data, path)


def decode_source(data: bytes, name: str) -> SourceFile:
    """The bytes of a .dlm file as text; raises DlmError at the first byte that is not UTF-8."""
    try:
        return SourceFile(name, data.decode("utf-8"))
    except UnicodeDecodeError as e:
        line_start = data.rfind(b"\n", 0, e.start) + 1
        line = data.count(b"\n", 0, e.start) + 1
        column = len(data[line_start : e.start].decode("utf-8", errors="replace")) + 1
        shown = SourceFile(name, data.decode("utf-8", errors="replace"))
        raise shown.error(
            line, column, f"invalid UTF-8 byte 0x{data[e.start]:02x}; a .dlm file must be UTF-8 text"
        ) from None
