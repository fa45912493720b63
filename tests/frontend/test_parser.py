"""Text to AST: structure, positions, precedence, and syntax errors."""

from __future__ import annotations

import pytest

from dlfc.compiler.frontend import ast
from dlfc.compiler.frontend.diagnostics import DlmError, SourceFile
from dlfc.compiler.frontend.parser import parse_program


def parse(text: str) -> ast.Program:
    return parse_program(SourceFile("t.dlm", text))


def expr(text: str) -> ast.Expr:
    """The right-hand side of `v = TEXT` in a model."""
    (model,) = parse(f"model m {{\n  v = {text}\n}}\n").definitions
    (stmt,) = model.body
    assert isinstance(stmt, ast.Assign)
    return stmt.value


def show(e: ast.Expr) -> str:
    """An expression fully parenthesised, to check precedence and associativity."""
    if isinstance(e, ast.Binary):
        return f"({show(e.left)} {e.op} {show(e.right)})"
    if isinstance(e, ast.Negate):
        return f"(-{show(e.operand)})"
    if isinstance(e, ast.Call):
        args = [show(a) for a in e.args] + [f"{k.name}={show(k.value)}" for k in e.keywords]
        return f"{e.callee}({', '.join(args)})"
    if isinstance(e, ast.ListExpr):
        return "[" + ", ".join(show(i) for i in e.items) + "]"
    if isinstance(e, ast.Name):
        return e.name
    return repr(e.value)  # type: ignore[union-attr]


def syntax_error(text: str) -> str:
    with pytest.raises(DlmError) as info:
        parse(text)
    return str(info.value)


def test_block_and_model_structure() -> None:
    program = parse(
        "block basic(x, ch, stride=1) {\n"
        "  y = relu(x)\n"
        "  return y\n"
        "}\n"
        "model m {\n"
        "  input image: f32[1, 3, 32, 32]\n"
        "  param w: f32[4]\n"
        "  a, b = split(image, 2, axis=1)\n"
        "  repeat 2 {\n"
        "    a = basic(a, 16)\n"
        "  }\n"
        "  output a, b\n"
        "}\n"
    )
    block, model = program.definitions
    assert isinstance(block, ast.BlockDef) and isinstance(model, ast.ModelDef)
    assert (block.name.name, [p.name for p in block.params]) == ("basic", ["x", "ch", "stride"])
    assert block.params[2].default is not None and show(block.params[2].default) == "1"
    assert [type(s).__name__ for s in block.body] == ["Assign", "Return"]
    assert [type(s).__name__ for s in model.body] == ["Input", "Param", "Assign", "Repeat", "Output"]
    inp, param, split, rep, out = model.body
    assert isinstance(inp, ast.Input) and inp.name.name == "image"
    assert inp.type.dtype.name == "f32" and [show(d) for d in inp.type.dims] == ["1", "3", "32", "32"]
    assert isinstance(param, ast.Param) and param.name.name == "w"
    assert isinstance(split, ast.Assign) and [t.name for t in split.targets] == ["a", "b"]
    assert isinstance(rep, ast.Repeat) and show(rep.count) == "2" and len(rep.body) == 1
    assert isinstance(out, ast.Output) and [show(v) for v in out.values] == ["a", "b"]


def test_positions_are_one_based_and_point_at_tokens() -> None:
    (model,) = parse("model m {\n  y = relu(x) + conv2d(x, 16, kernel=3)\n}\n").definitions
    assert (model.line, model.column, model.name.line, model.name.column) == (1, 1, 1, 7)
    (stmt,) = model.body
    assert isinstance(stmt, ast.Assign) and (stmt.line, stmt.column) == (2, 3)
    add = stmt.value
    assert isinstance(add, ast.Binary) and (add.line, add.column) == (2, 15)  # the operator
    relu, conv = add.left, add.right
    assert isinstance(relu, ast.Call) and (relu.line, relu.column) == (2, 7)
    assert isinstance(conv, ast.Call) and (conv.line, conv.column) == (2, 17)
    assert [(k.name, k.line, k.column) for k in conv.keywords] == [("kernel", 2, 31)]


@pytest.mark.parametrize(
    "text, shape",
    [
        ("a + b * c", "(a + (b * c))"),
        ("a * b + c", "((a * b) + c)"),
        ("a - b - c", "((a - b) - c)"),
        ("a / b // c * d", "(((a / b) // c) * d)"),
        ("a @ b * c", "((a @ b) * c)"),
        ("a * b @ c", "((a * b) @ c)"),
        ("a + b @ c", "(a + (b @ c))"),
        ("-a * b", "((-a) * b)"),
        ("-a @ b", "((-a) @ b)"),
        ("a - -b", "(a - (-b))"),
        ("--a", "(-(-a))"),
        ("-f(a)", "(-f(a))"),
        ("(a + b) * c", "((a + b) * c)"),
        ("f(a + b, k=-1)", "f((a + b), k=(-1))"),
        ("[1, 2 * n, -1]", "[1, (2 * n), (-1)]"),
    ],
)
def test_precedence_and_associativity_as_in_python(text: str, shape: str) -> None:
    assert show(expr(text)) == shape


@pytest.mark.parametrize(
    "text, value",
    [
        ("3", 3),
        ("0.5", 0.5),
        ("1e-5", 1e-5),
        ("2.", 2.0),
        (".25", 0.25),
        ("true", True),
        ("false", False),
        ('"same"', "same"),
    ],
)
def test_literals(text: str, value: object) -> None:
    e = expr(text)
    assert isinstance(e, ast.Number | ast.Bool | ast.String)
    assert e.value == value and type(e.value) is type(value)


def test_newlines_inside_brackets_do_not_end_statements() -> None:
    e = expr("conv2d(x,\n    16,\n    kernel=[3,\n      3])")
    assert show(e) == "conv2d(x, 16, kernel=[3, 3])"


def test_comments_blank_lines_and_one_line_bodies() -> None:
    program = parse(
        "# header\n\nblock b(x) { return relu(x) }  # trailing\n\n# between\nmodel m { input x: f32[2]\n  output b(x) }\n"
    )
    block, model = program.definitions
    assert len(block.body) == 1 and len(model.body) == 2


def test_language_keywords_can_name_keyword_arguments() -> None:
    assert show(expr("depth_to_space(x, block=2)")) == "depth_to_space(x, block=2)"


def test_trailing_commas_in_calls_lists_and_parameters() -> None:
    (block, model) = parse("block b(x, k=1,) { return x }\nmodel m {\n  v = f(x, [1, 2,],)\n}\n").definitions
    assert [p.name for p in block.params] == ["x", "k"]
    assert isinstance(model.body[0], ast.Assign) and show(model.body[0].value) == "f(x, [1, 2])"


def test_empty_input_is_an_empty_program() -> None:
    assert parse("").definitions == ()
    assert parse("# only a comment\n").definitions == ()


@pytest.mark.parametrize(
    "text, first_line",
    [
        (
            "model m {\n  x = conv2d(x 16)\n}\n",
            "t.dlm:2:16: error: unexpected '16'; expected an operator, '(', ')', ',' or '='",
        ),
        (
            "model m {\n  x = relu(x) y = 1\n}\n",
            "t.dlm:2:15: error: unexpected 'y'; expected an operator, '}' or a new line",
        ),
        ("model m {\n  x =\n}\n", "t.dlm:2:6: error: unexpected end of line; expected an expression"),
        ("model m {\n  x = a +\n}\n", "t.dlm:2:10: error: unexpected end of line; expected an expression"),
        ("model m {\n  x = a\n", "t.dlm:2:8: error: unexpected end of file; expected a statement or '}'"),
        ("model m {\n  x = a  # no brace\n\n", "t.dlm:2:8: error: unexpected end of file; expected a statement or '}'"),
        ("modle m {}\n", "t.dlm:1:1: error: unexpected 'modle'; expected 'block', 'model', a new line or end of file"),
        ("model m {\n  input x f32[1]\n}\n", "t.dlm:2:11: error: unexpected 'f32'; expected ':'"),
        (
            "model m {\n  x = y = 1\n}\n",
            "t.dlm:2:9: error: unexpected '='; expected an operator, '(', '}' or a new line",
        ),
        ("model m {\n  x = a ! b\n}\n", "t.dlm:2:9: error: unexpected character '!'"),
        ('model m {\n  x = "abc\n}\n', "t.dlm:2:7: error: unterminated string"),
        (
            "block b(x, y=1, z) { return x }\n",
            "t.dlm:1:17: error: parameter 'z' without a default follows a parameter with one",
        ),
        ("block b(x, x) { return x }\n", "t.dlm:1:12: error: duplicate parameter 'x'"),
        ("model m {\n  x = f(a=1, a=2)\n}\n", "t.dlm:2:14: error: keyword argument 'a' given twice"),
        ("model m {\n  x = f(a=1, 2)\n}\n", "t.dlm:2:14: error: positional argument follows keyword argument"),
        ("model m {\n  x = f(a=1, b + 2)\n}\n", "t.dlm:2:14: error: positional argument follows keyword argument"),
    ],
)
def test_syntax_errors_say_what_was_expected(text: str, first_line: str) -> None:
    assert syntax_error(text).split("\n")[0] == first_line


def test_syntax_error_shows_source_line_and_caret() -> None:
    assert syntax_error("model m {\n  x = conv2d(x 16)\n}\n") == (
        "t.dlm:2:16: error: unexpected '16'; expected an operator, '(', ')', ',' or '='\n"
        "  x = conv2d(x 16)\n"
        "               ^"
    )
