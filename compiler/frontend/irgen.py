"""AST to graph-dialect IR.

Two phases:

1. `check_program` checks what can be checked without evaluating anything:
   exactly one model with inputs and outputs, where each statement may appear,
   that every name and callee is defined, that blocks only call blocks defined
   before them, and that no block calls itself (directly or through others).
2. `generate` expands the model into one `func.func`: every block call is
   inlined, every `repeat` unrolled, value expressions are computed, and each
   op call becomes a `graph` op (see ops.py), with its weights named after the
   statement that creates them (docs/dlm.md, "Weights").

Every problem is raised as a DlmError at the offending token; errors inside a
block carry a note for each enclosing block call and repeat iteration.

Every op gets the MLIR location of the expression that made it
(`loc("model.dlm":LINE:COL)`); inside blocks and `repeat`s it is a call-site
location whose callers are the enclosing block calls and repeat iterations,
innermost first: `loc(callsite("m.dlm":3:7 at callsite("iteration 2 of 4"("m.dlm":12:3) at "m.dlm":13:9)))`.
The function, its arguments and its return get the locations of the model,
its inputs and its first output statement.
"""

from __future__ import annotations

import difflib
import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from xdsl.dialects.builtin import (
    CallSiteLoc,
    FileLineColLoc,
    IntAttr,
    LocationAttr,
    ModuleOp,
    NameLoc,
    StringAttr,
    TensorType,
    f16,
    f32,
    i32,
    i64,
)
from xdsl.dialects.func import FuncOp, ReturnOp
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.utils.exceptions import VerifyException

from dlfc.compiler.frontend import ast
from dlfc.compiler.frontend.diagnostics import DlmError, Note, SourceFile
from dlfc.compiler.frontend.ops import (
    OPS,
    REQUIRED,
    ArgKindError,
    OpSpec,
    Value,
    elementwise,
    format_value,
    is_int,
    is_number,
    operand,
)
from dlfc.dialects import graph
from dlfc.hw.weights import WeightError, WeightStore

MAX_REPEAT_ITERATIONS = 100_000
"""All `repeat` iterations of a model together, nested ones counted each time: bounds compile time."""
MAX_MODEL_OPS = 500_000
"""The most ops a model may expand to (DNNFusion's largest models have about 4,000)."""

ELEMENT_TYPES: dict[str, Attribute] = {"f16": f16, "f32": f32, "i32": i32, "i64": i64}
"""The element types a tensor type may name."""

_TENSOR_OPERATORS: dict[str, type[graph.BinaryOp]] = {
    "+": graph.AddOp,
    "-": graph.SubOp,
    "*": graph.MulOp,
    "/": graph.DivOp,
}
_VALUE_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
}


# --------------------------------------------------------------------------- AST walking


def statement_exprs(stmt: ast.Stmt) -> tuple[ast.Expr, ...]:
    """The expressions directly in a statement (not in a repeat's body)."""
    if isinstance(stmt, ast.Assign):
        return (stmt.value,)
    if isinstance(stmt, ast.Repeat):
        return (stmt.count,)
    if isinstance(stmt, ast.Return | ast.Output):
        return stmt.values
    return stmt.type.dims


def walk_expr(expr: ast.Expr) -> Iterator[ast.Expr]:
    """`expr` and its subexpressions in pre-order, which is source order for calls."""
    yield expr
    if isinstance(expr, ast.Binary):
        yield from walk_expr(expr.left)
        yield from walk_expr(expr.right)
    elif isinstance(expr, ast.Negate):
        yield from walk_expr(expr.operand)
    elif isinstance(expr, ast.ListExpr):
        for item in expr.items:
            yield from walk_expr(item)
    elif isinstance(expr, ast.Call):
        for arg in expr.args:
            yield from walk_expr(arg)
        for keyword in expr.keywords:
            yield from walk_expr(keyword.value)


def walk_statements(body: Sequence[ast.Stmt]) -> Iterator[ast.Stmt]:
    """The statements of a body and, after each repeat, those of its body, in source order."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.Repeat):
            yield from walk_statements(stmt.body)


def calls_in(exprs: Sequence[ast.Expr]) -> list[ast.Call]:
    """The calls in these expressions, in source order."""
    return [e for expr in exprs for e in walk_expr(expr) if isinstance(e, ast.Call)]


def unique_names(names: Sequence[str]) -> list[str]:
    """The names made distinct: a repeated name gets the first free suffix of `_1`, `_2`, ..."""
    taken: set[str] = set()
    result = []
    for name in names:
        candidate, k = name, 0
        while candidate in taken:
            k += 1
            candidate = f"{name}_{k}"
        taken.add(candidate)
        result.append(candidate)
    return result


def _did_you_mean(name: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


# --------------------------------------------------------------------------- static checks


@dataclass
class CheckedProgram:
    """A program that passed `check_program`: its model and its blocks by name."""

    model: ast.ModelDef
    blocks: dict[str, ast.BlockDef]


def check_program(program: ast.Program, source: SourceFile) -> CheckedProgram:
    """Check the structure, names and block calls of a program; raises DlmError."""
    return _Checker(program, source).run()


class _Checker:
    """The static checks of `check_program`, definition by definition in source order."""

    def __init__(self, program: ast.Program, source: SourceFile) -> None:
        self.program = program
        self.source = source
        self.blocks: dict[str, ast.BlockDef] = {}
        self.order: dict[str, int] = {}  # block name -> index of its definition

    def error(self, node: ast.Node, message: str) -> DlmError:
        return self.source.error(node.line, node.column, message)

    def run(self) -> CheckedProgram:
        model = self._collect_definitions()
        self._check_recursion()
        for index, definition in enumerate(self.program.definitions):
            self._check_definition(definition, index)
        return CheckedProgram(model, self.blocks)

    def _collect_definitions(self) -> ast.ModelDef:
        if not self.program.definitions:
            raise self.source.error(1, 1, "empty file: expected a 'model' definition")
        model: ast.ModelDef | None = None
        for index, definition in enumerate(self.program.definitions):
            name = definition.name
            if isinstance(definition, ast.ModelDef):
                if model is not None:
                    raise self.error(
                        name,
                        f"a file holds one model, but model '{model.name.name}' is already "
                        f"defined at line {model.name.line}",
                    )
                model = definition
            elif name.name in self.blocks:
                raise self.error(
                    name, f"block '{name.name}' is already defined at line {self.blocks[name.name].name.line}"
                )
            elif name.name in OPS:
                raise self.error(name, f"block '{name.name}' has the name of an op")
            else:
                self.blocks[name.name] = definition
                self.order[name.name] = index
        if model is None:
            raise self.source.error(1, 1, "no model in file: expected a 'model' definition after the blocks")
        return model

    def _block_calls(self, block: ast.BlockDef) -> list[ast.Call]:
        exprs = [e for stmt in walk_statements(block.body) for e in statement_exprs(stmt)]
        exprs += [p.default for p in block.params if p.default is not None]
        return [c for c in calls_in(exprs) if c.callee in self.blocks]

    def _check_recursion(self) -> None:
        """Depth-first search of the block call graph; a call back into the path is a cycle."""
        done: set[str] = set()

        def visit(name: str, path: list[str]) -> None:
            for call in self._block_calls(self.blocks[name]):
                if call.callee == name:
                    raise self.error(call, f"block '{name}' calls itself")
                if call.callee in path:
                    cycle = path[path.index(call.callee) :] + [name, call.callee]
                    raise self.error(call, f"recursive block calls: {' -> '.join(cycle)}")
                if call.callee not in done:
                    visit(call.callee, path + [name])
            done.add(name)

        for name in self.blocks:
            if name not in done:
                visit(name, [])

    def _check_definition(self, definition: ast.BlockDef | ast.ModelDef, index: int) -> None:
        known: set[str] = set()
        if isinstance(definition, ast.BlockDef):
            for param in definition.params:
                if param.default is not None:
                    self._check_default(param, known, index)
                known.add(param.name)
        self._check_body(definition, definition.body, known, index, top_level=True)
        name = definition.name
        if isinstance(definition, ast.BlockDef):
            if not definition.body or not isinstance(definition.body[-1], ast.Return):
                raise self.error(name, f"block '{name.name}' does not end with a 'return' statement")
            return
        for stmt_type, what in ((ast.Input, "input"), (ast.Output, "output")):
            if not any(isinstance(s, stmt_type) for s in definition.body):
                raise self.error(name, f"model '{name.name}' has no '{what}' statement")

    def _check_default(self, param: ast.Parameter, known: set[str], index: int) -> None:
        assert param.default is not None
        for call in calls_in([param.default]):
            if call.callee in self.blocks or (call.callee in OPS and OPS[call.callee].layer):
                raise self.error(call, f"a parameter default cannot call '{call.callee}', which creates weights")
        self._check_exprs([param.default], known, index)

    def _check_body(
        self,
        definition: ast.BlockDef | ast.ModelDef,
        body: Sequence[ast.Stmt],
        known: set[str],
        index: int,
        top_level: bool,
    ) -> None:
        in_model = isinstance(definition, ast.ModelDef)
        for position, stmt in enumerate(body):
            self._check_placement(stmt, in_model, top_level)
            if isinstance(stmt, ast.Return) and position != len(body) - 1:
                raise self.error(body[position + 1], "statement after 'return'")
            if isinstance(stmt, ast.Input) and stmt.name.name in known:
                raise self.error(stmt.name, f"'{stmt.name.name}' is already defined")
            self._check_exprs(statement_exprs(stmt), known, index)
            if isinstance(stmt, ast.Repeat):
                self._check_body(definition, stmt.body, known, index, top_level=False)
            elif isinstance(stmt, ast.Assign):
                known.update(t.name for t in stmt.targets)
            elif isinstance(stmt, ast.Input | ast.Param):
                known.add(stmt.name.name)

    def _check_placement(self, stmt: ast.Stmt, in_model: bool, top_level: bool) -> None:
        if isinstance(stmt, ast.Return) and in_model:
            raise self.error(stmt, "'return' is only allowed in a block; a model uses 'output'")
        if isinstance(stmt, ast.Output | ast.Input) and not in_model:
            word = "output" if isinstance(stmt, ast.Output) else "input"
            hint = "; a block uses 'return'" if word == "output" else "; a block takes parameters"
            raise self.error(stmt, f"'{word}' is only allowed in a model{hint}")
        if isinstance(stmt, ast.Return | ast.Output | ast.Input) and not top_level:
            word = {ast.Return: "return", ast.Output: "output", ast.Input: "input"}[type(stmt)]
            raise self.error(stmt, f"'{word}' cannot be inside 'repeat'")

    def _check_exprs(self, exprs: Sequence[ast.Expr], known: set[str], index: int) -> None:
        for expr in exprs:
            for e in walk_expr(expr):
                if isinstance(e, ast.Name) and e.name not in known:
                    raise self.error(e, self._unknown_name(e.name, known))
                if isinstance(e, ast.Call):
                    self._check_callee(e, index)

    def _unknown_name(self, name: str, known: set[str]) -> str:
        if name in OPS or name in self.blocks:
            what = "an op" if name in OPS else "a block"
            return f"'{name}' is {what}; call it: {name}(...)"
        return f"unknown name '{name}'" + _did_you_mean(name, sorted(known))

    def _check_callee(self, call: ast.Call, index: int) -> None:
        if call.callee in OPS:
            return
        if call.callee not in self.blocks:
            candidates = sorted(OPS) + sorted(self.blocks)
            raise self.error(call, f"unknown op or block '{call.callee}'" + _did_you_mean(call.callee, candidates))
        caller_is_block = isinstance(self.program.definitions[index], ast.BlockDef)
        if caller_is_block and self.order[call.callee] > index:
            line = self.blocks[call.callee].name.line
            raise self.error(call, f"block '{call.callee}' is used before its definition (line {line})")


# --------------------------------------------------------------------------- expansion


@dataclass
class _Scope:
    """One expansion of a block (or of the model): its variables and where its weights go.

    `path` is the weight-name prefix of the expansion ("" for the model),
    `repeat_indices` the indices of the repeats being unrolled in it,
    `prefix` and `units` the naming of the statement being executed.
    """

    path: str
    variables: dict[str, Value] = field(default_factory=dict)
    repeat_indices: list[int] = field(default_factory=list)
    prefix: str = ""
    units: dict[ast.Call, str] = field(default_factory=dict)
    returned: list[Value] = field(default_factory=list)


class _OpBuilder:
    """The `OpContext` of one op call: emits ops and names the call's weights `<prefix>.<param>`."""

    def __init__(self, generator: _Generator, call: ast.Node, prefix: str) -> None:
        self.generator = generator
        self.call = call
        self.prefix = prefix

    def emit(self, op: Operation) -> Operation:
        return self.generator.emit(op, self.call)

    def weight(self, param: str, shape: Sequence[int], element_type: Attribute, init: str) -> SSAValue:
        return self.generator.weight(f"{self.prefix}.{param}", TensorType(element_type, list(shape)), init, self.call)


class _Generator:
    """Expands a checked program into the body of one function."""

    def __init__(self, program: CheckedProgram, source: SourceFile, store: WeightStore | None) -> None:
        self.program = program
        self.source = source
        self.store = store
        self.body = Block()
        self.outputs: list[SSAValue] = []
        self.stems: dict[ast.Stmt, str] = {}
        self.units: dict[ast.Stmt, dict[ast.Call, str]] = {}
        self.context: list[Note] = []  # enclosing block calls and repeat iterations, outermost first
        self.callers: list[LocationAttr] = []  # their locations, in the same order
        self.iterations = 0  # repeat iterations unrolled so far, against MAX_REPEAT_ITERATIONS
        self.ops = 0  # ops emitted so far, against MAX_MODEL_OPS

    # ---- diagnostics

    def error(self, line: int, column: int, message: str) -> DlmError:
        return self.source.error(line, column, message, tuple(reversed(self.context)))

    def error_at(self, node: ast.Node, message: str) -> DlmError:
        return self.error(node.line, node.column, message)

    @contextmanager
    def shape_errors(self, line: int, column: int) -> Iterator[None]:
        """Turn a ShapeError (or another verify error) of an op constructor into a DlmError."""
        try:
            yield
        except VerifyException as e:
            raise self.error(line, column, str(e).removeprefix("graph.")) from None

    # ---- IR

    def file_loc(self, line: int, column: int) -> FileLineColLoc:
        return FileLineColLoc(StringAttr(self.source.name), IntAttr(line), IntAttr(column))

    def location(self, node: ast.Node) -> LocationAttr:
        """The location of `node`, as a call site of the enclosing block calls and repeat iterations."""
        own = self.file_loc(node.line, node.column)
        if not self.callers:
            return own
        caller = self.callers[0]
        for inner in self.callers[1:]:
            caller = CallSiteLoc(inner, caller)
        return CallSiteLoc(own, caller)

    def emit(self, op: Operation, at: ast.Node) -> Operation:
        op.location = self.location(at)
        self.body.add_op(op)
        self.ops += 1
        return op

    def weight(self, name: str, type: TensorType, init: str, at: ast.Node) -> SSAValue:
        """Emit weight `name`, first checking it against the weights file if there is one."""
        if self.store is not None:
            try:
                self.store.provided(name, type)
            except WeightError as e:
                raise self.error_at(at, str(e)) from None
        result = self.emit(graph.WeightOp(name, type, init), at).results[0]
        result.name_hint = name
        return result

    def generate(self) -> ModuleOp:
        model = self.program.model
        for definition in (model, *self.program.blocks.values()):
            self.name_statements(definition.body)
        self.execute_body(model.body, _Scope(path=""))
        first_output = next(s for s in model.body if isinstance(s, ast.Output))
        self.body.add_op(ReturnOp(*self.outputs))
        self.body.last_op.location = self.location(first_output)  # type: ignore[union-attr]
        function_type = ([a.type for a in self.body.args], [o.type for o in self.outputs])
        fn = FuncOp(model.name.name, function_type, Region(self.body))
        fn.location = self.location(model)
        module = ModuleOp([fn])
        module.location = self.location(model)
        return module

    # ---- naming

    def name_statements(self, body: Sequence[ast.Stmt]) -> None:
        """Give each statement of a definition its name stem (the target, made unique)."""
        statements = [
            s for s in walk_statements(body) if isinstance(s, ast.Assign | ast.Param | ast.Output | ast.Return)
        ]
        for stmt, stem in zip(statements, unique_names([_target_name(s) for s in statements]), strict=True):
            self.stems[stmt] = stem

    def statement_units(self, stmt: ast.Stmt) -> dict[ast.Call, str]:
        """The layer-op and block calls of a statement and their name segments.

        A lone call gets "" (its weights are `<statement>.<param>`); several get
        their op or block name, made unique (`conv2d`, `conv2d_1`, ...).
        """
        if stmt not in self.units:
            calls = [c for c in calls_in(statement_exprs(stmt)) if _creates_weights(c, self.program)]
            names = [""] if len(calls) == 1 else unique_names([c.callee for c in calls])
            self.units[stmt] = dict(zip(calls, names, strict=True))
        return self.units[stmt]

    def call_prefix(self, call: ast.Call, scope: _Scope) -> str:
        segment = scope.units.get(call, "")
        return f"{scope.prefix}.{segment}" if segment else scope.prefix

    # ---- statements

    def execute_body(self, body: Sequence[ast.Stmt], scope: _Scope) -> None:
        for stmt in body:
            self.execute(stmt, scope)

    def execute(self, stmt: ast.Stmt, scope: _Scope) -> None:
        if isinstance(stmt, ast.Repeat):
            self.repeat(stmt, scope)
            return
        if stmt in self.stems:
            parts = ([scope.path] if scope.path else []) + [self.stems[stmt]] + [str(i) for i in scope.repeat_indices]
            scope.prefix = ".".join(parts)
            scope.units = self.statement_units(stmt)
        if isinstance(stmt, ast.Assign):
            self.assign(stmt, scope)
        elif isinstance(stmt, ast.Return):
            scope.returned = [self.evaluate(e, scope) for e in stmt.values]
        elif isinstance(stmt, ast.Output):
            self.output(stmt, scope)
        elif isinstance(stmt, ast.Input):
            arg = self.body.insert_arg(self.tensor_type(stmt.type, scope), len(self.body.args), self.location(stmt))
            arg.name_hint = stmt.name.name
            scope.variables[stmt.name.name] = arg
        else:
            assert isinstance(stmt, ast.Param)
            scope.variables[stmt.name.name] = self.weight(
                scope.prefix, self.tensor_type(stmt.type, scope), "normal", stmt
            )

    def repeat(self, stmt: ast.Repeat, scope: _Scope) -> None:
        count = self.evaluate(stmt.count, scope)
        if not is_int(count) or count < 1:
            raise self.error(
                *ast.start_of(stmt.count), f"repeat count must be a positive integer, got {format_value(count)}"
            )
        self.iterations += count
        if self.iterations > MAX_REPEAT_ITERATIONS:
            raise self.error(
                *ast.start_of(stmt.count),
                f"repeat unrolls more than {MAX_REPEAT_ITERATIONS} iterations in the model (this one asks for {count})",
            )
        ops_before = self.ops
        for index in range(count):
            scope.repeat_indices.append(index)
            note = f"in iteration {index + 1} of {count} of this repeat"
            self.context.append(self.source.note(stmt.line, stmt.column, note))
            iteration = NameLoc(
                StringAttr(f"repeat iteration {index + 1} of {count}"), self.file_loc(stmt.line, stmt.column)
            )
            self.callers.append(iteration)
            self.execute_body(stmt.body, scope)
            self.callers.pop()
            self.context.pop()
            scope.repeat_indices.pop()
            per_iteration = (self.ops - ops_before) / (index + 1)
            if self.ops + per_iteration * (count - index - 1) > MAX_MODEL_OPS:
                raise self.error(
                    *ast.start_of(stmt.count),
                    f"repeat would expand the model to about {int(ops_before + per_iteration * count)} ops "
                    f"(at most {MAX_MODEL_OPS})",
                )

    def assign(self, stmt: ast.Assign, scope: _Scope) -> None:
        targets = stmt.targets
        if isinstance(stmt.value, ast.Call):
            values = self.call(stmt.value, scope)
            if len(values) != len(targets):
                raise self.error_at(
                    stmt.value,
                    f"'{stmt.value.callee}' produces {_results(len(values))} but {len(targets)} names are assigned",
                )
        else:
            values = [self.evaluate(stmt.value, scope)]
            if len(targets) > 1:
                raise self.error(*ast.start_of(stmt.value), f"one value cannot be assigned to {len(targets)} names")
        for target, value in zip(targets, values, strict=True):
            if isinstance(value, SSAValue) and value.name_hint is None:
                value.name_hint = target.name
            scope.variables[target.name] = value

    def output(self, stmt: ast.Output, scope: _Scope) -> None:
        for expr in stmt.values:
            value = self.evaluate(expr, scope)
            if not isinstance(value, SSAValue):
                raise self.error(*ast.start_of(expr), f"an output must be a tensor, got {format_value(value)}")
            self.outputs.append(value)

    def tensor_type(self, type_expr: ast.TensorTypeExpr, scope: _Scope) -> TensorType:
        dtype = type_expr.dtype
        if dtype.name not in ELEMENT_TYPES:
            raise self.error_at(
                dtype, f"unknown element type '{dtype.name}'; expected one of {', '.join(ELEMENT_TYPES)}"
            )
        dims = []
        for expr in type_expr.dims:
            dim = self.evaluate(expr, scope)
            if not is_int(dim) or not 1 <= dim < 2**63:
                raise self.error(
                    *ast.start_of(expr), f"a dimension must be a positive integer, got {format_value(dim)}"
                )
            dims.append(dim)
        return TensorType(ELEMENT_TYPES[dtype.name], dims)

    # ---- expressions

    def evaluate(self, expr: ast.Expr, scope: _Scope) -> Value:
        """The value of an expression: a tensor (emitting its ops) or a compile-time value."""
        if isinstance(expr, ast.Number | ast.String | ast.Bool):
            return expr.value
        if isinstance(expr, ast.Name):
            return scope.variables[expr.name]
        if isinstance(expr, ast.ListExpr):
            return [self.list_item(item, scope) for item in expr.items]
        if isinstance(expr, ast.Binary):
            return self.binary(expr, self.evaluate(expr.left, scope), self.evaluate(expr.right, scope))
        if isinstance(expr, ast.Negate):
            return self.negate(expr, self.evaluate(expr.operand, scope))
        results = self.call(expr, scope)
        if len(results) != 1:
            names = ", ".join(f"r{i}" for i in range(len(results)))
            raise self.error_at(
                expr,
                f"'{expr.callee}' produces {_results(len(results))}; "
                f"assign them to names: {names} = {expr.callee}(...)",
            )
        return results[0]

    def list_item(self, item: ast.Expr, scope: _Scope) -> Value:
        value = self.evaluate(item, scope)
        if isinstance(value, SSAValue):
            raise self.error(*ast.start_of(item), f"a list holds values, not tensors; got {format_value(value)}")
        return value

    def binary(self, expr: ast.Binary, left: Value, right: Value) -> Value:
        if not isinstance(left, SSAValue) and not isinstance(right, SSAValue):
            return self.arithmetic(expr, left, right)
        with self.shape_errors(expr.line, expr.column):
            if expr.op == "@":
                if not (isinstance(left, SSAValue) and isinstance(right, SSAValue)):
                    raise self.error_at(
                        expr, f"'@' needs two tensors, got {format_value(left)} and {format_value(right)}"
                    )
                op = graph.MatMulOp(left, right)
            elif expr.op == "//":
                raise self.error_at(expr, "'//' is only defined on numbers, not tensors")
            else:
                try:
                    a, b = operand(left), operand(right)
                except ArgKindError:
                    raise self.error_at(expr, _cannot_combine(expr.op, left, right)) from None
                op = elementwise(_OpBuilder(self, expr, ""), _TENSOR_OPERATORS[expr.op], a, b)
        return self.emit(op, expr).results[0]

    def arithmetic(self, expr: ast.Binary, left: Value, right: Value) -> Value:
        """Compile-time arithmetic on numbers (Python semantics); `+` also joins lists."""
        if expr.op == "+" and isinstance(left, list) and isinstance(right, list):
            return left + right
        if expr.op not in _VALUE_OPERATORS or not (is_number(left) and is_number(right)):
            raise self.error_at(expr, _cannot_combine(expr.op, left, right))
        try:
            return _VALUE_OPERATORS[expr.op](left, right)
        except ZeroDivisionError:
            raise self.error_at(expr, "division by zero") from None
        except OverflowError:
            raise self.error_at(expr, "number too large") from None

    def negate(self, expr: ast.Negate, value: Value) -> Value:
        if is_number(value):
            return -value  # type: ignore[operator]
        if not isinstance(value, SSAValue):
            raise self.error_at(expr, f"cannot negate {format_value(value)}")
        with self.shape_errors(expr.line, expr.column):
            op = graph.NegOp(value)
        return self.emit(op, expr).results[0]

    # ---- calls

    def call(self, call: ast.Call, scope: _Scope) -> list[Value]:
        """Evaluate a call of an op or a block: its results."""
        if call.callee in self.program.blocks:
            return self.call_block(self.program.blocks[call.callee], call, scope)
        spec = OPS[call.callee]
        args = self.bind_op(spec, call, scope)
        with self.shape_errors(call.line, call.column):
            op = spec.build(_OpBuilder(self, call, self.call_prefix(call, scope)), args)
        return list(self.emit(op, call).results)

    def match_arguments(
        self, call: ast.Call, scope: _Scope, params: Sequence[str], variadic: str | None = None
    ) -> dict[str, tuple[tuple[int, int], Any]]:
        """Evaluate a call's arguments and match them to parameter names (position, value).

        With `variadic`, all positional arguments go to that parameter as a list
        and the other parameters are keyword-only.
        """
        matched: dict[str, tuple[tuple[int, int], Any]] = {}
        positional = [(ast.start_of(a), self.evaluate(a, scope)) for a in call.args]
        if variadic is not None:
            matched[variadic] = ((call.line, call.column), positional)
        elif len(positional) > len(params):
            counts = f"takes at most {len(params)}, got {len(positional)}"
            raise self.error(*positional[len(params)][0], f"{call.callee}: too many arguments ({counts})")
        else:
            matched.update(zip(params, positional, strict=False))  # trailing parameters unmatched
        for keyword in call.keywords:
            if keyword.name not in params or keyword.name == variadic:
                candidates = [p for p in params if p != variadic]
                raise self.error_at(
                    keyword,
                    f"{call.callee}: unknown keyword argument '{keyword.name}'"
                    + _did_you_mean(keyword.name, candidates),
                )
            if keyword.name in matched:
                raise self.error_at(keyword, f"{call.callee}: argument '{keyword.name}' is given twice")
            matched[keyword.name] = ((keyword.line, keyword.column), self.evaluate(keyword.value, scope))
        return matched

    def bind_op(self, spec: OpSpec, call: ast.Call, scope: _Scope) -> dict[str, Any]:
        """The arguments of an op call, converted by their kinds, defaults filled in."""
        matched = self.match_arguments(call, scope, [a.name for a in spec.args], spec.variadic)
        bound: dict[str, Any] = {}
        for arg in spec.args:
            if arg.name not in matched:
                if arg.default is REQUIRED:
                    raise self.error_at(call, f"{spec.name}: missing argument '{arg.name}'")
                bound[arg.name] = arg.default
            elif arg.name == spec.variadic:
                items = matched[arg.name][1]
                assert isinstance(items, list)
                if not items:
                    raise self.error_at(call, f"{spec.name} needs at least one positional argument")
                bound[arg.name] = [self.convert(spec.name, arg.name, arg.kind, position, v) for position, v in items]
            else:
                position, value = matched[arg.name]
                bound[arg.name] = self.convert(spec.name, arg.name, arg.kind, position, value)
        return bound

    def convert(self, op: str, name: str, kind: Callable[[Value], Any], position: tuple[int, int], value: Value) -> Any:
        try:
            return kind(value)
        except ArgKindError as e:
            raise self.error(*position, f"{op}: argument '{name}' must be {e}, got {format_value(value)}") from None

    def call_block(self, block: ast.BlockDef, call: ast.Call, scope: _Scope) -> list[Value]:
        """Inline a block: bind its parameters in a fresh scope and run its body."""
        matched = self.match_arguments(call, scope, [p.name for p in block.params])
        for param in block.params:
            if param.name not in matched and param.default is None:
                raise self.error_at(call, f"{call.callee}: missing argument '{param.name}'")
        inner = _Scope(path=self.call_prefix(call, scope))
        self.context.append(self.source.note(call.line, call.column, f"in block '{call.callee}' called from here"))
        self.callers.append(self.file_loc(call.line, call.column))
        for param in block.params:
            if param.name in matched:
                inner.variables[param.name] = matched[param.name][1]
            else:
                assert param.default is not None
                inner.variables[param.name] = self.evaluate(param.default, inner)
        self.execute_body(block.body, inner)
        self.callers.pop()
        self.context.pop()
        return inner.returned


def _target_name(stmt: ast.Assign | ast.Param | ast.Output | ast.Return) -> str:
    if isinstance(stmt, ast.Assign):
        return stmt.targets[0].name
    if isinstance(stmt, ast.Param):
        return stmt.name.name
    return "output" if isinstance(stmt, ast.Output) else "return"


def _creates_weights(call: ast.Call, program: CheckedProgram) -> bool:
    """Layer-op calls and block calls own a segment of the weight names."""
    return call.callee in program.blocks or OPS[call.callee].layer


def _cannot_combine(op: str, left: Value, right: Value) -> str:
    return f"'{op}' cannot combine {format_value(left)} and {format_value(right)}"


def _results(n: int) -> str:
    return "1 result" if n == 1 else f"{n} results"


def generate(program: CheckedProgram, source: SourceFile, store: WeightStore | None = None) -> ModuleOp:
    """The `builtin.module` holding the model as one `func.func` of graph ops."""
    return _Generator(program, source, store).generate()
