"""Wide models for the exact solver and autotune (issue 17): parallel branches, inception blocks, heads, skips.

Shared by tests/transforms/test_optimum.py and benchmarks/wide_optimum.py.
"""

from __future__ import annotations

from pathlib import Path

from transforms.fusion_testing import model
from xdsl.dialects.builtin import ModuleOp

from dlfc.compiler.frontend import load_dlm
from dlfc.compiler.pipeline import Level, compile_to

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def branches(n: int) -> ModuleOp:
    """n parallel conv1x1 -> relu -> conv3x3 branches joined by a concat (issue 17's wide model)."""
    body = "\n".join(f"b{i} = conv2d(relu(conv2d(x, 16, kernel=1)), 16, kernel=3, pad=1)" for i in range(n))
    return model(
        body + "\noutput concat(" + ", ".join(f"b{i}" for i in range(n)) + ", axis=1)", "x: f32[1, 32, 28, 28]"
    )


def attention(heads: int) -> ModuleOp:
    """Multi-head attention with every head's projections and products as separate ops."""
    lines = []
    for i in range(heads):
        lines += [
            f"q{i} = dense(x, 16)",
            f"k{i} = dense(x, 16)",
            f"v{i} = dense(x, 16)",
            f"a{i} = softmax(matmul(q{i}, transpose(k{i}, [0, 2, 1])) * 0.25)",
            f"o{i} = matmul(a{i}, v{i})",
        ]
    lines.append("output dense(concat(" + ", ".join(f"o{i}" for i in range(heads)) + ", axis=2), 64) + x")
    return model("\n".join(lines), "x: f32[1, 32, 64]")


WIDE_INCEPTION = """
    a = relu(conv2d(x, 16, kernel=1))
    b = relu(conv2d(relu(conv2d(x, 8, kernel=1)), 16, kernel=3, pad=1))
    c = relu(conv2d(relu(conv2d(x, 4, kernel=1)), 8, kernel=5, pad=2))
    d = relu(conv2d(maxpool(x, 3, stride=1, pad=1), 16, kernel=1))
    output concat(a, b, c, d, axis=1)
"""
UNET = """
    e1 = relu(conv2d(x, 16, kernel=3, pad=1))
    e2 = relu(conv2d(maxpool(e1, 2, stride=2), 32, kernel=3, pad=1))
    m = relu(conv2d(maxpool(e2, 2, stride=2), 64, kernel=3, pad=1))
    d2 = relu(conv2d(concat(upsample(m, 2), e2, axis=1), 32, kernel=3, pad=1))
    d1 = relu(conv2d(concat(upsample(d2, 2), e1, axis=1), 16, kernel=3, pad=1))
    output conv2d(d1, 2, kernel=1)
"""
WIDE_MODELS = {
    "branches4": lambda: branches(4),
    "inception": lambda: model(WIDE_INCEPTION, "x: f32[1, 32, 28, 28]"),
    "attention2": lambda: attention(2),
    "unet": lambda: model(UNET, "x: f32[1, 8, 32, 32]"),
}


WIDER_INCEPTION = """
    a = relu(conv2d(x, 16, kernel=1))
    b = relu(conv2d(relu(conv2d(x, 8, kernel=1)), 16, kernel=3, pad=1))
    c = relu(conv2d(relu(conv2d(x, 4, kernel=1)), 8, kernel=5, pad=2))
    d = relu(conv2d(maxpool(x, 3, stride=1, pad=1), 16, kernel=1))
    e = relu(conv2d(relu(conv2d(relu(conv2d(x, 8, kernel=1)), 8, kernel=3, pad=1)), 16, kernel=3, pad=1))
    f = sigmoid(conv2d(avgpool(x, 3, stride=1, pad=1), 8, kernel=1)) * relu(conv2d(x, 8, kernel=1))
    output relu(concat(a, b, c, d, e, f, axis=1))
"""


def table4() -> ModuleOp:
    """dnnfusion_table4 after the default graph-level passes, as the paper table plans it (eight independent rows)."""
    module = load_dlm(str(EXAMPLES / "dnnfusion_table4.dlm"))
    compile_to(module, Level.GRAPH, {})
    return module


PROVEN = {
    "branches8": (lambda: branches(8), False),
    "inception6": (lambda: model(WIDER_INCEPTION, "x: f32[1, 32, 28, 28]"), False),
    "attention4": (lambda: attention(4), False),
    "unet": (WIDE_MODELS["unet"], False),
    "table4": (table4, True),
}
"""Wide models beyond the integer program's limit (but the U-Net, whose skips leave no parallel components),
each with whether it is slow (table-4: 181,440 states, 14.8 million combinations of pieces, about a minute)."""
