"""The output and error contracts, case by case (issue 14, classes: files destroyed, tracebacks, messages).

Every case runs a command in a temporary folder and checks its exit status,
the form of its message (one line `TOOL: error: ...`, no traceback, no
internal exception name, no .py path, no temporary file name), and that no
file of the folder changed except the intended outputs: the folder is
snapshotted (kind, inode and content hash of every entry) before and after.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from dlfc.compiler.cli import main as dlfc_main
from dlfc.compiler.opt import main as dlfc_opt_main

FOLDED = """\
model folded {
  input image: f32[1, 3, 8, 8]
  x = relu(batchnorm(conv2d(image, 4, kernel=3, pad=1)))
  output x
}
"""

MODEL = """\
model tiny {
  input image: f32[1, 3, 8, 8]
  x = relu(conv2d(image, 4, kernel=3, pad=1))
  output x
}
"""

INTERNAL_NAMES = re.compile(
    r"Traceback|\.py\b|\.dlfc-|\.tmp\b|(Key|Index|Attribute|Value|Type|ZeroDivision|Runtime|Assertion|OS)Error\b"
)

Snapshot = dict[str, tuple[str, int, str]]


def snapshot(folder: Path) -> Snapshot:
    """Every entry under `folder`: its kind, inode and (for a regular file) content hash; symlinks not followed."""
    entries: Snapshot = {}
    for path in sorted(folder.rglob("*")):
        mode = path.lstat().st_mode
        if stat.S_ISREG(mode):
            kind, digest = "file", hashlib.sha256(path.read_bytes()).hexdigest()
        elif stat.S_ISLNK(mode):
            kind, digest = "link", os.readlink(path)
        else:
            kind, digest = ("dir" if stat.S_ISDIR(mode) else "char" if stat.S_ISCHR(mode) else "other"), ""
        entries[str(path.relative_to(folder))] = (kind, path.lstat().st_ino, digest)
    return entries


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with model.dlm, weights.npz (the model's conv weight, made up) and a valid plan."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.dlm").write_text(MODEL)
    np.savez(tmp_path / "user.npz", other=np.ones(3, np.float32))
    return tmp_path


Command = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Command:
    """Run `dlfc ARGS` (or `dlfc-opt ARGS` with tool='dlfc-opt') in-process: exit status, stdout, stderr."""

    def command(*args: str, tool: str = "dlfc") -> tuple[int, str, str]:
        capsys.readouterr()
        code = (dlfc_main if tool == "dlfc" else dlfc_opt_main)(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return command


def assert_one_line_error(err: str, tool: str = "dlfc") -> str:
    """`err` is exactly one `TOOL: error: ...` line without internal names; returns the message."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{tool}: error: "), err
    assert not INTERNAL_NAMES.search(lines[0]), err
    return lines[0].removeprefix(f"{tool}: error: ")


def check_failure(folder: Path, run: Command, args: Sequence[str], message: str, tool: str = "dlfc") -> None:
    """The command fails with exactly `message` and leaves every file of `folder` as it was."""
    before = snapshot(folder)
    code, out, err = run(*args, tool=tool)
    assert (code, out) == (1, "")
    assert assert_one_line_error(err, tool) == message
    assert snapshot(folder) == before


# --------------------------------------------------------------------------- files destroyed


def make_plan(folder: Path, run: Command) -> Path:
    """plan.mlir with its plan.npz of computed (folded) weights."""
    (folder / "folded.dlm").write_text(FOLDED)
    assert run("folded.dlm", "-o", "plan.mlir")[0] == 0
    return folder / "plan.mlir"


OUTPUT_FAILURES = [
    (["model.dlm", "-o", "outdir"], "-o outdir: is a directory"),
    (["model.dlm", "-o", "missing/plan.mlir"], "-o missing/plan.mlir: directory missing does not exist"),
    (["model.dlm", "--weights", "user.npz", "-o", "user.mlir"], None),
    (["model.dlm", "-o", "model.dlm"], "-o model.dlm would overwrite the input model.dlm; choose another output path"),
    (["model.dlm", "-o", "link.dlm"], "-o link.dlm would overwrite the input model.dlm; choose another output path"),
    (["model.dlm", "-o", "/dev/full"], "/dev/full: cannot write: No space left on device"),
    (["run", "model.dlm", "--outputs", "outdir"], "--outputs outdir: is a directory"),
    (["run", "model.dlm", "--report", "model.dlm"], None),
    (["run", "model.dlm", "--inputs", "user.npz", "--outputs", "user.npz"], None),
    (["run", "model.dlm", "--trace", "t.json", "--report", "t.json"], None),
    (["run", "model.dlm", "--trace", "/dev/full"], "/dev/full: cannot write: No space left on device"),
    (["run", "model.dlm", "--report", "missing/r.json"], "--report missing/r.json: directory missing does not exist"),
]


@pytest.mark.parametrize(("args", "message"), OUTPUT_FAILURES, ids=[" ".join(a) for a, _ in OUTPUT_FAILURES])
def test_a_bad_output_fails_and_changes_nothing(
    folder: Path, run: Command, args: list[str], message: str | None
) -> None:
    (folder / "outdir").mkdir()
    (folder / "link.dlm").symlink_to("model.dlm")
    expected = {
        "model.dlm --weights user.npz -o user.mlir": "-o user.mlir: its weights file user.npz would overwrite the "
        "input user.npz; choose another output path",
        "run model.dlm --report model.dlm": "--report model.dlm would overwrite the input model.dlm; "
        "choose another output path",
        "run model.dlm --inputs user.npz --outputs user.npz": "--outputs user.npz would overwrite the input "
        "user.npz; choose another output path",
        "run model.dlm --trace t.json --report t.json": "--report t.json: also the file of --trace; "
        "choose another path",
    }
    check_failure(folder, run, args, message or expected[" ".join(args)])


def test_the_weights_the_user_gave_are_never_overwritten(folder: Path, run: Command) -> None:
    """`--weights model.npz -o model.mlir`: the plan's weights file would be model.npz, the user's input."""
    np.savez(folder / "model.npz", other=np.ones(2, np.float32))
    check_failure(
        folder,
        run,
        ["model.dlm", "--weights", "model.npz", "-o", "model.mlir"],
        "-o model.mlir: its weights file model.npz would overwrite the input model.npz; choose another output path",
    )


def test_a_plans_own_weights_file_is_an_input(folder: Path, run: Command) -> None:
    """Compiling plan.mlir to other.mlir must not replace plan.npz, which plan.mlir reads."""
    make_plan(folder, run)
    (folder / "plan.npz").rename(folder / "other.npz")
    text = (folder / "plan.mlir").read_text().replace('dlfc.weights = "plan.npz"', 'dlfc.weights = "other.npz"')
    (folder / "plan.mlir").write_text(text)
    check_failure(
        folder,
        run,
        ["plan.mlir", "-o", "other.mlir"],
        "-o other.mlir: its weights file other.npz would overwrite the input other.npz; choose another output path",
    )


@pytest.fixture
def device(folder: Path) -> Path:
    """A character device equal to /dev/null, made in the folder (root only)."""
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    path = folder / "null"
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["model.dlm", "-o", "null"],
        ["model.dlm", "-o", "null-link"],
        ["run", "model.dlm", "--outputs", "null", "--trace", "null-link", "--report", "null"],
    ],
)
def test_a_device_is_written_through_never_replaced(folder: Path, device: Path, run: Command, args: list[str]) -> None:
    (folder / "null-link").symlink_to("null")
    before = snapshot(folder)
    code, _, err = run(*args)
    assert code == 0
    assert err in (
        "",
        "dlfc: warning: the plan goes to null, so its 2 computed weight(s) "
        "(conv.bias.folded, conv.weight.folded) are not saved and running it will fail; "
        "write it with -o PLAN.mlir (dlfc) to keep them in PLAN.npz\n",
    )
    assert snapshot(folder) == before  # no null.npz beside the device either
    assert stat.S_ISCHR(device.stat().st_mode)


def test_dev_null_as_the_output(run: Command, folder: Path) -> None:
    """The real /dev/null: exit 0 and still a character device."""
    code, _, err = run("model.dlm", "-o", "/dev/null")
    assert (code, err) == (0, "")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_symlink_to_a_regular_file_stays_a_link(folder: Path, run: Command) -> None:
    (folder / "target.mlir").write_text("old\n")
    (folder / "link.mlir").symlink_to("target.mlir")
    assert run("model.dlm", "-o", "link.mlir")[0] == 0
    assert (folder / "link.mlir").is_symlink()
    assert (folder / "target.mlir").read_text().startswith("builtin.module")


def test_a_successful_compile_leaves_only_its_outputs(folder: Path, run: Command) -> None:
    (folder / "folded.dlm").write_text(FOLDED)
    before = snapshot(folder)
    assert run("folded.dlm", "-o", "plan.mlir")[0] == 0
    assert sorted(set(snapshot(folder)) - set(before)) == ["plan.mlir", "plan.npz"]


def test_dlfc_opt_keeps_the_output_when_its_input_fails(folder: Path, run: Command) -> None:
    (folder / "bad.mlir").write_text("garbage\n")
    (folder / "keep.mlir").write_text("precious\n")
    check_failure(
        folder, run, ["bad.mlir", "-o", "keep.mlir"], "bad.mlir:2:1: Operation garbage is not registered", "dlfc-opt"
    )


def test_dlfc_opt_refuses_to_overwrite_its_input(folder: Path, run: Command) -> None:
    make_plan(folder, run)
    check_failure(
        folder,
        run,
        ["plan.mlir", "-o", "plan.mlir"],
        "-o plan.mlir would overwrite the input plan.mlir; choose another output path",
        "dlfc-opt",
    )


# --------------------------------------------------------------------------- tracebacks and messages


BROKEN_PLUGIN = """\
import sys
from dataclasses import dataclass
from xdsl.passes import ModulePass


@dataclass(frozen=True)
class ExitPass(ModulePass):
    name = "test-exit"

    def apply(self, ctx, op):
        sys.exit("the plugin gave up")
"""


MESSAGE_CASES = [
    (["run", "model.dlm", "--seed", "-1"], "argument --seed: -1 is out of range (0 <= N < 2**64) (see dlfc --help)"),
    (["run", "model.dlm", "--seed", "x"], "argument --seed: 'x' is not an integer (see dlfc --help)"),
    (["missing.dlm"], "missing.dlm: no such file"),
    (["model.txt"], "model.txt: unknown input kind (expected .dlm or .mlir or .onnx)"),
    (
        ["model.dlm", "--pass-pipeline", "cse,fuse-dnnfusion{cores=0}"],
        "pass 'fuse-dnnfusion': fuse-dnnfusion: cores must be positive, got 0",
    ),
    (
        ["model.dlm", "--pass-pipeline", "cse,autotune{window=0}"],
        "pass 'autotune' failed: autotune: window and max-states must be positive, got 0 and 20000",
    ),
    (
        ["model.dlm", "--pass-pipeline", "cse,oracle{jobs=0}"],
        "pass 'oracle': oracle: jobs and limit must be positive, got jobs=0 limit=50000",
    ),
    (
        ["model.dlm", "--pass-pipeline", "cse,oracle{time-limit=-1.0}"],
        "pass 'oracle': oracle: time-limit must be a number of seconds >= 0 (0: no limit), got -1.0",
    ),
    (
        ["model.dlm", "--pass-pipeline", 'cse,oracle{mode="x"}'],
        "pass 'oracle': oracle: mode must be 'windows' or 'exact', got 'x'",
    ),
    (
        ["model.dlm", "--load-pass-plugin", "exit_plugin.py", "--pass-pipeline", "test-exit"],
        "the plugin gave up (a pass or plugin called sys.exit)",
    ),
]


@pytest.mark.parametrize(("args", "message"), MESSAGE_CASES, ids=[" ".join(a) for a, _ in MESSAGE_CASES])
def test_dlfc_errors_are_one_line(folder: Path, run: Command, args: list[str], message: str) -> None:
    (folder / "exit_plugin.py").write_text(BROKEN_PLUGIN)
    check_failure(folder, run, args, message)


OPT_CASES = [
    (["missing.mlir"], "missing.mlir: no such file"),
    (["outdir"], "outdir: is a directory"),
    (["plan.mlir", "-o", "missing/out.mlir"], "-o missing/out.mlir: directory missing does not exist"),
    (["plan.mlir", "-o", "outdir"], "-o outdir: is a directory"),
    (["plan.mlir", "-o", "/dev/full"], "/dev/full: cannot write: No space left on device"),
]


@pytest.mark.parametrize(("args", "message"), OPT_CASES, ids=[" ".join(a) for a, _ in OPT_CASES])
def test_dlfc_opt_errors_are_one_line(folder: Path, run: Command, args: list[str], message: str) -> None:
    make_plan(folder, run)
    (folder / "outdir").mkdir()
    check_failure(folder, run, args, message, "dlfc-opt")


def test_an_internal_error_hides_its_class_and_source_and_debug_shows_them(
    folder: Path, run: Command, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug (here: a KeyError in a dlfc pass) is one line; --debug adds the traceback."""
    from dlfc.compiler.transforms import graph_simplify_shapes

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError(31)

    monkeypatch.setattr(graph_simplify_shapes.GraphSimplifyShapesPass, "apply", broken)
    before = snapshot(folder)
    code, out, err = run("model.dlm", "-o", "plan.mlir")
    assert (code, out) == (1, "")
    assert assert_one_line_error(err) == (
        "pass 'graph-simplify-shapes' failed: internal error (a bug; rerun with --debug for the traceback)"
    )
    assert snapshot(folder) == before
    code, _, err = run("model.dlm", "-o", "plan.mlir", "--debug")
    assert code == 1 and "Traceback" in err and "KeyError: 31" in err
    assert err.splitlines()[-1].startswith("dlfc: error: pass 'graph-simplify-shapes' failed: internal error")


@pytest.mark.parametrize("output", ["-", "null"])
def test_computed_weights_that_cannot_be_kept_are_announced(
    folder: Path, run: Command, output: str, request: pytest.FixtureRequest
) -> None:
    """Batch norm folding computes weights; a plan on stdout or a device cannot keep them beside it."""
    if output == "null":
        request.getfixturevalue("device")
    (folder / "folded.dlm").write_text(FOLDED)
    before = snapshot(folder)
    code, out, err = run("folded.dlm", "-o", output)
    assert code == 0 and (out.startswith("builtin.module") if output == "-" else out == "")
    assert err == (
        f"dlfc: warning: the plan goes to {'stdout' if output == '-' else output}, so its 3 computed weight(s) "
        "(x.conv2d.bias.folded, x.conv2d.scale.folded, x.conv2d.weight.folded) are not saved and running it will fail; "
        "write it with -o PLAN.mlir (dlfc) to keep them in PLAN.npz\n"
    )
    assert snapshot(folder) == before


def test_an_integer_is_accepted_for_a_float_option(run: Command, folder: Path) -> None:
    """docs/tuning.md writes oracle{time-limit=60}."""
    code, out, err = run("model.dlm", "--pass-pipeline", "oracle{time-limit=60}", "--print-pipeline")
    assert (code, err) == (0, "")
    assert "time-limit=60.0" in out or "time_limit=60.0" in out


def test_an_undefined_option_type_does_not_break_list_passes(run: Command, folder: Path) -> None:
    (folder / "undef.py").write_text(
        "from dataclasses import dataclass\nfrom xdsl.passes import ModulePass\n\n\n"
        "@dataclass(frozen=True)\nclass P(ModulePass):\n"
        '    name = "test-undef"\n    x: "Undefined" = 1\n\n    def apply(self, ctx, op):\n        pass\n'
    )
    code, out, err = run("--list-passes", "--load-pass-plugin", "undef.py")
    assert (code, err) == (0, "")
    assert "      x: Undefined = 1\n" in out


def test_running_a_plan_whose_weights_are_missing_names_the_file(folder: Path, run: Command) -> None:
    make_plan(folder, run)
    (folder / "plan.npz").unlink()
    check_failure(
        folder,
        run,
        ["run", "plan.mlir"],
        "plan.mlir: the plan's weights file plan.npz (dlfc.weights) is missing; "
        "write the plan with dlfc -o PLAN.mlir to get PLAN.npz beside it",
    )


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "sub/../../x.npz"])
def test_a_plan_cannot_name_weights_outside_its_folder(folder: Path, run: Command, name: str) -> None:
    plan = make_plan(folder, run)
    plan.write_text(plan.read_text().replace('dlfc.weights = "plan.npz"', f'dlfc.weights = "{name}"'))
    check_failure(
        folder,
        run,
        ["run", "plan.mlir"],
        f'plan.mlir: dlfc.weights = "{name}" names a file outside the plan\'s folder; refused',
    )


def test_a_fifo_as_weights_does_not_block(folder: Path, run: Command) -> None:
    os.mkfifo(folder / "pipe.npz")
    code, out, err = run("model.dlm", "--weights", "pipe.npz")
    assert (code, out) == (1, "")
    assert err.splitlines()[0].endswith("not a regular file"), err


def test_an_npz_member_claiming_more_than_it_holds_is_refused_before_reading(folder: Path, run: Command) -> None:
    """A header claiming 37 GiB: one line, no allocation (it would fail, or take the machine's memory)."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (10**10,)})
    with zipfile.ZipFile(folder / "huge.npz", "w") as archive:
        archive.writestr("image.npy", header.getvalue() + np.ones(2, np.float32).tobytes())
    size = len(header.getvalue()) + 8
    check_failure(
        folder,
        run,
        ["run", "model.dlm", "--inputs", "huge.npz"],
        f"--inputs huge.npz: 'image' claims 40000000000 bytes ([10000000000] of float32) but holds {size}: corrupt",
    )


@pytest.mark.parametrize("output", [None, "out.mlir"])
def test_dlfc_opt_announces_the_weights_it_cannot_write(folder: Path, run: Command, output: str | None) -> None:
    """dlfc-opt writes no weights file: batch norm folding's computed weights are announced on stderr."""
    (folder / "folded.dlm").write_text(FOLDED)
    code, out, err = run(
        "folded.dlm", "-p", "graph-fold-batchnorm", *(["-o", output] if output else []), tool="dlfc-opt"
    )
    assert code == 0
    assert ("x.conv2d.weight.folded" in out) == (output is None)
    assert err == (
        f"dlfc-opt: warning: the plan goes to {output or 'stdout'}, so its 3 computed weight(s) "
        "(x.conv2d.bias.folded, x.conv2d.scale.folded, x.conv2d.weight.folded) are not saved and running it will fail; "
        "write it with -o PLAN.mlir (dlfc) to keep them in PLAN.npz\n"
    )
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".npz") == ["user.npz"]


def test_dlfc_opt_says_nothing_when_no_weight_was_computed(folder: Path, run: Command) -> None:
    code, _, err = run("model.dlm", "-p", "graph-fold-batchnorm", "-o", "out.mlir", tool="dlfc-opt")
    assert (code, err) == (0, "")


@pytest.mark.parametrize("name", ["../elsewhere/plan.npz", "/etc/passwd", "missing.npz"])
def test_explicit_weights_override_a_plans_unreadable_weights_file(folder: Path, run: Command, name: str) -> None:
    """`dlfc run plan.mlir --weights FILE`: the user's file replaces the one the plan names, wherever that points."""
    plan = make_plan(folder, run)
    assert run("run", "plan.mlir", "--outputs", "expected.npz")[0] == 0
    (folder / "plan.npz").rename(folder / "mine.npz")
    plan.write_text(plan.read_text().replace('dlfc.weights = "plan.npz"', f'dlfc.weights = "{name}"'))
    code, _, err = run("run", "plan.mlir", "--weights", "mine.npz", "--outputs", "got.npz")
    assert (code, err) == (0, "")
    with np.load(folder / "expected.npz") as expected, np.load(folder / "got.npz") as got:
        assert np.array_equal(expected["output0"], got["output0"])
    message = (
        "the plan's weights file missing.npz (dlfc.weights) is missing; "
        "write the plan with dlfc -o PLAN.mlir to get PLAN.npz beside it"
        if name == "missing.npz"
        else f'dlfc.weights = "{name}" names a file outside the plan\'s folder; refused'
    )
    check_failure(folder, run, ["run", "plan.mlir"], f"plan.mlir: {message}")


def test_explicit_weights_override_a_plans_own_arrays(folder: Path, run: Command) -> None:
    """--weights arrays win over the plan's file by name; the plan's other arrays stay."""
    make_plan(folder, run)
    with np.load(folder / "plan.npz") as arrays:
        names = {name: arrays[name] for name in arrays.files}
    bias = next(name for name in names if name.endswith("bias.folded"))
    np.savez(folder / "bias.npz", **{bias: np.full_like(names[bias], 1e3)})
    code, _, err = run("run", "plan.mlir", "--weights", "bias.npz", "--outputs", "got.npz")
    assert (code, err) == (0, "")
    with np.load(folder / "got.npz") as got:
        assert got["output0"].min() > 500  # relu(conv + 1000) with small weights on standard-normal inputs
