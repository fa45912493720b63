"""AST to graph IR: block expansion, repeat, naming of weights, values and errors."""

from __future__ import annotations

import textwrap

import pytest
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.dialects.func import FuncOp, ReturnOp
from xdsl.ir import Operation

from dlfc.compiler.frontend import DlmError, parse_dlm
from dlfc.dialects import graph

TINY_RESNET = """\
# ResNet-style toy network. Comments run from '#' to the end of the line.

block basic(x, ch, stride=1) {          # a reusable block: tensor and value parameters
  y = relu(batchnorm(conv2d(x, ch, kernel=3, stride=stride, pad=1)))
  y = batchnorm(conv2d(y, ch, kernel=3, pad=1))
  return relu(y + x)                    # one or more results: return a, b
}

model tiny_resnet {
  input image: f32[1, 3, 32, 32]        # static shapes, NCHW for images
  x = relu(batchnorm(conv2d(image, 16, kernel=3, pad=1)))
  repeat 2 {
    x = basic(x, 16)
  }
  p = global_avgpool(x)                 # [1, 16, 1, 1]
  logits = dense(flatten(p), 10)
  output softmax(logits)                # one or more outputs: output a, b
}
"""


def compile_dlm(text: str) -> ModuleOp:
    module = parse_dlm(textwrap.dedent(text), "t.dlm")
    module.verify()
    return module


def model(body: str, blocks: str = "") -> ModuleOp:
    """A model `m` with the given (dedented) statements, after the given blocks."""
    indented = textwrap.indent(textwrap.dedent(body), "  ")
    return compile_dlm(textwrap.dedent(blocks) + "model m {\n" + indented + "}\n")


def function(module: ModuleOp) -> FuncOp:
    (func,) = module.ops
    assert isinstance(func, FuncOp)
    return func


def compute_ops(module: ModuleOp) -> list[Operation]:
    """The ops of the model other than weights, constants and the return."""
    skip = (graph.WeightOp, graph.ConstantOp, ReturnOp)
    return [op for op in function(module).body.block.ops if not isinstance(op, skip)]


def weights(module: ModuleOp) -> dict[str, tuple[list[int], str]]:
    """Weight name -> (shape, init), in IR order."""
    return {
        op.weight_id: (list(op.output.type.get_shape()), op.init.data)  # type: ignore[union-attr]
        for op in function(module).body.block.ops
        if isinstance(op, graph.WeightOp)
    }


def shape(t: object) -> list[int]:
    assert isinstance(t, TensorType)
    return list(t.get_shape())


def output_shapes(module: ModuleOp) -> list[list[int]]:
    return [shape(t) for t in function(module).function_type.outputs.data]


def error(text: str) -> str:
    with pytest.raises(DlmError) as info:
        parse_dlm(textwrap.dedent(text), "t.dlm")
    return str(info.value)


def model_error(body: str, blocks: str = "") -> str:
    indented = textwrap.indent(textwrap.dedent(body), "  ")
    return error(textwrap.dedent(blocks) + "model m {\n" + indented + "}\n").split("\n")[0]


BN = ["scale", "bias", "mean", "var"]
BN_INIT = ["bn_scale", "bn_shift", "bn_shift", "bn_var"]


# --------------------------------------------------------------------------- the contract's sample


def test_tiny_resnet_compiles_to_expected_function() -> None:
    module = compile_dlm(TINY_RESNET)
    func = function(module)
    assert func.sym_name.data == "tiny_resnet"
    assert [shape(t) for t in func.function_type.inputs.data] == [[1, 3, 32, 32]]
    assert output_shapes(module) == [[1, 10]]
    head = [op.name for op in compute_ops(module)][-4:]
    assert head == ["graph.global_avgpool", "graph.flatten", "graph.dense", "graph.softmax"]


def test_tiny_resnet_weight_names() -> None:
    def conv_bn(prefix: str, cin: int) -> dict[str, tuple[list[int], str]]:
        names = {f"{prefix}.conv2d.weight": ([16, cin, 3, 3], "he_normal"), f"{prefix}.conv2d.bias": ([16], "zeros")}
        names.update({f"{prefix}.batchnorm.{p}": ([16], init) for p, init in zip(BN, BN_INIT, strict=True)})
        return names

    expected = conv_bn("x", 3)
    for i in (0, 1):  # the repeat's statement is the second assignment to x: stem x_1
        expected |= conv_bn(f"x_1.{i}.y", 16) | conv_bn(f"x_1.{i}.y_1", 16)
    expected |= {"logits.weight": ([10, 16], "he_normal"), "logits.bias": ([10], "zeros")}
    assert weights(compile_dlm(TINY_RESNET)) == expected


def test_ir_reads_like_the_model() -> None:
    text = str(compile_dlm(TINY_RESNET))
    assert "func.func @tiny_resnet(%image: tensor<1x3x32x32xf32>) -> tensor<1x10xf32>" in text
    assert '%x.conv2d.weight = graph.weight "x.conv2d.weight" {init = "he_normal"} : tensor<16x3x3x3xf32>' in text
    assert "%x = graph.relu" in text and "%y = graph.relu" in text and "%logits = graph.dense" in text


# --------------------------------------------------------------------------- weight naming


def test_lone_layer_op_is_named_after_the_statement() -> None:
    m = model("""\
        input x: f32[1, 3, 8, 8]
        y = relu(conv2d(x, 4, kernel=3))
        output y
        """)
    assert list(weights(m)) == ["y.weight", "y.bias"]


def test_several_layer_ops_include_op_names_numbered_per_kind() -> None:
    m = model("""\
        input x: f32[1, 4, 8, 8]
        y = conv2d(conv2d(x, 4, kernel=1, bias=false), 4, kernel=1, bias=false) + batchnorm(x)
        output y
        """)
    assert list(weights(m)) == ["y.conv2d_1.weight", "y.conv2d.weight"] + [f"y.batchnorm.{p}" for p in BN]


def test_reassigned_names_get_suffixes_and_avoid_user_names() -> None:
    m = model("""\
        input x: f32[1, 8]
        y = dense(x, 8)
        y = dense(y, 8)
        y_1 = dense(y, 8)
        y = dense(y_1, 8)
        output y
        """)
    assert [n for n in weights(m) if n.endswith("weight")] == ["y.weight", "y_1.weight", "y_1_1.weight", "y_2.weight"]


def test_repeat_appends_iteration_index_and_nests() -> None:
    m = model("""\
        input x: f32[1, 8]
        repeat 2 {
          x = dense(x, 8, bias=false)
          repeat 2 {
            h = dense(x, 8, bias=false)
          }
        }
        output h
        """)
    assert list(weights(m)) == [
        "x.0.weight",
        "h.0.0.weight",
        "h.0.1.weight",
        "x.1.weight",
        "h.1.0.weight",
        "h.1.1.weight",
    ]


def test_block_call_path_and_repeat() -> None:
    blocks = """\
        block basic(x, ch) {
          y = relu(dense(x, ch))
          return y
        }
        """
    m = model(
        """\
        input x: f32[1, 8]
        repeat 2 {
          x = basic(x, 8)
        }
        out = basic(x, 8) + dense(x, 8, bias=false)
        output out
        """,
        blocks,
    )
    assert list(weights(m)) == [
        "x.0.y.weight",
        "x.0.y.bias",
        "x.1.y.weight",
        "x.1.y.bias",
        "out.basic.y.weight",
        "out.basic.y.bias",
        "out.dense.weight",
    ]


def test_nested_blocks_chain_their_targets() -> None:
    blocks = """\
        block inner(x) {
          z = dense(x, 4, bias=false)
          return z
        }
        block outer(x) {
          a = inner(x)
          b = inner(a)
          return b
        }
        """
    m = model("input x: f32[1, 4]\nstage = outer(x)\noutput stage\n", blocks)
    assert list(weights(m)) == ["stage.a.z.weight", "stage.b.z.weight"]


def test_multi_target_statement_uses_first_target() -> None:
    blocks = """\
        block two(x) {
          p = dense(x, 4, bias=false)
          return p, relu(p)
        }
        """
    m = model("input x: f32[1, 4]\nfirst, second = two(x)\noutput first, second\n", blocks)
    assert list(weights(m)) == ["first.p.weight"]


def test_output_and_return_statements_are_named_output_and_return() -> None:
    blocks = "block head(x) {\n  return dense(x, 2, bias=false)\n}\n"
    m = model("input x: f32[1, 4]\noutput dense(x, 3, bias=false), head(x)\n", blocks)
    assert list(weights(m)) == ["output.dense.weight", "output.head.return.weight"]


def test_param_declares_a_named_weight() -> None:
    blocks = "block affine(x) {\n  param w: f32[4, 4]\n  return x @ w\n}\n"
    m = model("input x: f32[1, 4]\nparam bias: f32[4]\nh = affine(x) + bias\noutput h\n", blocks)
    assert weights(m) == {"bias": ([4], "normal"), "h.w": ([4, 4], "normal")}


def test_weight_results_carry_their_name() -> None:
    m = model("input x: f32[1, 4]\nfc = dense(x, 2)\noutput fc\n")
    hints = [op.results[0].name_hint for op in function(m).body.block.ops if isinstance(op, graph.WeightOp)]
    assert hints == ["fc.weight", "fc.bias"]


# --------------------------------------------------------------------------- blocks


def test_block_defaults_keywords_and_defaults_using_earlier_parameters() -> None:
    blocks = """\
        block widen(x, ch, factor=4, mid=ch * factor, stride=1) {
          h = conv2d(x, mid, kernel=1, stride=stride, bias=false)
          return conv2d(h, ch, kernel=1, bias=false)
        }
        """
    m = model(
        """\
        input x: f32[1, 8, 8, 8]
        a = widen(x, 8)
        b = widen(a, 8, stride=2)
        c = widen(b, ch=8, factor=2)
        output c
        """,
        blocks,
    )
    assert weights(m)["a.h.weight"][0] == [32, 8, 1, 1]
    assert weights(m)["c.h.weight"][0] == [16, 8, 1, 1]
    assert output_shapes(m) == [[1, 8, 4, 4]]


def test_blocks_take_tensors_and_values_in_any_parameter() -> None:
    blocks = "block mix(a, b, alpha) {\n  return a * alpha + b * (1.0 - alpha)\n}\n"
    m = model("input x: f32[2]\ninput y: f32[2]\noutput mix(x, y, 0.25), mix(0.5, y, x)\n", blocks)
    assert output_shapes(m) == [[2], [2]]


def test_block_with_several_results() -> None:
    blocks = "block halves(x) {\n  a, b = split(x, 2, axis=1)\n  return b, a\n}\n"
    m = model("input x: f32[1, 6]\nlo, hi = halves(x)\noutput concat(lo, hi, lo, axis=1)\n", blocks)
    assert output_shapes(m) == [[1, 9]]


def test_block_errors_note_the_call_chain() -> None:
    text = """\
        block inner(x) {
          return x + dense(x, 3)
        }
        block outer(x) {
          repeat 2 {
            x = inner(x)
          }
          return x
        }
        model m {
          input x: f32[1, 4]
          output outer(x)
        }
        """
    assert error(text) == (
        "t.dlm:2:12: error: add: shapes [1,4] and [1,3] do not broadcast\n"
        "  return x + dense(x, 3)\n"
        "           ^\n"
        "t.dlm:6:9: note: in block 'inner' called from here\n"
        "    x = inner(x)\n"
        "        ^\n"
        "t.dlm:5:3: note: in iteration 1 of 2 of this repeat\n"
        "  repeat 2 {\n"
        "  ^\n"
        "t.dlm:12:10: note: in block 'outer' called from here\n"
        "  output outer(x)\n"
        "         ^"
    )


def test_block_missing_argument_and_argument_given_twice() -> None:
    blocks = "block b(x, ch) {\n  return dense(x, ch)\n}\n"
    assert model_error("input x: f32[1, 4]\noutput b(x)\n", blocks) == "t.dlm:6:10: error: b: missing argument 'ch'"
    assert model_error("input x: f32[1, 4]\noutput b(x, 2, x=x)\n", blocks) == (
        "t.dlm:6:18: error: b: argument 'x' is given twice"
    )


def test_model_may_call_blocks_defined_after_it() -> None:
    m = compile_dlm("model m {\n  input x: f32[2]\n  output twice(x)\n}\nblock twice(x) {\n  return x + x\n}\n")
    assert output_shapes(m) == [[2]]


def test_unused_blocks_are_checked_for_names_but_not_expanded() -> None:
    text = "block unused(x) {\n  return relu(y)\n}\nmodel m {\n  input x: f32[2]\n  output x\n}\n"
    assert error(text).split("\n")[0] == "t.dlm:2:15: error: unknown name 'y'"
    ok = "block unused(x) {\n  return x + [1]\n}\nmodel m {\n  input x: f32[2]\n  output x\n}\n"
    assert list(function(compile_dlm(ok)).body.block.ops)[-1].name == "func.return"


# --------------------------------------------------------------------------- statements and values


def test_split_count_and_sizes() -> None:
    m = model("""\
        input x: f32[1, 16, 8, 8]
        a, b = split(x, 2, axis=1)
        c, d, e = split(x, [4, 4, 8], axis=-3)
        output a, b, c, e
        """)
    assert output_shapes(m) == [[1, 8, 8, 8], [1, 8, 8, 8], [1, 4, 8, 8], [1, 8, 8, 8]]
    names = [r.name_hint for op in compute_ops(m) for r in op.results]
    assert names == ["a", "b", "c", "d", "e"]


def test_value_arithmetic_follows_python() -> None:
    m = model("""\
        input x: f32[1, 2]
        n = 7
        a = dense(x, n // 2)
        b = dense(x, -n // 2 + 10)
        c = reshape(x, [1, 2 * 1, n - 6])
        d = dense(x, 2 * 3 + 4 * (5 - 3))
        output a, b, c, d, x * (n / 2)
        """)
    assert output_shapes(m) == [[1, 3], [1, 6], [1, 2, 1], [1, 14], [1, 2]]
    (const,) = [op for op in function(m).body.block.ops if isinstance(op, graph.ConstantOp)]
    assert const.number == 3.5


def test_lists_join_with_plus() -> None:
    m = model("input x: f32[2, 3]\nhead = [3]\noutput reshape(x, head + [2])\n")
    assert output_shapes(m) == [[3, 2]]


def test_tensor_with_number_makes_scalar_constants_of_the_element_type() -> None:
    m = model("input x: f16[4]\ny = 1.0 - x * 0.5\noutput y / 2\n")
    ops = list(function(m).body.block.ops)
    assert [op.name for op in ops] == [
        "graph.constant",
        "graph.mul",
        "graph.constant",
        "graph.sub",
        "graph.constant",
        "graph.div",
        "func.return",
    ]
    consts = [op for op in ops if isinstance(op, graph.ConstantOp)]
    assert [c.number for c in consts] == [0.5, 1.0, 2.0]
    assert all(str(c.output.type) == "tensor<f16>" for c in consts)
    mul, sub = ops[1], ops[3]
    assert mul.operands[1] is consts[0].output
    assert sub.operands[0] is consts[1].output and sub.operands[1] is mul.results[0]


def test_operator_precedence_in_ir() -> None:
    m = model("input a: f32[2, 2]\ninput b: f32[2, 2]\noutput -a @ b + a * b\n")
    assert [op.name for op in compute_ops(m)] == ["graph.neg", "graph.matmul", "graph.mul", "graph.add"]


def test_binary_ops_by_name_take_numbers_too() -> None:
    m = model("input x: f32[3]\noutput max(x, 0.0), pow(2.0, x), sub(x, x)\n")
    assert [op.name for op in compute_ops(m)] == ["graph.max", "graph.pow", "graph.sub"]


def test_names_may_be_reassigned_and_aliased() -> None:
    m = model("input x: f32[3]\ny = x\nx = relu(x)\noutput x, y\n")
    func = function(m)
    (ret,) = [op for op in func.body.block.ops if isinstance(op, ReturnOp)]
    assert ret.operands[1] is func.body.block.args[0]
    assert func.body.block.args[0].name_hint == "x"


def test_several_inputs_and_outputs_in_declaration_order() -> None:
    m = model("input b: i64[1, 5]\nx = embedding(b, 100, 8)\ninput a: f32[1, 5, 8]\noutput a\noutput x + a, x\n")
    func = function(m)
    assert [arg.name_hint for arg in func.body.block.args] == ["b", "a"]
    assert [str(t) for t in func.function_type.inputs.data] == ["tensor<1x5xi64>", "tensor<1x5x8xf32>"]
    assert output_shapes(m) == [[1, 5, 8]] * 3
    assert weights(m) == {"x.weight": ([100, 8], "normal")}


def test_layer_op_arguments() -> None:
    m = model("""\
        input x: f32[1, 4, 16, 16]
        a = conv2d(x, 8, kernel=[3, 5], stride=[1, 2], pad=[1, 2], bias=false)
        b = conv2d(x, 8, 3, 2, [0, 0, 1, 1], groups=2, dilation=1)
        c = maxpool(x, 2)
        d = avgpool(x, kernel=3, stride=1, pad=1)
        e = layernorm(x, eps=1e-6)
        output a, b, c, d, e
        """)
    ops = compute_ops(m)
    assert output_shapes(m) == [[1, 8, 16, 8], [1, 8, 8, 8], [1, 4, 8, 8], [1, 4, 16, 16], [1, 4, 16, 16]]
    assert weights(m)["a.weight"][0] == [8, 4, 3, 5] and "a.bias" not in weights(m)
    assert weights(m)["b.weight"][0] == [8, 2, 3, 3]
    assert graph.ints(ops[0].pad) == (1, 2, 1, 2)
    assert graph.ints(ops[2].stride) == (2, 2)
    assert weights(m)["e.scale"] == ([16], "ones") and weights(m)["e.bias"] == ([16], "zeros")


def test_every_other_op_of_the_contract() -> None:
    m = model("""\
        input x: f32[1, 8, 4, 4]
        a = leaky_relu(clip(x, -1.0, 1), alpha=0.2)
        b = softmax(reduce_mean(x, [2, 3], keepdims=false), axis=1)
        c = transpose(flatten(x), [1, 0])
        d = squeeze(unsqueeze(x, 0), [0])
        e = slice(x, [0, 1], [1, 3])
        f = pad(x, [0, 0, 1, 1, 0, 0, 1, 1], value=-1.0)
        g = depth_to_space(channel_shuffle(upsample(x), 2), block=2)
        h = relu6(sigmoid(tanh(gelu(silu(hardswish(hardsigmoid(exp(log(sqrt(rsqrt(reciprocal(neg(abs(erf(x)))))))))))))))
        i = reduce_sum(x, 1) + reduce_max(x, -1) + matmul(x, x)
        output a, b, c, d, e, f, g, h, i
        """)
    assert output_shapes(m) == [
        [1, 8, 4, 4],
        [1, 8],
        [128, 1],
        [1, 8, 4, 4],
        [1, 2, 4, 4],
        [1, 8, 6, 6],
        [1, 2, 16, 16],
        [1, 8, 4, 4],
        [1, 8, 4, 4],
    ]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "body, message",
    [
        ("input x: f32[2]\noutput relu(x, alpha=1.0)", "3:18: error: relu: unknown keyword argument 'alpha'"),
        ("input x: f32[2]\noutput concat(axis=0)", "3:10: error: concat needs at least one positional argument"),
        ("input x: f32[2]\noutput concat(x, 2)", "3:20: error: concat: argument 'inputs' must be a tensor, got 2"),
        ("input x: f32[2]\noutput x + true", "3:12: error: '+' cannot combine a tensor f32[2] and true"),
        ("input x: f32[2]\noutput x // 2", "3:12: error: '//' is only defined on numbers, not tensors"),
        ("input x: f32[2]\noutput -[1]", "3:10: error: cannot negate [1]"),
        ("input x: f32[2]\na, b = 3\noutput x", "3:10: error: one value cannot be assigned to 2 names"),
        ("input x: f32[2]\na, b = relu(x)\noutput x", "3:10: error: 'relu' produces 1 result but 2 names are assigned"),
        ("input x: f32[2]\noutput dense(x, 0)", "3:19: error: dense: argument 'out' must be a positive integer, got 0"),
        ("input x: f32[2, 0]\noutput x", "2:19: error: a dimension must be a positive integer, got 0"),
        ("input x: f32[2]\ninput x: f32[2]\noutput x", "3:9: error: 'x' is already defined"),
        (
            "input x: f32[2]\nrepeat 1 {\n  input y: f32[2]\n}\noutput x",
            "4:5: error: 'input' cannot be inside 'repeat'",
        ),
        ("input x: f32[2]\noutput relu", "3:10: error: 'relu' is an op; call it: relu(...)"),
        (
            "input x: f32[2]\noutput conv2d(x, 4, kernel=1)",
            "3:10: error: conv2d: input must have rank 4, got shape [2]",
        ),
        (
            "input x: f32[1, 6, 4, 4]\noutput conv2d(x, 4, kernel=1, groups=4)",
            "3:10: error: conv2d: 4 groups do not divide 6 input channels",
        ),
        (
            "input x: f32[1, 6, 4, 4]\noutput conv2d(x, 4, kernel=1, pad=[1, 2, 3])",
            "3:33: error: conv2d: argument 'pad' must be an integer or a list of 2 or 4 integers, got [1, 2, 3]",
        ),
        ("input x: f32[1, 6, 4, 4]\noutput dense(x, 2 ** 3)", "3:22: error: unexpected '*'; expected an expression"),
        (
            "input x: f32[2]\noutput dense(x, 10000000000000000000000)",
            "3:19: error: number 10000000000000000000000 is out of range (integers up to 2^63 − 1, floats up to 1.8e308)",
        ),
    ],
)
def test_expansion_errors(body: str, message: str) -> None:
    assert model_error(body) == f"t.dlm:{message}"


def test_model_errors_are_reported_before_reading_weights() -> None:
    with pytest.raises(DlmError) as info:
        parse_dlm("model m {\n  input x: f32[2]\n  output y\n}\n", "t.dlm", weights="/nonexistent/w.npz")
    assert str(info.value).startswith("t.dlm:3:10: error: unknown name 'y'")


def test_integers_beyond_float_range_are_errors_not_crashes() -> None:
    huge = "1" + "0" * 400
    out_of_range = "error: number 10000000000000000000… (401 characters) is out of range"
    product = model_error(f"input x: f32[2]\noutput x * {huge}")
    assert product.startswith(f"t.dlm:3:14: {out_of_range}")
    clip = model_error(f"input x: f32[2]\noutput clip(x, 0, {huge})")
    assert clip.startswith(f"t.dlm:3:21: {out_of_range}")
