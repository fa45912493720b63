"""assign-cores: the cost model's best core count per kernel, and DLFusion's features rule for comparison."""

from __future__ import annotations

import pytest
from transforms.fusion_testing import graph_ops, model
from transforms.test_autotune import chain_module
from xdsl.dialects.builtin import IntegerAttr, ModuleOp

from dlfc.compiler.context import make_context
from dlfc.compiler.conversion.convert_fusion_to_accel import ConvertFusionToAccelPass
from dlfc.compiler.pass_manager import PassFailure, run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import parse_pass_pipeline
from dlfc.compiler.transforms.assign_cores import assign_cores, features_cores
from dlfc.compiler.utils.outlining import form_groups
from dlfc.dialects import accel, fusion
from dlfc.hw.cost import group_cost, kernel_cost
from dlfc.hw.target import load_target

MLU100 = load_target("mlu100")
MLU270 = load_target("mlu270")


def grouped(module: ModuleOp, size: int = 2) -> list[fusion.GroupOp]:
    return form_groups(module, lambda ops: [ops[i : i + size] for i in range(0, len(ops), size)])


def mixed_model() -> ModuleOp:
    """Small and large layers, so that different kernels want different core counts."""
    return chain_module(
        [("conv3x3", 96), ("relu", 0), ("conv1x1", 8), ("sigmoid", 0), ("maxpool", 0), ("add", 0)], 64, 56
    )


@pytest.mark.parametrize("target", [MLU100, MLU270], ids=lambda t: t.name)
def test_model_mode_picks_the_fastest_legal_core_count(target):
    module = mixed_model()
    groups = grouped(module)
    assign_cores(module, target)
    chosen = []
    for group in groups:
        ops = list(group.body.block.ops)
        cores = group.attributes["fusion.cores"]
        assert isinstance(cores, IntegerAttr) and cores.value.data in target.legal_cores
        fastest = min(group_cost(ops, c, target).latency for c in target.legal_cores)
        assert group_cost(ops, cores.value.data, target).latency == fastest
        chosen.append(cores.value.data)
    assert len(set(chosen)) > 1


def test_kernels_get_cores_and_a_fresh_latency():
    module = mixed_model()
    grouped(module)
    ConvertFusionToAccelPass().apply(make_context(), module)
    assign_cores(module, MLU100)
    module.verify()
    for kernel in module.walk():
        if isinstance(kernel, accel.KernelOp):
            assert kernel.latency is not None
            fastest = min(group_cost(list(kernel.body.block.ops), c, MLU100).latency for c in MLU100.legal_cores)
            assert kernel_cost(kernel, MLU100).latency == fastest
            assert kernel.latency.us == pytest.approx(fastest * 1e6, abs=1e-3)


def test_features_rule_uses_more_cores_for_more_operations():
    counts = []
    for size in (4, 16, 56, 112):
        ops = graph_ops(chain_module([("conv3x3", 64)], 64, size))
        counts.append(features_cores(ops, MLU100))
    assert counts == sorted(counts)
    assert counts[0] < counts[-1] == MLU100.legal_cores[-1]


def test_features_rule_gives_narrow_layers_more_cores_per_flop():
    """At equal FLOPs, few channels waste vector lanes, so the rule sees more work per core."""
    narrow = graph_ops(chain_module([("conv3x3", 64)], 8, 48))
    wide = graph_ops(chain_module([("conv3x3", 64)], 64, 17))
    assert narrow[0].flops() < wide[0].flops()
    assert features_cores(narrow, MLU100) >= features_cores(wide, MLU100)


def test_features_rule_keeps_data_movement_on_one_core():
    module = model("output reshape(x, [1, 2048])")
    assert features_cores(graph_ops(module), MLU100) == 1


def test_features_mode_from_the_pipeline_and_a_bad_mode():
    passes = parse_pass_pipeline("assign-cores{cores-by=features target=mlu270}", get_all_passes())
    module = mixed_model()
    groups = grouped(module)
    run_pipeline(make_context(), module, passes)
    for group in groups:
        assert group.attributes["fusion.cores"] == IntegerAttr(features_cores(list(group.body.block.ops), MLU270), 64)
    bad = parse_pass_pipeline("assign-cores{cores-by=guess}", get_all_passes())
    with pytest.raises(PassFailure, match="cores-by must be one of model, features"):
        run_pipeline(make_context(), mixed_model(), bad)
