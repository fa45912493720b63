"""The fusion passes from the command line: --emit dot, --stats, --profile-db, and the DOT writer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fusion_testing import fuse, groups, model

from dlfc.compiler.cli import main
from dlfc.compiler.conversion.convert_fusion_to_accel import ConvertFusionToAccelPass
from dlfc.compiler.emit_dot import module_to_dot

RESNET = """
model tiny_resnet {
  input image: f32[1, 3, 16, 16]
  x = relu(batchnorm(conv2d(image, 8, kernel=3, pad=1)))
  y = relu(batchnorm(conv2d(x, 8, kernel=3, pad=1)))
  y = batchnorm(conv2d(y, 8, kernel=3, pad=1))
  x = relu(y + x)
  output softmax(dense(flatten(global_avgpool(x)), 10))
}
"""

ATTENTION = """
model attention {
  input x: f32[1, 16, 32]
  q = transpose(reshape(dense(x, 32), [1, -1, 2, 16]), [0, 2, 1, 3])
  k = transpose(reshape(dense(x, 32), [1, -1, 2, 16]), [0, 2, 3, 1])
  output softmax(q @ k * 0.25)
}
"""


@pytest.fixture
def resnet(tmp_path: Path) -> Path:
    path = tmp_path / "tiny_resnet.dlm"
    path.write_text(RESNET)
    return path


def check_dot(text: str) -> tuple[int, set[str]]:
    """The number of clusters and the node names; fails unless every edge joins declared nodes."""
    assert text.startswith("digraph dlfc {") and text.rstrip().endswith("}")
    assert text.count("{") == text.count("}")
    nodes = set(re.findall(r"^\s*(\w+) \[label=", text, re.MULTILINE))
    for a, b in re.findall(r"^\s*(\w+) -> (\w+);", text, re.MULTILINE):
        assert a in nodes and b in nodes
    return len(re.findall(r"subgraph cluster_\w+ \{", text)), nodes


def test_emit_dot_writes_groups_as_clusters(resnet: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main([str(resnet), "--emit", "dot", "-o", str(tmp_path / "graph.dot")]) == 0
    clusters, nodes = check_dot((tmp_path / "graph.dot").read_text())
    assert not list(tmp_path.glob("*.npz"))
    assert main([str(resnet), "--emit", "fusion"]) == 0
    plan = capsys.readouterr().out
    assert clusters == plan.count("fusion.group") > 1
    assert len([n for n in nodes if n.startswith("n")]) == len(re.findall(r"= graph\.(?!weight|constant)", plan))


def test_dot_of_every_level():
    m = model("a = relu(conv2d(x, 8, kernel=3, pad=1))\nb = sigmoid(x)\noutput a, b")
    clusters, nodes = check_dot(module_to_dot(m))
    assert clusters == 0 and len(nodes) == 6  # input, conv, relu, sigmoid, two outputs
    fuse(m)
    text = module_to_dot(m)
    clusters, nodes = check_dot(text)
    assert (clusters, len(nodes)) == (len(groups(m)), 6)
    assert "mapping many_to_many" in text and "seed a" in text
    fuse(m, ConvertFusionToAccelPass())
    clusters, nodes = check_dot(module_to_dot(m))
    assert (clusters, len(nodes)) == (2, 6)


def test_stats_report_the_fusion_groups(resnet: Path, capsys: pytest.CaptureFixture[str]):
    assert main([str(resnet), "--emit", "fusion", "--stats"]) == 0
    report = capsys.readouterr().err
    section = report[report.index("fuse-dnnfusion") :]
    assert re.search(r"\(S\) \d+ fusion groups", section) and re.search(r"\(S\) \d+ many_to_many groups", section)


@pytest.mark.parametrize("how", ["--profile-db", "pass option"])
def test_profile_db_is_written_then_reused(how: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    source, db = tmp_path / "attention.dlm", tmp_path / "db.json"
    source.write_text(ATTENTION)
    if how == "--profile-db":
        argv = [str(source), "--emit", "fusion", "--profile-db", str(db), "--stats"]
    else:
        argv = [str(source), "--pass-pipeline", f'fuse-dnnfusion{{profile-db="{db}"}}', "--stats"]
    assert main(argv) == 0
    first = capsys.readouterr()
    entries = json.loads(db.read_text())["entries"]
    assert entries and re.search(rf"\(S\) {len(entries)} profiled pairs", first.err)
    assert main(argv) == 0
    again = capsys.readouterr()
    assert "(S) 0 profiled pairs" in again.err and re.search(r"\(S\) [1-9]\d* profiling database hits", again.err)
    assert again.out == first.out and json.loads(db.read_text())["entries"] == entries


def test_a_broken_profile_db_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    source, db = tmp_path / "attention.dlm", tmp_path / "db.json"
    source.write_text(ATTENTION)
    db.write_text("{not json")
    assert main([str(source), "--emit", "fusion", "--profile-db", str(db)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "invalid profiling database" in err
