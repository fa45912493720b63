"""The default graph pipeline on the example models: batch norm gone from every CNN, numerics unchanged."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from rewrite_testing import assert_same_numerics, run_passes
from xdsl.dialects.builtin import ModuleOp

from dlfc.compiler.frontend import load_dlm
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import DEFAULT_PIPELINE, Level, parse_pass_pipeline
from dlfc.dialects import graph
from dlfc.hw.weights import attach_store, store_of

EXAMPLES = Path(__file__).parents[2] / "examples"
CNNS = ["mobilenet_v2", "resnet18", "resnet50", "unet", "vgg16"]
FAST = {"resnet18", "mobilenet_v2", "bert_base", "dnnfusion_table4"}
"""Models whose numerics are checked in the default run; the others run with -m slow."""


def compute_ops(module: ModuleOp) -> list[graph.GraphOp]:
    return [op for op in module.walk() if isinstance(op, graph.GraphOp)]


@cache
def rewritten(name: str, fp_model: str = "fast") -> tuple[ModuleOp, ModuleOp]:
    """The example as loaded, and after the default graph-level pipeline (sharing one weight store)."""
    original = load_dlm(str(EXAMPLES / f"{name}.dlm"))
    module = original.clone()
    attach_store(module, store_of(original))
    options = {"fp_model": (fp_model,)}
    run_passes(module, *parse_pass_pipeline(",".join(DEFAULT_PIPELINE[Level.GRAPH]), get_all_passes(), options))
    return original, module


def example(name: str) -> object:
    return name if name in FAST else pytest.param(name, marks=pytest.mark.slow)


@pytest.mark.parametrize("name", CNNS)
def test_batchnorm_is_gone_from_every_cnn(name: str) -> None:
    _, module = rewritten(name)
    assert not any(isinstance(op, graph.BatchNormOp) for op in module.walk())


@pytest.mark.parametrize("name", [example(p.stem) for p in sorted(EXAMPLES.glob("*.dlm"))])
def test_numerics_are_unchanged_by_the_graph_pipeline(name: str) -> None:
    assert_same_numerics(*rewritten(name), positive=name == "dnnfusion_table4")


def test_resnet18_loses_its_batchnorm_ops_and_flops() -> None:
    """Under aggressive its 20 batch norms (2 FLOPs an element) fold into bias-free convs, which gain a bias
    (1 FLOP an element). Under fast (the default) every one of them has factors above 1 on some channels, kept
    as a per-channel mul after the conv (1 FLOP an element): as many ops and FLOPs as before."""
    before, after = (compute_ops(module) for module in rewritten("resnet18", "aggressive"))
    batchnorm_elements = [graph.num_elements(op.output.type) for op in before if isinstance(op, graph.BatchNormOp)]
    assert len(batchnorm_elements) == 20
    assert len(after) == len(before) - 20
    assert sum(op.flops() for op in after) == sum(op.flops() for op in before) - sum(batchnorm_elements)
    _, fast = (compute_ops(module) for module in rewritten("resnet18"))
    kinds = [type(op) for op in fast]
    assert kinds.count(graph.MulOp) == 20 and graph.BatchNormOp not in kinds
    assert len(fast) == len(before) and sum(op.flops() for op in fast) == sum(op.flops() for op in before)
