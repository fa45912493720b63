"""Fuzzing output paths: `dlfc -o` and `dlfc run --outputs/--trace/--report` onto every kind of target.

Each output option draws a target: a new file, an existing file, a directory,
a file in a missing folder, a symlink to a file, a dangling symlink, a
symlink to an input, an input itself (the model, the weights), or another
output's path. Property, for each command: exit status 0 or 1; a failure is
one `dlfc: error:` line naming no internal exception; the inputs never
change; after a failure no entry of the folder changed at all; no temporary
file is ever left behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from cli.test_safety import snapshot
from fuzz.harness import check_one_line_error, examples, fuzz, run_dlfc
from hypothesis import strategies as st

MODEL = """\
model tiny {
  input image: f32[1, 3, 8, 8]
  x = relu(batchnorm(conv2d(image, 4, kernel=3, pad=1)))
  output x
}
"""

TARGETS = ["new", "existing", "directory", "missing-folder", "link", "dangling", "link-to-input", "model", "weights"]
INPUTS = ["model.dlm", "weights.npz"]


def target_path(folder: Path, kind: str, index: int, suffix: str) -> str:
    """A path of the given kind in `folder` (creating what it needs), unique per `index`."""
    name = f"out{index}{suffix}"
    if kind == "existing":
        (folder / name).write_text("precious\n")
    elif kind == "directory":
        (folder / name).mkdir()
    elif kind == "missing-folder":
        return str(folder / "missing" / name)
    elif kind == "link":
        (folder / f"real{index}{suffix}").write_text("precious\n")
        (folder / name).symlink_to(f"real{index}{suffix}")
    elif kind == "dangling":
        (folder / name).symlink_to(f"nowhere{index}")
    elif kind == "link-to-input":
        (folder / name).symlink_to("model.dlm")
    elif kind in ("model", "weights"):
        return str(folder / INPUTS[kind == "weights"])
    return str(folder / name)


@st.composite
def commands(draw: st.DrawFn) -> tuple[str, list[str]]:
    """('compile' | 'run', a target kind per output option)."""
    command = draw(st.sampled_from(["compile", "run"]))
    count = 1 if command == "compile" else draw(st.integers(1, 3))
    return command, draw(st.lists(st.sampled_from(TARGETS), min_size=count, max_size=count))


def test_outputs_never_destroy_files(
    long: bool, capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    def check(case: tuple[str, list[str]]) -> None:
        command, kinds = case
        folder = tmp_path_factory.mktemp("outputs")
        (folder / "model.dlm").write_text(MODEL)
        np.savez(folder / "weights.npz", other=np.ones(2, np.float32))
        inputs = snapshot(folder)
        if command == "compile":
            args = [
                folder / "model.dlm",
                "--weights",
                folder / "weights.npz",
                "-o",
                target_path(folder, kinds[0], 0, ".mlir"),
            ]
        else:
            args = ["run", folder / "model.dlm", "--weights", folder / "weights.npz"]
            for index, (option, kind) in enumerate(zip(["--outputs", "--trace", "--report"], kinds, strict=False)):
                args += [option, target_path(folder, kind, index, ".npz" if option == "--outputs" else ".json")]
        before = snapshot(folder)
        outcome = run_dlfc(capsys, *args)
        check_one_line_error(outcome)
        after = snapshot(folder)
        assert not [name for name in after if os.path.basename(name).startswith(".dlfc-")], after
        assert {name: after.get(name) for name in inputs} == inputs, outcome.err
        if outcome.code == 1:
            assert after == before, outcome.err

    fuzz(commands(), check, examples(25, long, 8))
