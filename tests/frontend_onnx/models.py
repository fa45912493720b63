"""Small ResNet-, MobileNet-, BERT- and ViT-shaped ONNX models, built as PyTorch exports them."""

from __future__ import annotations

import numpy as np
import onnx

from .helpers import GraphBuilder, Input

Model = tuple[onnx.ModelProto, dict[str, Input], dict[str, list[int]]]
"""A model, its inputs, and the --input-shape values it needs."""


def conv_bn(
    g: GraphBuilder, path: str, x: str, cin: int, cout: int, kernel: int = 3, stride: int = 1, groups: int = 1
) -> str:
    w = g.weight(f"{path}.weight", cout, cin // groups, kernel, kernel)
    y = g.op(path, "Conv", x, w, kernel_shape=[kernel] * 2, strides=[stride] * 2, pads=[kernel // 2] * 4, group=groups)
    stats = [
        g.weight(f"{path}.bn.{s}", cout, scale=0.1, offset=1.0 if s in ("weight", "running_var") else 0.0)
        for s in ("weight", "bias", "running_mean", "running_var")
    ]
    return g.op(f"{path}.bn", "BatchNormalization", y, *stats, epsilon=1e-5)


def resnet() -> Model:
    """Stem, max pool, an identity block, a downsampling block, global pool and a classifier."""
    g = GraphBuilder(1)
    x = g.op("/relu", "Relu", conv_bn(g, "conv1", "input", 3, 8))
    x = g.op("/maxpool", "MaxPool", x, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    for name, cin, cout, stride in (("layer1.0", 8, 8, 1), ("layer2.0", 8, 16, 2)):
        y = g.op(f"/{name}/relu", "Relu", conv_bn(g, f"{name}.conv1", x, cin, cout, stride=stride))
        y = conv_bn(g, f"{name}.conv2", y, cout, cout)
        shortcut = x if stride == 1 else conv_bn(g, f"{name}.downsample", x, cin, cout, kernel=1, stride=stride)
        x = g.op(f"/{name}/relu_1", "Relu", g.op(f"/{name}", "Add", y, shortcut))
    x = g.op("/flatten", "Flatten", g.op("/avgpool", "GlobalAveragePool", x))
    logits = g.op("/fc", "Gemm", x, g.weight("fc.weight", 10, 16), g.weight("fc.bias", 10), transB=1)
    return g.build({"input": Input((1, 3, 16, 16))}, [logits], 17, "resnet"), {"input": Input((1, 3, 16, 16))}, {}


def relu6(g: GraphBuilder, path: str, x: str) -> str:
    return g.op(path, "Clip", x, g.const(f"{path}.min", np.float32(0)), g.const(f"{path}.max", np.float32(6)))


def mobilenet() -> Model:
    """MobileNetV2 inverted residuals (ReLU6 as Clip), a V3 squeeze-excite, and x.view(x.size(0), -1)."""
    g = GraphBuilder(2)
    x = relu6(g, "/stem/clip", conv_bn(g, "stem", "input", 3, 8, stride=2))
    for name, cin, cout, stride in (("block1", 8, 8, 1), ("block2", 8, 12, 2)):
        y = relu6(g, f"/{name}/expand/clip", conv_bn(g, f"{name}.expand", x, cin, 4 * cin, kernel=1))
        y = relu6(g, f"/{name}/dw/clip", conv_bn(g, f"{name}.dw", y, 4 * cin, 4 * cin, stride=stride, groups=4 * cin))
        y = conv_bn(g, f"{name}.project", y, 4 * cin, cout, kernel=1)
        x = g.op(f"/{name}", "Add", x, y) if stride == 1 else y
    s = g.op("/se/pool", "GlobalAveragePool", x)
    s = g.op(
        "/se/relu",
        "Relu",
        g.op("/se/fc1", "Conv", s, g.weight("se.fc1.weight", 4, 12, 1, 1), g.weight("se.fc1.bias", 4)),
    )
    s = g.op("/se/fc2", "Conv", s, g.weight("se.fc2.weight", 12, 4, 1, 1), g.weight("se.fc2.bias", 12))
    x = g.op("/se", "Mul", x, g.op("/se/hardsigmoid", "HardSigmoid", s, alpha=1 / 6, beta=0.5))
    x = g.op("/head/hardswish", "HardSwish", x)
    x = g.op("/pool", "GlobalAveragePool", x)
    batch = g.op("/Gather", "Gather", g.op("/Shape", "Shape", x), g.const("zero", np.int64(0)), axis=0)
    target = g.op(
        "/Concat",
        "Concat",
        g.op("/Unsqueeze", "Unsqueeze", batch, g.const("axes0", [0])),
        g.const("minus1", [-1]),
        axis=0,
    )
    x = g.op("/Reshape", "Reshape", x, target)
    logits = g.op(
        "/classifier", "Gemm", x, g.weight("classifier.weight", 10, 12), g.weight("classifier.bias", 10), transB=1
    )
    return g.build({"input": Input((1, 3, 16, 16))}, [logits], 14, "mobilenet"), {"input": Input((1, 3, 16, 16))}, {}


def layer_norm_decomposed(g: GraphBuilder, path: str, x: str, dim: int) -> str:
    """LayerNorm as older exporters write it: ReduceMean, Sub, Pow, Sqrt, Div."""
    mean = g.op(f"{path}/ReduceMean", "ReduceMean", x, axes=[-1])
    centred = g.op(path, "Sub", x, mean)
    var = g.op(
        f"{path}/ReduceMean_1",
        "ReduceMean",
        g.op(path, "Pow", centred, g.const(f"{path}.two", np.float32(2))),
        axes=[-1],
    )
    std = g.op(path, "Sqrt", g.op(path, "Add", var, g.const(f"{path}.eps", np.float32(1e-12))))
    y = g.op(
        f"{path}/Mul", "Mul", g.op(path, "Div", centred, std), g.weight(f"{path}.weight", dim, scale=0.1, offset=1.0)
    )
    return g.op(f"{path}/Add_1", "Add", y, g.weight(f"{path}.bias", dim, scale=0.1))


def linear(g: GraphBuilder, path: str, x: str, cin: int, cout: int) -> str:
    """x @ W + b, as PyTorch exports nn.Linear on a 3-D input."""
    y = g.op(f"{path}/MatMul", "MatMul", x, g.weight(f"onnx::MatMul{path.replace('/', '_')}", cin, cout))
    return g.op(f"{path}/Add", "Add", g.weight(f"{path}.bias", cout, scale=0.1), y)


def heads(g: GraphBuilder, path: str, x: str, n_heads: int, head_dim: int, perm: list[int]) -> str:
    """[B, S, H*D] -> [B, H, S, D] (or [B, H, D, S]) with a shape computed from Shape ops."""
    shape = g.op(f"{path}/Shape", "Shape", x)
    dims = [
        g.op(
            f"{path}/Unsqueeze_{i}",
            "Unsqueeze",
            g.op(f"{path}/Gather_{i}", "Gather", shape, g.const(f"{path}.i{i}", np.int64(i))),
            g.const(f"{path}.ax{i}", [0]),
        )
        for i in (0, 1)
    ]
    target = g.op(f"{path}/Concat", "Concat", *dims, g.const(f"{path}.hd", [n_heads, head_dim]), axis=0)
    return g.op(f"{path}/Transpose", "Transpose", g.op(f"{path}/Reshape", "Reshape", x, target), perm=perm)


def attention(g: GraphBuilder, path: str, q: str, k: str, v: str, n_heads: int, head_dim: int, mask: str | None) -> str:
    q = heads(g, f"{path}/q", q, n_heads, head_dim, [0, 2, 1, 3])
    k = heads(g, f"{path}/k", k, n_heads, head_dim, [0, 2, 3, 1])
    v = heads(g, f"{path}/v", v, n_heads, head_dim, [0, 2, 1, 3])
    scores = g.op(
        f"{path}/Div",
        "Div",
        g.op(f"{path}/MatMul", "MatMul", q, k),
        g.const(f"{path}.scale", np.float32(np.sqrt(head_dim))),
    )
    if mask is not None:
        scores = g.op(f"{path}/Add", "Add", scores, mask)
    context = g.op(f"{path}/MatMul_1", "MatMul", g.op(f"{path}/Softmax", "Softmax", scores, axis=-1), v)
    context = g.op(f"{path}/Transpose", "Transpose", context, perm=[0, 2, 1, 3])
    return g.op(f"{path}/Reshape", "Reshape", context, g.const(f"{path}.merge", [0, 0, n_heads * head_dim]))


def bert() -> Model:
    """Embeddings (word, folded position and token-type lookups), one encoder layer, pooler; dynamic batch and sequence."""
    g, dim, vocab, seq = GraphBuilder(3), 16, 30, 6
    ids = "input_ids"
    shape = g.op("/embeddings/Shape", "Shape", ids)
    length = g.op("/embeddings/Gather", "Gather", shape, g.const("one", np.int64(1)))
    positions = g.op(
        "/embeddings/Unsqueeze",
        "Unsqueeze",
        g.op("/embeddings/Range", "Range", g.const("start", np.int64(0)), length, g.const("delta", np.int64(1))),
        g.const("axes_0", [0]),
    )
    types = g.op(
        "/embeddings/ConstantOfShape",
        "ConstantOfShape",
        shape,
        value=onnx.helper.make_tensor("v", onnx.TensorProto.INT64, [1], [0]),
    )
    x = g.op("/embeddings/word", "Gather", g.weight("embeddings.word_embeddings.weight", vocab, dim, scale=0.5), ids)
    x = g.op(
        "/embeddings/Add",
        "Add",
        x,
        g.op(
            "/embeddings/token_type",
            "Gather",
            g.weight("embeddings.token_type_embeddings.weight", 2, dim, scale=0.5),
            types,
        ),
    )
    x = g.op(
        "/embeddings/Add_1",
        "Add",
        x,
        g.op(
            "/embeddings/position",
            "Gather",
            g.weight("embeddings.position_embeddings.weight", 16, dim, scale=0.5),
            positions,
        ),
    )
    x = layer_norm_decomposed(g, "/embeddings/LayerNorm", x, dim)
    mask = g.const("attention_mask_bias", np.array([0, 0, 0, 0, -10000.0, -10000.0], np.float32).reshape(1, 1, 1, seq))
    p = "/encoder/layer.0"
    a = attention(
        g,
        f"{p}/attention",
        *(linear(g, f"{p}/attention/{n}", x, dim, dim) for n in ("query", "key", "value")),
        2,
        dim // 2,
        mask,
    )
    x = layer_norm_decomposed(
        g,
        f"{p}/attention/output/LayerNorm",
        g.op(f"{p}/attention/output/Add", "Add", linear(g, f"{p}/attention/output/dense", a, dim, dim), x),
        dim,
    )
    h = linear(g, f"{p}/intermediate/dense", x, dim, 4 * dim)
    erf = g.op(
        f"{p}/intermediate/Erf",
        "Erf",
        g.op(f"{p}/intermediate/Div", "Div", h, g.const(f"{p}.sqrt2", np.float32(1.4142135))),
    )
    gelu = g.op(
        f"{p}/intermediate/Mul_1",
        "Mul",
        g.op(
            f"{p}/intermediate/Mul",
            "Mul",
            h,
            g.op(f"{p}/intermediate/Add", "Add", erf, g.const(f"{p}.one", np.float32(1))),
        ),
        g.const(f"{p}.half", np.float32(0.5)),
    )
    x = layer_norm_decomposed(
        g,
        f"{p}/output/LayerNorm",
        g.op(f"{p}/output/Add", "Add", linear(g, f"{p}/output/dense", gelu, 4 * dim, dim), x),
        dim,
    )
    first = g.op("/pooler/Gather", "Gather", x, g.const("first", np.int64(0)), axis=1)
    pooled = g.op(
        "/pooler/Tanh",
        "Tanh",
        g.op(
            "/pooler/dense",
            "Gemm",
            first,
            g.weight("pooler.dense.weight", dim, dim),
            g.weight("pooler.dense.bias", dim),
            transB=1,
        ),
    )
    ids_input = Input(("batch", "sequence"), dtype=np.int64, low=0, high=vocab)
    return g.build({ids: ids_input}, [x, pooled], 13, "bert"), {ids: ids_input}, {ids: [1, seq]}


def vit() -> Model:
    """Patch embedding, class token, one pre-norm encoder layer (fused QKV split in 3, Gelu), head on the class token."""
    g, dim = GraphBuilder(4), 16
    x = g.op(
        "/patch_embed/proj",
        "Conv",
        "pixel_values",
        g.weight("patch_embed.proj.weight", dim, 3, 4, 4),
        g.weight("patch_embed.proj.bias", dim),
        kernel_shape=[4, 4],
        strides=[4, 4],
    )
    x = g.op(
        "/patch_embed/Transpose",
        "Transpose",
        g.op("/patch_embed/Reshape", "Reshape", x, g.const("flat", [1, dim, -1])),
        perm=[0, 2, 1],
    )
    x = g.op("/Concat", "Concat", g.weight("cls_token", 1, 1, dim, scale=0.5), x, axis=1)
    x = g.op("/Add", "Add", x, g.weight("pos_embed", 1, 17, dim, scale=0.5))
    p = "/blocks.0"
    h = g.op(
        f"{p}/norm1",
        "LayerNormalization",
        x,
        g.weight("blocks.0.norm1.weight", dim, scale=0.1, offset=1.0),
        g.weight("blocks.0.norm1.bias", dim, scale=0.1),
        epsilon=1e-6,
    )
    q, k, v = g.op(
        f"{p}/attn/Split", "Split", linear(g, f"{p}/attn/qkv", h, dim, 3 * dim), axis=-1, num_outputs=3, outputs=3
    )
    x = g.op(
        f"{p}/Add",
        "Add",
        x,
        linear(g, f"{p}/attn/proj", attention(g, f"{p}/attn", q, k, v, 4, dim // 4, None), dim, dim),
    )
    h = g.op(
        f"{p}/norm2",
        "LayerNormalization",
        x,
        g.weight("blocks.0.norm2.weight", dim, scale=0.1, offset=1.0),
        g.weight("blocks.0.norm2.bias", dim, scale=0.1),
        epsilon=1e-6,
    )
    h = linear(
        g, f"{p}/mlp/fc2", g.op(f"{p}/mlp/act", "Gelu", linear(g, f"{p}/mlp/fc1", h, dim, 2 * dim)), 2 * dim, dim
    )
    x = g.op(f"{p}/Add_1", "Add", x, h)
    x = g.op(
        "/norm",
        "LayerNormalization",
        x,
        g.weight("norm.weight", dim, scale=0.1, offset=1.0),
        g.weight("norm.bias", dim, scale=0.1),
        epsilon=1e-6,
    )
    cls = g.op(
        "/Squeeze",
        "Squeeze",
        g.op("/Slice", "Slice", x, g.const("s0", [0]), g.const("s1", [1]), g.const("s_axes", [1])),
        g.const("sq_axes", [1]),
    )
    logits = g.op("/head", "Gemm", cls, g.weight("head.weight", 10, dim), g.weight("head.bias", 10), transB=1)
    pixels = Input((1, 3, 16, 16))
    return g.build({"pixel_values": pixels}, [logits], 20, "vit"), {"pixel_values": pixels}, {}


MODELS = {"resnet": resnet, "mobilenet": mobilenet, "bert": bert, "vit": vit}
