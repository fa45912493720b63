"""ONNX Resize imported as graph.resize (or graph.upsample), against ONNX's reference evaluator and ONNX Runtime.

Every mode (nearest with each nearest_mode, linear, cubic with cubic_coeff_a
and exclude_outside) with every coordinate_transformation_mode, by scales
(equal, unequal, shrinking, fractional) and by sizes, on 1-D, 2-D and 3-D
inputs; axes and keep_aspect_ratio_policy (opset 18); tf_crop_and_resize with
a roi and extrapolation_value; and older opsets through the importer's version
conversion.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from onnx.reference import ReferenceEvaluator

from dlfc.compiler.frontend.onnx import OnnxImportError, load_onnx
from dlfc.dialects import graph
from dlfc.hw.reference import run_graph
from dlfc.hw.weights import store_of

from .helpers import Input, assert_matches, feeds_for, onnxruntime_outputs, save, single

IMAGE = Input((1, 2, 5, 6))
NO_ROI = np.array([], np.float32)
CROP = np.array([0, 0, 0.23, 0.13, 1, 1, 0.91, 0.77], np.float32)
SCALES = {
    "up": [1, 1, 2, 3],
    "unequal": [1, 1, 1.7, 0.55],
    "down": [1, 1, 0.5, 0.75],
}
COORDINATES = (
    "half_pixel",
    "half_pixel_symmetric",
    "pytorch_half_pixel",
    "align_corners",
    "asymmetric",
    "tf_crop_and_resize",
)
MODES = [
    *(("nearest", {"nearest_mode": m}) for m in ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")),
    ("linear", {}),
    ("cubic", {}),
    ("cubic", {"cubic_coeff_a": -0.5, "exclude_outside": 1}),
]


def resize_case(mode: str, extra: dict, coordinates: str, by: str):
    roi = CROP if coordinates == "tf_crop_and_resize" else NO_ROI
    attrs = {"mode": mode, "coordinate_transformation_mode": coordinates, **extra}
    if coordinates == "tf_crop_and_resize":
        attrs["extrapolation_value"] = 0.5
    if by == "sizes":
        return single("Resize", IMAGE, roi, None, np.array([1, 2, 7, 3], np.int64), opset=19, **attrs)
    return single("Resize", IMAGE, roi, np.array(SCALES[by], np.float32), opset=19, **attrs)


CASES = {
    f"{mode}{'-' + '-'.join(f'{k}={v}' for k, v in extra.items()) if extra else ''}-{coordinates}-{by}": (
        mode,
        extra,
        coordinates,
        by,
    )
    for (mode, extra), coordinates, by in itertools.product(MODES, COORDINATES, [*SCALES, "sizes"])
}

EVALUATOR_DEVIATES = {
    name
    for name, (_, _, coordinates, by) in CASES.items()
    if coordinates in ("align_corners", "tf_crop_and_resize") and by in ("unequal", "down")
}
"""onnx.reference divides by the fractional output_width (scale x length) where the spec's equations for
align_corners and tf_crop_and_resize divide by length_resized - 1 (an integer), as ONNX Runtime does:
they differ when scale x length is not whole. These cases are checked against ONNX Runtime only."""


def run_case(m, specs, tmp_path):
    module = load_onnx(save(m, tmp_path / "model.onnx"))
    feeds = feeds_for(m, specs)
    return module, feeds, run_graph(module, list(feeds.values()), store_of(module))


@pytest.mark.parametrize("case", CASES)
def test_resize(case, tmp_path):
    m, specs = resize_case(*CASES[case])
    module, feeds, actual = run_case(m, specs, tmp_path)
    assert_matches(actual, onnxruntime_outputs(m, feeds))
    if case not in EVALUATOR_DEVIATES:
        assert_matches(actual, ReferenceEvaluator(m).run(None, feeds))
    assert any(isinstance(op, graph.ResizeOp | graph.UpsampleOp) for op in module.walk())


@pytest.mark.parametrize("case", sorted(EVALUATOR_DEVIATES)[:4])
def test_the_evaluator_still_deviates(case, tmp_path):
    m, specs = resize_case(*CASES[case])
    feeds = feeds_for(m, specs)
    assert not np.allclose(ReferenceEvaluator(m).run(None, feeds)[0], onnxruntime_outputs(m, feeds)[0], rtol=1e-3)


OTHER = {
    "1d-linear": lambda: single("Resize", Input((1, 3, 7)), NO_ROI, np.array([1, 1, 1.5], np.float32), mode="linear"),
    "3d-cubic-sizes": lambda: single(
        "Resize", Input((1, 2, 3, 4, 5)), NO_ROI, None, np.array([1, 2, 5, 3, 6], np.int64), mode="cubic"
    ),
    "3d-nearest": lambda: single("Resize", Input((1, 2, 3, 4, 5)), NO_ROI, np.array([1, 1, 2, 1.5, 0.6], np.float32)),
    "axes-opset18": lambda: single(
        "Resize", IMAGE, None, np.array([1.5, 0.5], np.float32), opset=18, axes=[3, 2], mode="linear"
    ),
    "not-larger-opset18": lambda: single(
        "Resize",
        IMAGE,
        None,
        None,
        np.array([9, 9], np.int64),
        opset=18,
        axes=[2, 3],
        keep_aspect_ratio_policy="not_larger",
        mode="linear",
    ),
    "not-smaller-opset18": lambda: single(
        "Resize",
        IMAGE,
        None,
        None,
        np.array([9, 9], np.int64),
        opset=18,
        axes=[2, 3],
        keep_aspect_ratio_policy="not_smaller",
    ),
    "opset11-linear": lambda: single(
        "Resize", IMAGE, NO_ROI, np.array([1, 1, 2, 1.5], np.float32), opset=11, mode="linear"
    ),
    "opset13-sizes": lambda: single(
        "Resize", IMAGE, None, None, np.array([1, 2, 4, 9], np.int64), opset=13, mode="cubic"
    ),
    "channels-and-batch": lambda: single(
        "Resize", Input((2, 3, 4, 4)), NO_ROI, np.array([0.5, 2, 1, 1], np.float32), mode="linear"
    ),
}


RUNTIME_REFUSES = {
    "3d-cubic-sizes": "ONNX Runtime's cubic mode takes 2-D and 4-D input only",
    "channels-and-batch": "ONNX Runtime's linear mode does not resize the batch and channel axes of 4-D input",
}
"""Forms ONNX Runtime does not implement: checked against onnx.reference only."""


@pytest.mark.parametrize("case", OTHER)
def test_resize_forms(case, tmp_path):
    m, specs = OTHER[case]()
    module, feeds, actual = run_case(m, specs, tmp_path)
    assert_matches(actual, ReferenceEvaluator(m).run(None, feeds))
    if case not in RUNTIME_REFUSES:
        assert_matches(actual, onnxruntime_outputs(m, feeds))


def test_pytorch_half_pixel_to_one_cell_reads_cell_zero(tmp_path):
    """The spec maps a length-1 result to coordinate 0 (onnx.reference uses -0.5, which rounds the same way for linear)."""
    m, specs = single(
        "Resize",
        IMAGE,
        NO_ROI,
        None,
        np.array([1, 2, 1, 6], np.int64),
        mode="linear",
        coordinate_transformation_mode="pytorch_half_pixel",
    )
    module, feeds, actual = run_case(m, specs, tmp_path)
    np.testing.assert_allclose(actual[0], feeds["x0"][:, :, :1, :], rtol=1e-6)
    assert_matches(actual, onnxruntime_outputs(m, feeds))


def test_repeating_nearest_stays_an_upsample(tmp_path):
    m, specs = single("Resize", IMAGE, NO_ROI, np.array([1, 1, 2, 2], np.float32))
    module, _, _ = run_case(m, specs, tmp_path)
    assert [op.name for op in module.walk() if isinstance(op, graph.GraphOp)] == ["graph.upsample"]


def test_antialias_is_rejected(tmp_path):
    m, _ = single("Resize", IMAGE, NO_ROI, np.array([1, 1, 0.5, 0.5], np.float32), opset=18, mode="linear", antialias=1)
    with pytest.raises(OnnxImportError, match="antialias=1 is not supported"):
        load_onnx(save(m, tmp_path / "model.onnx"))


def test_resize_facts():
    """FLOPs: a multiply-add per tap per output cell of each interpolated axis, axis after axis."""
    linear = build([(1, 2, 5, 6)], lambda x: graph.ResizeOp(x, (1, 2, 10, 3), (1, 1, 2, 0.5), "linear"))
    # axis 2: 1 * 2 * 10 * 6 cells x 2 taps x 2; then axis 3: 1 * 2 * 10 * 3 cells x 2 taps x 2
    assert linear.flops() == 2 * 2 * (120 + 60)
    cubic = build([(1, 2, 5, 6)], lambda x: graph.ResizeOp(x, (1, 2, 5, 12), (1, 1, 1, 2), "cubic"))
    assert cubic.flops() == 2 * 4 * 120
    assert build([(1, 2, 5, 6)], lambda x: graph.ResizeOp(x, (1, 2, 5, 12), (1, 1, 1, 2), "nearest")).flops() == 0
    same = build([(1, 2, 5, 6)], lambda x: graph.ResizeOp(x, (1, 2, 5, 6), (1, 1, 1, 1), "cubic"))
    assert same.is_identity() and same.flops() == 0
    assert linear.MAPPING is graph.MappingType.ONE_TO_MANY and linear.row_window() is None


def build(shapes, make):
    """`make(*args)` on function arguments of the given f32 shapes; the op (module verified)."""
    from xdsl.builder import ImplicitBuilder
    from xdsl.dialects import func
    from xdsl.dialects.builtin import ModuleOp, TensorType, f32

    fn = func.FuncOp("f", ([TensorType(f32, list(s)) for s in shapes], []))
    with ImplicitBuilder(fn.body) as args:
        op = make(*args)
        func.ReturnOp()
    ModuleOp([fn]).verify()
    return op
