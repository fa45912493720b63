"""The abstract syntax tree of a .dlm file.

Every node records the 1-based line and column where it starts; binary and
unary expressions record the position of their operator, calls the position of
the callee name. Nodes compare and hash by identity (`eq=False`), so that the
expander can key tables by node.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, eq=False, kw_only=True)
class Node:
    """Base of all nodes: a source position."""

    line: int
    column: int


# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True, eq=False)
class Number(Node):
    """An integer or floating-point literal: `3`, `0.5`, `1e-5`."""

    value: int | float


@dataclass(frozen=True, eq=False)
class String(Node):
    """A string literal: `"same"` (no escapes)."""

    value: str


@dataclass(frozen=True, eq=False)
class Bool(Node):
    """`true` or `false`."""

    value: bool


@dataclass(frozen=True, eq=False)
class ListExpr(Node):
    """A list of value expressions: `[1, 2]`."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Name(Node):
    """A use of a variable (a tensor or a value)."""

    name: str


@dataclass(frozen=True, eq=False)
class Binary(Node):
    """`left OP right` with OP one of `+ - * / // @`; positioned at the operator."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, eq=False)
class Negate(Node):
    """Unary minus `-operand`; positioned at the `-`."""

    operand: Expr


@dataclass(frozen=True, eq=False)
class Keyword(Node):
    """A keyword argument `name=value` of a call."""

    name: str
    value: Expr


@dataclass(frozen=True, eq=False)
class Call(Node):
    """A call of an op or a block: positional arguments, then keyword arguments."""

    callee: str
    args: tuple[Expr, ...]
    keywords: tuple[Keyword, ...]


Expr = Number | String | Bool | ListExpr | Name | Binary | Negate | Call


def start_of(expr: Expr) -> tuple[int, int]:
    """Where an expression starts in the source (a binary expression records its operator)."""
    while isinstance(expr, Binary):
        expr = expr.left
    return expr.line, expr.column


# --------------------------------------------------------------------------- statements


@dataclass(frozen=True, eq=False)
class Ident(Node):
    """A name being defined: an assignment target, an input, a param, a definition."""

    name: str


@dataclass(frozen=True, eq=False)
class TensorTypeExpr(Node):
    """A tensor type `f32[1, 3, 32, 32]`; the dims are value expressions."""

    dtype: Ident
    dims: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Assign(Node):
    """`a = expr`, or `a, b = expr` for a call with several results."""

    targets: tuple[Ident, ...]
    value: Expr


@dataclass(frozen=True, eq=False)
class Repeat(Node):
    """`repeat N { body }`: the body expanded N times in the enclosing scope."""

    count: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True, eq=False)
class Return(Node):
    """`return a, b`: the results of a block (last statement of a block)."""

    values: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Output(Node):
    """`output a, b`: results of the model."""

    values: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Input(Node):
    """`input name: type`: an argument of the model."""

    name: Ident
    type: TensorTypeExpr


@dataclass(frozen=True, eq=False)
class Param(Node):
    """`param name: type`: an explicit weight named after the statement's path."""

    name: Ident
    type: TensorTypeExpr


Stmt = Assign | Repeat | Return | Output | Input | Param


# --------------------------------------------------------------------------- definitions


@dataclass(frozen=True, eq=False)
class Parameter(Node):
    """A block parameter, optionally with a default expression."""

    name: str
    default: Expr | None


@dataclass(frozen=True, eq=False)
class BlockDef(Node):
    """`block name(params) { body }`: a reusable, inlined piece of graph."""

    name: Ident
    params: tuple[Parameter, ...]
    body: tuple[Stmt, ...]


@dataclass(frozen=True, eq=False)
class ModelDef(Node):
    """`model name { body }`: the network compiled to a function."""

    name: Ident
    body: tuple[Stmt, ...]


@dataclass(frozen=True, eq=False)
class Program(Node):
    """A whole file: block and model definitions in source order."""

    definitions: tuple[BlockDef | ModelDef, ...]
