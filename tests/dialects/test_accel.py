"""The accel dialect: round trips, verifier errors, and what convert-fusion-to-accel writes."""

from __future__ import annotations

import io

import pytest
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import ParseError, VerifyException

from dlfc.compiler.context import make_context
from dlfc.compiler.conversion.convert_fusion_to_accel import ConvertFusionToAccelPass
from dlfc.compiler.conversion.convert_graph_to_fusion import ConvertGraphToFusionPass
from dlfc.compiler.transforms.annotate_latency import AnnotateLatencyPass
from dlfc.dialects import accel

PLAN = """\
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @main(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
    %y = accel.kernel "k0_relu"(%x) cores = 4 latency = <13.14 us, memory> : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
    ^bb0(%a: tensor<1x64x56x56xf32>):
      %b = graph.relu %a : tensor<1x64x56x56xf32>
      accel.yield %b : tensor<1x64x56x56xf32>
    }
    func.return %y : tensor<1x64x56x56xf32>
  }
}
"""

GENERIC_KERNEL = (
    '%y = "accel.kernel"(%x) <{sym_name = "k0_relu", cores = 4 : i64, latency = #accel.latency<13.14 us, memory>}> ({'
)


def parse(text: str):
    module = Parser(make_context(), text).parse_module()
    module.verify()
    return module


def generic(module) -> str:
    out = io.StringIO()
    Printer(stream=out, print_generic_format=True).print_op(module)
    return out.getvalue()


def test_round_trip_custom_format() -> None:
    assert str(parse(PLAN)) + "\n" == PLAN


def test_round_trip_generic_format() -> None:
    text = generic(parse(PLAN))
    assert GENERIC_KERNEL in text
    assert '{accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>}' in text
    assert str(parse(text)) + "\n" == PLAN


def test_attributes_expose_their_values() -> None:
    module = parse(PLAN)
    target = accel.target_of(module)
    assert target is not None and target.target_name.data == "mlu100" and target.cores == (1, 2, 4, 8, 16, 32)
    (kernel,) = [op for op in module.walk() if isinstance(op, accel.KernelOp)]
    assert kernel.core_count == 4 and kernel.latency is not None
    assert (kernel.latency.us, kernel.latency.bound.data) == (13.14, "memory")


def test_latency_is_optional() -> None:
    text = PLAN.replace(" latency = <13.14 us, memory>", "")
    assert str(parse(text)) + "\n" == text


def test_kernel_without_target_accepts_any_positive_cores() -> None:
    text = PLAN.replace(' attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>}', "")
    parse(text.replace("cores = 4", "cores = 3"))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "cores = 4",
            "cores = 3",
            'accel.kernel "k0_relu": 3 cores is not legal on target "mlu100" (legal: 1, 2, 4, 8, 16, 32)',
        ),
        ("cores = 4", "cores = 0", "accel.kernel: cores must be positive, got 0"),
        ("memory>", "disk>", "#accel.latency: bound must be one of compute, memory, overhead, got 'disk'"),
        ("<13.14 us", "<-1.0 us", "#accel.latency: latency must be non-negative, got -1.0 us"),
        (
            "cores = [1, 2, 4, 8, 16, 32]",
            "cores = [4, 2]",
            "#accel.target: core counts must be positive and increasing, got [4, 2]",
        ),
        (
            '#accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>',
            '"mlu100"',
            'module attribute accel.target must be an #accel.target, got "mlu100"',
        ),
        ("accel.yield %b", "accel.yield %a", None),
        (
            "memory> :",
            "memory> {accel.core_offset = -1 : i64} :",
            "attribute 'accel.core_offset' must be an i64 of at least 0, got -1 : i64",
        ),
        (
            "memory> :",
            "memory> {accel.core_offset = 2 : i32} :",
            "attribute 'accel.core_offset' must be an i64 of at least 0, got 2 : i32",
        ),
        (
            "memory> :",
            "memory> {accel.start = -2.0 : f64} :",
            "attribute 'accel.start' must be a finite non-negative f64, got -2.0",
        ),
        (
            "memory> :",
            'memory> {accel.start = "soon"} :',
            "attribute 'accel.start' must be a finite non-negative f64, got \"soon\"",
        ),
        (
            "memory> :",
            "memory> {accel.offset = 0 : i64} :",
            "accel.kernel: unknown attribute 'accel.offset' is not allowed here (allowed: accel.core_offset, accel.start)",
        ),
        (
            "memory> :",
            "memory> {fusion.cores = 4 : i64} :",
            "accel.kernel: declared attribute 'fusion.cores' is not allowed here "
            "(allowed: fusion.mapping, fusion.seed, fusion.pattern)",
        ),
        ("memory> :", 'memory> {fusion.mapping = "1:1"} :', "accel.kernel: attribute 'fusion.mapping' must be one of"),
        ("memory> :", "memory> {core_offset = -1 : i64} :", None),  # an attribute of no dialect is not checked
    ],
)
def test_invalid_ir(old: str, new: str, message: str | None) -> None:
    text = PLAN.replace(old, new)
    assert text != PLAN
    if message is None:  # yielding the argument is legal IR
        parse(text)
        return
    with pytest.raises((VerifyException, ParseError)) as info:
        parse(text)
    assert message in str(info.value)


def test_kernel_keeps_scheduling_and_fusion_attributes() -> None:
    attrs = (
        '{fusion.mapping = "many_to_many", fusion.seed = "conv1", fusion.pattern = "out_ewise_fusable", '
        "accel.core_offset = 8 : i64, accel.start = 25.118112 : f64}"
    )
    text = PLAN.replace("memory> :", f"memory> {attrs} :")
    assert str(parse(text)) + "\n" == text
    assert str(parse(generic(parse(text)))) + "\n" == text
    (kernel,) = [op for op in parse(text).walk() if isinstance(op, accel.KernelOp)]
    assert set(kernel.attributes) == {
        "fusion.mapping",
        "fusion.seed",
        "fusion.pattern",
        accel.OFFSET_ATTR,
        accel.START_ATTR,
    }


def test_yield_outside_kernel_is_rejected() -> None:
    text = """builtin.module {
  func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
    accel.yield %x : tensor<4xf32>
  }
}"""
    with pytest.raises(VerifyException, match="expects parent op 'accel.kernel'"):
        parse(text)


GRAPH = """\
builtin.module {
  func.func @main(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
    %b = graph.relu %x : tensor<1x64x56x56xf32>
    func.return %b : tensor<1x64x56x56xf32>
  }
}
"""


def test_lowering_writes_target_and_latency() -> None:
    """The latency of one relu on one core: 5 us launch + 802816 bytes / 25.6 GB/s = 36.36 us."""
    module = parse(GRAPH)
    ctx = make_context()
    ConvertGraphToFusionPass().apply(ctx, module)
    ConvertFusionToAccelPass().apply(ctx, module)
    module.verify()
    text = str(module)
    assert 'builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>}' in text
    assert 'accel.kernel "k0_relu"(%x) cores = 1 latency = <36.36 us, memory>' in text


def test_lowering_for_another_target() -> None:
    module = parse(GRAPH)
    ctx = make_context()
    ConvertGraphToFusionPass().apply(ctx, module)
    ConvertFusionToAccelPass(target="mlu270").apply(ctx, module)
    assert '#accel.target<"mlu270", cores = [1, 4, 8, 16]>' in str(module)


def test_annotate_latency_follows_the_cores() -> None:
    """After a change of cores the pass rewrites the latency: 4 cores take 13.14 us (see tests/hw/test_cost.py)."""
    module = parse(PLAN.replace(" latency = <13.14 us, memory>", "").replace("cores = 4", "cores = 1"))
    AnnotateLatencyPass().apply(make_context(), module)
    assert "cores = 1 latency = <36.36 us, memory>" in str(module)
    (kernel,) = [op for op in module.walk() if isinstance(op, accel.KernelOp)]
    kernel.cores = type(kernel.cores)(4, kernel.cores.type)
    AnnotateLatencyPass().apply(make_context(), module)
    assert "cores = 4 latency = <13.14 us, memory>" in str(module)


def test_annotate_latency_needs_a_target() -> None:
    module = parse(
        PLAN.replace(' attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>}', "")
    )
    with pytest.raises(ValueError, match="no accel.target attribute"):
        AnnotateLatencyPass().apply(make_context(), module)
    AnnotateLatencyPass(target="mlu270").apply(make_context(), module)
