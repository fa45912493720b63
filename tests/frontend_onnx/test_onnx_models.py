"""Small ResNet-, MobileNet-, BERT- and ViT-shaped ONNX models: import, names, and numerics against ONNX Runtime."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dialects import graph

from .helpers import check
from .models import MODELS, Model


@pytest.mark.parametrize("build", MODELS.values(), ids=MODELS.keys())
def test_model_matches_onnxruntime(build: Callable[[], Model], tmp_path) -> None:
    m, inputs, shapes = build()
    module = check(m, inputs, tmp_path, shapes)
    ops = {op.name for op in module.walk()}
    assert not ops & {"graph.shape"}, ops
