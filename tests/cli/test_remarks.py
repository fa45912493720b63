"""Fusion remarks (issue 19 item 3): `dlfc --remarks=fusion|fusion-all` and `--remarks-file`, every reason code."""

from __future__ import annotations

import json
from pathlib import Path

from xdsl.parser import Parser

from cli.conftest import EXAMPLES, Dlfc
from dlfc.compiler.context import make_context
from dlfc.compiler.remarks import FUSED, REASONS
from dlfc.compiler.utils.locations import fused_location, location_records
from dlfc.dialects import accel, graph
from dlfc.hw.target import table_toml, target_table

# conv a -> conv b (a red cell), a -> add directly and through b, then a chain of relus.
DIAMOND = """\
model diamond {
  input x: f32[1, 16, 32, 32]
  a = conv2d(x, 16, kernel=3, pad=1)
  b = conv2d(a, 16, kernel=3, pad=1)
  output relu(relu(relu(a + b)))
}
"""


# A conv and a transpose: a yellow cell (Many-to-Many -> Shuffle) that the cost model times slower fused.
def transpose_model(channels: int, size: int) -> str:
    return f"""\
model transposed {{
  input x: f32[1, {channels}, {size}, {size}]
  a = conv2d(x, {channels}, kernel=3, pad=1)
  output transpose(a, [0, 2, 3, 1])
}}
"""


def remarks(
    dlfc: Dlfc, tmp_path: Path, source: str, pipeline: str, kind: str = "fusion", hw: str = "mlu100"
) -> tuple[list[str], list]:
    """The remark lines on stderr and the --remarks-file records of compiling `source` with `pipeline` for `hw`."""
    model, report = tmp_path / "m.dlm", tmp_path / "remarks.json"
    model.write_text(source)
    args = [
        model,
        "--hw",
        hw,
        "--pass-pipeline",
        pipeline,
        f"--remarks={kind}",
        "--remarks-file",
        report,
        "-o",
        tmp_path / "p.mlir",
    ]
    result = dlfc(*args)
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    records = json.loads(report.read_text())
    assert len(records) == len(lines)
    return [line.replace(str(tmp_path) + "/", "") for line in lines], records


def test_fuse_dnnfusion_red_cells_and_convexity(dlfc: Dlfc, tmp_path: Path) -> None:
    lines, records = remarks(dlfc, tmp_path, DIAMOND, "fuse-dnnfusion")
    assert lines == [
        "m.dlm:5:27: remark: [fuse-dnnfusion] not fused (breaks-convexity): graph.conv2d (m.dlm:3) -> graph.add "
        "(m.dlm:5): a path from the block leaves it and comes back to the candidate: one kernel would wait on itself",
        "m.dlm:5:27: remark: [fuse-dnnfusion] not fused (illegal-mapping): graph.conv2d (m.dlm:3) -> graph.add "
        "(m.dlm:5): the fusion table's cell many_to_many -> many_to_many (red) forbids it: the block (5 ops) is "
        "many_to_many",
    ]
    assert records[1] == {
        "pass": "fuse-dnnfusion",
        "reason": "illegal-mapping",
        "accepted": False,
        "first": {"op": "graph.conv2d", "locations": [{"file": str(tmp_path / "m.dlm"), "line": 3, "column": 7}]},
        "second": {"op": "graph.add", "locations": [{"file": str(tmp_path / "m.dlm"), "line": 5, "column": 27}]},
        "message": "the fusion table's cell many_to_many -> many_to_many (red) forbids it: the block (5 ops) is "
        "many_to_many",
        "cell": "many_to_many -> many_to_many (red)",
        "block_ops": 5,
    }


def test_fuse_dnnfusion_block_limit(dlfc: Dlfc, tmp_path: Path) -> None:
    lines, records = remarks(dlfc, tmp_path, DIAMOND, "fuse-dnnfusion{max-ops=2}")
    window = [r for r in records if r["reason"] == "outside-window"]
    assert [(r["first"]["op"], r["second"]["op"], r["max_ops"], r["block_ops"]) for r in window] == [
        ("graph.add", "graph.relu", 2, 2),
        ("graph.conv2d", "graph.add", 2, 2),
        ("graph.relu", "graph.relu", 2, 2),
    ]
    assert "m.dlm:5:20: remark: [fuse-dnnfusion] not fused (outside-window): graph.add (m.dlm:5) -> graph.relu " \
        "(m.dlm:5): the block already has 2 ops (fuse-dnnfusion{max-ops=2})" in lines  # fmt: skip


def test_fuse_dnnfusion_capacity(dlfc: Dlfc, tmp_path: Path) -> None:
    lines, records = remarks(dlfc, tmp_path, transpose_model(64, 56), "fuse-dnnfusion")
    assert lines == [
        "m.dlm:4:10: remark: [fuse-dnnfusion] not fused (exceeds-capacity): graph.conv2d (m.dlm:3) -> graph.transpose "
        "(m.dlm:4): the fused kernel's working set needs 2007040 bytes per core even in its smallest row tiles on 1 "
        "core(s); mlu100 has 393216"
    ]
    # the transpose is not row-tileable, so the kernel runs whole: the conv's output (an intermediate) plus
    # 2 x (input + output) for double buffering, each 64 x 56 x 56 elements of 2 bytes (mlu100's FP16)
    tensor = 64 * 56 * 56 * 2
    assert records[0]["needed_bytes"] == tensor + 2 * (tensor + tensor) == 2007040
    assert (records[0]["needed_bytes"], records[0]["available_bytes"], records[0]["cores"]) == (2007040, 393216, 1)


def test_fuse_dnnfusion_unprofitable_yellow_cell(dlfc: Dlfc, tmp_path: Path) -> None:
    lines, records = remarks(dlfc, tmp_path, transpose_model(128, 7), "fuse-dnnfusion")
    assert lines == [
        "m.dlm:4:10: remark: [fuse-dnnfusion] not fused (unprofitable): graph.conv2d (m.dlm:3) -> graph.transpose "
        "(m.dlm:4): yellow cell: fused 32.7 µs > apart 23.49 µs on 1 core(s)"
    ]
    assert (records[0]["cell"], records[0]["fused_us"], records[0]["separate_us"]) == (
        "many_to_many -> shuffle (yellow)",
        32.7,
        23.49,
    )


def test_autotune_reasons(dlfc: Dlfc, tmp_path: Path) -> None:
    lines, _ = remarks(dlfc, tmp_path, DIAMOND, "autotune{window=1}")
    assert lines == [
        "m.dlm:4:7: remark: [autotune] not fused (illegal-mapping): graph.conv2d (m.dlm:3) -> graph.conv2d (m.dlm:4): "
        "the fusion table's cell many_to_many -> many_to_many (red) forbids it: the ops reaching graph.conv2d in the "
        "two kernels make it many_to_many",
        "m.dlm:5:27: remark: [autotune] not fused (breaks-convexity): graph.conv2d (m.dlm:3) -> graph.add (m.dlm:5): "
        "a path between them leaves both kernels (through graph.conv2d at m.dlm:4): one kernel would wait on itself",
        "m.dlm:5:27: remark: [autotune] not fused (outside-window): graph.conv2d (m.dlm:4) -> graph.add (m.dlm:5): "
        "2 ops together, more than the window of 1 (autotune{window})",
        "m.dlm:5:20: remark: [autotune] not fused (outside-window): graph.add (m.dlm:5) -> graph.relu (m.dlm:5): "
        "2 ops together, more than the window of 1 (autotune{window})",
        "m.dlm:5:15: remark: [autotune] not fused (outside-window): graph.relu (m.dlm:5) -> graph.relu (m.dlm:5): "
        "2 ops together, more than the window of 1 (autotune{window})",
        "m.dlm:5:10: remark: [autotune] not fused (outside-window): graph.relu (m.dlm:5) -> graph.relu (m.dlm:5): "
        "2 ops together, more than the window of 1 (autotune{window})",
    ]


def test_autotune_unprofitable_with_both_latencies(dlfc: Dlfc, tmp_path: Path) -> None:
    """On a chip whose barriers cost more than its launches (1 µs launch, 2000 cycles per core to synchronise),
    one core count for both ops costs more than the launch it saves (DLFusion's point)."""
    table = target_table("mlu100") | {"overhead.launch_us": 1.0, "overhead.sync_per_core_cycles": 2000}
    chip = tmp_path / "chip.toml"
    chip.write_text(table_toml(table))
    lines, records = remarks(dlfc, tmp_path, transpose_model(64, 56), "autotune", hw=str(chip))
    assert lines == [
        "m.dlm:4:10: remark: [autotune] not fused (unprofitable): graph.conv2d (m.dlm:3) -> graph.transpose "
        "(m.dlm:4): one kernel 48.486 µs on 4 core(s) >= the two 44.303 µs (8 and 4 cores)"
    ]
    assert (records[0]["fused_us"], records[0]["separate_us"], records[0]["fused_cores"]) == (48.486, 44.303, 4)


def test_every_reason_code_is_covered_above(dlfc: Dlfc, tmp_path: Path) -> None:
    """The cases above between them give every reason code (and fusion-all the accepted merges)."""
    seen = set()
    for source, pipeline in [
        (DIAMOND, "fuse-dnnfusion{max-ops=2},autotune{window=1}"),
        (transpose_model(64, 56), "fuse-dnnfusion,autotune"),
        (transpose_model(128, 7), "fuse-dnnfusion"),
    ]:
        _, records = remarks(dlfc, tmp_path, source, pipeline, "fusion-all")
        seen |= {r["reason"] for r in records}
    assert seen == {*REASONS, FUSED}


def test_fusion_all_lists_accepted_merges_too(dlfc: Dlfc, tmp_path: Path) -> None:
    rejected, _ = remarks(dlfc, tmp_path, DIAMOND, "fuse-dnnfusion,autotune")
    everything, records = remarks(dlfc, tmp_path, DIAMOND, "fuse-dnnfusion,autotune", "fusion-all")
    assert [line for line in everything if "] fused: " not in line] == rejected
    accepted = [r for r in records if r["accepted"]]
    assert accepted and all(r["reason"] == "fused" for r in accepted)
    assert "m.dlm:5:20: remark: [fuse-dnnfusion] fused: graph.add (m.dlm:5) -> graph.relu (m.dlm:5): cell " \
        "many_to_many -> one_to_one (green)" in everything  # fmt: skip


def test_remarks_do_not_change_the_plan(dlfc: Dlfc, tmp_path: Path) -> None:
    plain, remarked = tmp_path / "plain.mlir", tmp_path / "p.mlir"
    (tmp_path / "m.dlm").write_text(DIAMOND)
    pipeline = "fuse-dnnfusion,autotune,convert-fusion-to-accel"
    assert dlfc(tmp_path / "m.dlm", "--pass-pipeline", pipeline, "-o", plain).code == 0  # fills the tuning cache
    lines, _ = remarks(dlfc, tmp_path, DIAMOND, pipeline)
    assert lines and remarked.read_text() == plain.read_text()


def test_remarks_file_and_output_cannot_be_one_file(dlfc: Dlfc, tmp_path: Path) -> None:
    (tmp_path / "m.dlm").write_text(DIAMOND)
    result = dlfc(tmp_path / "m.dlm", "--remarks-file", tmp_path / "p.mlir", "-o", tmp_path / "p.mlir")
    assert result.code == 1
    assert (
        result.err == f"dlfc: error: --remarks-file {tmp_path / 'p.mlir'}: also the file of -o; choose another path\n"
    )
    assert not (tmp_path / "p.mlir").exists()


def test_bert_base_lists_each_rejected_merge_with_its_reason(dlfc: Dlfc, tmp_path: Path) -> None:
    """Every pair of bert_base's kernels where one feeds the other has autotune's remark, at two of their ops."""
    report, plan = tmp_path / "r.json", tmp_path / "p.mlir"
    args = ["--remarks=fusion", "--remarks-file", report, "--mlir-print-debuginfo", "-o", plan]
    result = dlfc(EXAMPLES / "bert_base.dlm", *args)
    assert result.code == 0
    records = json.loads(report.read_text())
    lines = result.err.splitlines()
    assert len(lines) == len(records) > 100
    assert all(line.startswith(f"{EXAMPLES / 'bert_base.dlm'}:") and ": remark: [" in line for line in lines)
    assert {r["reason"] for r in records} <= set(REASONS) and not any(r["accepted"] for r in records)

    def where(locations: list[dict]) -> set[tuple]:
        return {(loc["line"], loc["column"], str(loc.get("called_from"))) for loc in locations}

    pairs = [
        where(r["first"]["locations"]) | where(r["second"]["locations"]) for r in records if r["pass"] == "autotune"
    ]
    module = Parser(make_context(), plan.read_text()).parse_module()
    kernels = [op for op in module.walk() if isinstance(op, accel.KernelOp)]
    producer = {r: k for k in kernels for r in k.results}
    fed = 0
    for consumer in kernels:
        for source in {producer[v] for v in consumer.operands if v in producer}:
            ops = [o for k in (source, consumer) for o in k.body.block.ops if isinstance(o, graph.GraphOp)]
            inside = where(location_records(fused_location(ops)))
            assert any(pair <= inside for pair in pairs), (source.sym_name, consumer.sym_name)
            fed += 1
    assert fed >= len(kernels) - 1
