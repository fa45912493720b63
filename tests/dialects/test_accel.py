"""The accel dialect's Python API and what convert-fusion-to-accel and annotate-latency write.

Round trips and verifier errors are file-based: tests/filecheck/dialects/accel/{ops,invalid}.mlir.
"""

from __future__ import annotations

import io

import pytest
from xdsl.parser import Parser
from xdsl.printer import Printer

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


def parse(text: str):
    module = Parser(make_context(), text).parse_module()
    module.verify()
    return module


def generic(module) -> str:
    out = io.StringIO()
    Printer(stream=out, print_generic_format=True).print_op(module)
    return out.getvalue()


def test_attributes_expose_their_values() -> None:
    module = parse(PLAN)
    target = accel.target_of(module)
    assert target is not None and target.target_name.data == "mlu100" and target.cores == (1, 2, 4, 8, 16, 32)
    (kernel,) = [op for op in module.walk() if isinstance(op, accel.KernelOp)]
    assert kernel.core_count == 4 and kernel.latency is not None
    assert (kernel.latency.us, kernel.latency.bound.data) == (13.14, "memory")


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
