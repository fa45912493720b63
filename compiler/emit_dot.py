"""`dlfc --emit dot`: the graph as Graphviz DOT, each fusion group (or kernel) a cluster.

Nodes are the graph compute ops (kind and result shape, filled by mapping
type), the function's inputs and its outputs; weights and constants are left
out. A `fusion.group` or `accel.kernel` becomes a cluster labelled with its
name, op count and the attributes a planner gave it (`fusion.mapping`,
`fusion.seed`, `fusion.pattern`, and its core count: a group's `fusion.cores`, a
kernel's `cores`), shown without the dialect prefix. Edges follow the tensors,
across group boundaries too.

    dlfc examples/resnet18.dlm --emit dot -o resnet18.dot && dot -Tsvg resnet18.dot -o resnet18.svg
"""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, StringAttr
from xdsl.ir import Attribute, Operation, SSAValue

from dlfc.dialects import accel, fusion, graph

FILL = {
    graph.MappingType.ONE_TO_ONE: "#e8f5e9",
    graph.MappingType.REORGANIZE: "#fff8e1",
    graph.MappingType.SHUFFLE: "#fff3e0",
    graph.MappingType.ONE_TO_MANY: "#e3f2fd",
    graph.MappingType.MANY_TO_MANY: "#fce4ec",
}
"""Node fill colour by the op's mapping type."""

CLUSTER_ATTRS = (fusion.MAPPING_ATTR, fusion.SEED_ATTR, fusion.PATTERN_ATTR, fusion.CORES_ATTR)
"""The attributes a cluster label shows, in this order (an accel.kernel's core count is its `cores` property)."""


def quote(text: str) -> str:
    """A DOT string literal; newlines become DOT's centred line breaks."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def shape_text(value: SSAValue) -> str:
    return "x".join(str(d) for d in graph.shape_of(value.type)) or "scalar"


class DotWriter:
    """Builds the DOT text of one function: node ids, clusters and edges."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.source: dict[SSAValue, str] = {}
        """Each tensor value -> the node that produces it (through region boundaries)."""
        self.edges: dict[tuple[str, str], None] = {}
        self.count = 0

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def function(self, fn: func.FuncOp) -> None:
        self.lines.append(f"  // func @{fn.sym_name.data}")
        for i, arg in enumerate(fn.body.block.args):
            node = self.fresh("in")
            self.node(node, f"{arg.name_hint or f'input {i}'}\n{shape_text(arg)}", "shape=ellipse")
            self.source[arg] = node
        for op in fn.body.block.ops:
            if isinstance(op, func.ReturnOp):
                for i, value in enumerate(op.operands):
                    node = self.fresh("out")
                    self.node(node, f"output {i}\n{shape_text(value)}", "shape=ellipse")
                    self.edge(value, node)
            elif isinstance(op, graph.GraphOp):
                self.graph_op(op, "  ")
            elif op.regions and op.regions[0].blocks:
                self.cluster(op)

    def cluster(self, op: Operation) -> None:
        """A region op (fusion.group, accel.kernel): its body's ops inside a cluster."""
        body = op.regions[0].block
        for arg, value in zip(body.args, op.operands, strict=False):
            if value in self.source:
                self.source[arg] = self.source[value]
        members = [inner for inner in body.ops if isinstance(inner, graph.GraphOp)]
        name = op.properties.get("sym_name")
        title = name.data if isinstance(name, StringAttr) else op.name
        shown = [(key, cluster_attr(op, key)) for key in CLUSTER_ATTRS]
        notes = [f"{key.split('.', 1)[1]} {attr_text(attr)}" for key, attr in shown if attr is not None]
        label = "\n".join([f"{title} ({len(members)} ops)", *notes])
        self.lines.append(f"  subgraph {self.fresh('cluster_')} {{")
        self.lines.append(f"    label={quote(label)}; style=rounded; color=gray40;")
        for inner in members:
            self.graph_op(inner, "    ")
        self.lines.append("  }")
        terminator = body.last_op
        if terminator is not None:
            for result, value in zip(op.results, terminator.operands, strict=False):
                if value in self.source:
                    self.source[result] = self.source[value]

    def graph_op(self, op: graph.GraphOp, indent: str) -> None:
        node = self.fresh("n")
        label = f"{op.name.removeprefix('graph.')}\n{shape_text(op.results[0])}"
        self.node(node, label, f"fillcolor={quote(FILL[op.mapping_type()])}", indent)
        for value in op.operands:
            self.edge(value, node)
        for result in op.results:
            self.source[result] = node

    def node(self, node: str, label: str, attrs: str, indent: str = "  ") -> None:
        self.lines.append(f"{indent}{node} [label={quote(label)}, {attrs}];")

    def edge(self, value: SSAValue, target: str) -> None:
        source = self.source.get(value)
        if source is not None:
            self.edges[source, target] = None


def cluster_attr(op: Operation, key: str) -> Attribute | None:
    """The attribute `key` of a region op; for an accel.kernel, `fusion.cores` is its `cores` property."""
    if key == fusion.CORES_ATTR and isinstance(op, accel.KernelOp):
        return op.cores
    return op.attributes.get(key)


def attr_text(attr: Attribute) -> str:
    if isinstance(attr, StringAttr):
        return attr.data
    if isinstance(attr, IntegerAttr):
        return str(attr.value.data)
    return str(attr)


def module_to_dot(module: ModuleOp) -> str:
    """The DOT text of the module: one digraph with the ops of every function."""
    writer = DotWriter()
    for op in module.ops:
        if isinstance(op, func.FuncOp):
            writer.function(op)
    header = [
        "digraph dlfc {",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica"];',
    ]
    edges = [f"  {a} -> {b};" for a, b in writer.edges]
    return "\n".join([*header, *writer.lines, *edges, "}"]) + "\n"
