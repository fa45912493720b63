"""The `dlfc` command line: compile a model to an accelerator plan.

    dlfc model.dlm -o plan.mlir          # .dlm (or .mlir at any level) -> accel plan
    dlfc model.dlm --emit graph          # stop at a level, print to stdout
    dlfc run model.dlm                   # execute on the hardware model (see `dlfc run --help`)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import PassPipeline
from xdsl.utils.exceptions import DiagnosticException, ParseError

from compiler.context import make_context
from compiler.passes import get_all_passes
from compiler.pipeline import Level, default_pipeline, level_of


class UsageError(Exception):
    """A problem with how dlfc was invoked or with its input files: reported in one line, exit 1."""


def dlfc_version() -> str:
    try:
        return version("dlfc")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlfc",
        description=(
            "Compile a DNN model (.dlm, or .mlir at any IR level) through the graph -> fusion -> accel "
            "levels and print the resulting plan in MLIR syntax. Run a model on the hardware model "
            "with 'dlfc run FILE' (see 'dlfc run --help')."
        ),
        epilog="example: dlfc examples/resnet50.dlm -o plan.mlir",
    )
    parser.add_argument("input", metavar="FILE", help="model to compile: a .dlm file or an .mlir module")
    parser.add_argument("-o", "--output", metavar="OUT", default="-", help="where to write the plan ('-' = stdout, the default)")
    parser.add_argument(
        "--emit",
        choices=[level.label for level in Level],
        default=Level.ACCEL.label,
        help="stop at this IR level: graph (one op per layer), fusion (fused groups) or accel (kernels with core counts; default)",
    )
    parser.add_argument("--weights", metavar="FILE.npz", help="weights by name; missing ones are initialised deterministically")
    parser.add_argument("--version", action="version", version=f"dlfc {dlfc_version()}")
    return parser


def load_module(path: str, weights: str | None) -> ModuleOp:
    """Read a model file into a verified module; DlmError / UsageError on bad input."""
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file")
    if path.endswith(".mlir"):
        return parse_mlir(path)
    if path.endswith(".dlm"):
        from compiler.frontend import load_dlm

        return load_dlm(path, weights)
    raise UsageError(f"{path}: unknown input kind (expected a .dlm or .mlir file)")


def parse_mlir(path: str) -> ModuleOp:
    from xdsl.parser import Parser

    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        module = Parser(make_context(), text, name=path).parse_module()
        module.verify()
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a text file")
    except (ParseError, DiagnosticException) as e:
        raise UsageError(first_line(str(e), path))
    return module


def first_line(message: str, path: str) -> str:
    """The first line of an xDSL diagnostic, prefixed by the file name."""
    lines = [line for line in message.strip().splitlines() if line.strip()]
    line = lines[0] if lines else "invalid input"
    return line if line.startswith(path) else f"{path}: {line}"


def run_passes(module: ModuleOp, passes: Sequence[str]) -> None:
    if not passes:
        return
    pipeline = PassPipeline.parse_spec(get_all_passes(), ",".join(passes), lambda *_: None)
    pipeline.apply(make_context(), module)
    module.verify()


def write_atomically(text: str, path: str) -> None:
    """Write `text` to `path` so that a failure never leaves a partial file ('-' = stdout)."""
    if path == "-":
        sys.stdout.write(text)
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".dlfc-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def compile_command(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    module = load_module(args.input, args.weights)
    stop = Level[args.emit.upper()]
    start = level_of(module)
    if start > stop:
        raise UsageError(f"{args.input}: input is already at the {start.label} level; cannot emit {stop.label}")
    run_passes(module, default_pipeline(start, stop))
    write_atomically(f"{module}\n", args.output)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from compiler.frontend.diagnostics import DlmError

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["run"]:
            from compiler.run import run_command

            return run_command(argv[1:])
        return compile_command(argv)
    except DlmError as e:
        print(e.format() if hasattr(e, "format") else str(e), file=sys.stderr)
    except UsageError as e:
        print(f"dlfc: error: {e}", file=sys.stderr)
    except OSError as e:
        print(f"dlfc: {e.filename or ''}: {e.strerror}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
