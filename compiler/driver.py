"""The driver layer that every dlfc tool builds on: `dlfc`, `dlfc run` and `dlfc-opt`.

As xDSL's `xdsl/tools/command_line_tool.py`, a tool is a thin subclass of
`CommandLineTool`: it declares its arguments and its `execute` step; the base
class parses the command line and is the error boundary, the one place where
an exception becomes a `PROG: error: ...` line (or a `FILE:LINE:COL: error:`
diagnostic for a model file) and exit status 1.

It is also the one place where tools read their inputs (`load_module`, by file
extension: `.dlm`, `.mlir`, `.onnx`) and open their outputs (`atomic_file`
and the writers built on it): an output appears whole or not at all.
"""

from __future__ import annotations

import argparse
import io
import os
import stat
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import IO, Any, NoReturn

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Attribute
from xdsl.utils.exceptions import DiagnosticException, ParseError

from dlfc.compiler.instruments import dump_header, print_module
from dlfc.compiler.pass_manager import INTERNAL_ERROR, PassFailure, describe_exception, verification_error
from dlfc.compiler.pipeline import PipelineError
from dlfc.compiler.plugins import PluginError
from dlfc.compiler.utils.locations import file_location, format_position
from dlfc.dialects.graph import WeightOp
from dlfc.hw.reference import ExecutionError
from dlfc.hw.weights import (
    WEIGHTS_ATTR,
    WeightError,
    dump_npz,
    load_plan_weights,
    plan_weights,
    plan_weights_path,
    store_of,
)


class UsageError(Exception):
    """A problem with how dlfc was invoked or with its input files: reported in one line, exit 1."""


def raised_by_tool(error: SystemExit) -> bool:
    """Whether `error` is argparse's exit (--help, --version) or xdsl-opt's own, not a plugin's `sys.exit`."""
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and os.path.basename(frames[-1].filename) in ("argparse.py", "xdsl_opt_main.py")


def unexpected_error(error: BaseException) -> str:
    """An exception no tool expects (a bug in dlfc or a plugin), in one line without its class name or source."""
    text = describe_exception(error)
    return text if text == INTERNAL_ERROR else f"{text} (rerun with --debug for the traceback)"


def dlfc_version() -> str:
    try:
        return version("dlfc")
    except PackageNotFoundError:
        return "unknown"


class ArgumentParser(argparse.ArgumentParser):
    """argparse, with its errors reported like every other dlfc error (one line, exit 1)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see dlfc --help)")


def parse_error_message(error: ParseError) -> str:
    """`FILE:LINE:COL: message`, the first line of xDSL's diagnostic."""
    file, line, column = error.span.get_location()
    message = error.msg.strip().splitlines()
    return f"{file}:{line}:{column}: {message[0] if message else 'parse error'}"


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class InputOptions:
    """What the command line says about reading the input, for the front ends."""

    weights: str | None = None
    """A .npz file of weights by name (.dlm models only)."""
    input_shapes: Sequence[str] = ()
    """`NAME=D0,D1,...` static shapes of ONNX model inputs."""


def parse_mlir(path: str, ctx: Context, plan_weights: bool = True) -> ModuleOp:
    """The verified module of an .mlir file, with the store of the weights file it names (unless not `plan_weights`)."""
    from xdsl.parser import Parser

    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        module = Parser(ctx, text, name=path).parse_module()
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a text file") from None
    except ParseError as e:
        raise UsageError(parse_error_message(e)) from None
    except DiagnosticException as e:
        raise UsageError(f"{path}: {describe_exception(e)}") from None
    problem = verification_error(module)
    if problem is not None:
        raise UsageError(f"{path}: invalid IR: {problem}")
    if not plan_weights:
        return module
    try:
        load_plan_weights(module, path)
    except WeightError as e:
        raise UsageError(f"{path}: {e}") from None
    return module


def read_dlm(path: str, options: InputOptions, ctx: Context) -> ModuleOp:
    from dlfc.compiler.frontend import load_dlm

    return load_dlm(path, options.weights)


def read_mlir(path: str, options: InputOptions, ctx: Context) -> ModuleOp:
    if options.weights is not None:
        raise UsageError("--weights applies to .dlm models; an .mlir module names its weights only")
    return parse_mlir(path, ctx)


def read_onnx(path: str, options: InputOptions, ctx: Context) -> ModuleOp:
    from dlfc.compiler.frontend.onnx import OnnxImportError, load_onnx, parse_input_shape

    if options.weights is not None:
        raise UsageError("--weights applies to .dlm models; an ONNX model carries its own weights")
    try:
        return load_onnx(path, dict(parse_input_shape(spec) for spec in options.input_shapes))
    except OnnxImportError as e:
        raise UsageError(str(e)) from None


Frontend = Callable[[str, InputOptions, Context], ModuleOp]

# File extension -> the function that reads such a file into a verified module.
FRONTENDS: dict[str, Frontend] = {".dlm": read_dlm, ".mlir": read_mlir, ".onnx": read_onnx}


def load_module(path: str, options: InputOptions, ctx: Context) -> ModuleOp:
    """Read the input into a verified module; DlmError / UsageError on bad input."""
    extension = os.path.splitext(path)[1]
    if extension not in FRONTENDS:
        raise UsageError(f"{path}: unknown input kind (expected {' or '.join(FRONTENDS)})")
    if not os.path.isfile(path):
        raise UsageError(f"{path}: no such file")
    return FRONTENDS[extension](path, options, ctx)


# --------------------------------------------------------------------------- output


def same_file(a: str, b: str) -> bool:
    """Whether paths `a` and `b` name one file: the same resolved path, or the same inode."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def is_special(path: str) -> bool:
    """Whether `path` (symlinks followed) exists and is neither a regular file nor a directory: a device, a FIFO."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def check_outputs(outputs: Mapping[str, str], inputs: Iterable[str | None] = ()) -> None:
    """Fail (UsageError naming the user's path) unless every output can be written and none is an input.

    `outputs` maps each output path to what names it on the command line (`-o`,
    `--outputs`, ...); '-' (stdout) and special files (devices, FIFOs) are
    always writable. Called before any work starts, so a bad output path costs
    nothing; `write_outputs` is what writes them.
    """
    for path, option in outputs.items():
        if path == "-" or is_special(path):
            continue
        real = os.path.realpath(path)
        if os.path.isdir(real):
            raise UsageError(f"{option} {path}: is a directory")
        directory = os.path.dirname(real)
        if not os.path.isdir(directory):
            raise UsageError(f"{option} {path}: directory {os.path.dirname(path) or '.'} does not exist")
        if not os.access(directory, os.W_OK | os.X_OK):
            raise UsageError(f"{option} {path}: directory {os.path.dirname(path) or '.'} is not writable")
        for given in inputs:
            if given is not None and given != "-" and same_file(path, given):
                raise UsageError(f"{option} {path} would overwrite the input {given}; choose another output path")


def write_outputs(files: Mapping[str, str | bytes]) -> None:
    """Write each output (path -> contents): all of them, or (on any failure) no regular file changes.

    The one way dlfc writes a file. A regular file (or a new one) is written to a
    temporary file beside it and renamed over it once every output is ready (a
    symlink to a regular file keeps its link: its target is replaced); '-' is
    stdout; a special file (a device such as /dev/null, a FIFO, a symlink to
    one) is written through and never replaced. A write error (ENOSPC on
    /dev/full, a full disk) is a UsageError naming the user's path; no
    temporary file is left behind.
    """
    staged: list[tuple[str, str]] = []
    path = ""
    try:
        through: list[tuple[str, str | bytes]] = []
        for path, contents in files.items():
            real = os.path.realpath(path)
            if path == "-" or is_special(real):
                through.append((path, contents))
                continue
            data = contents.encode("utf-8") if isinstance(contents, str) else contents
            if os.path.isdir(real):
                raise UsageError(f"{path}: is a directory")
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(real), prefix=".dlfc-", suffix=".tmp")
            staged.append((tmp, real))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        for path, contents in through:
            if path == "-" and isinstance(contents, str):
                sys.stdout.write(contents)
                sys.stdout.flush()
            elif path == "-":
                sys.stdout.flush()
                sys.stdout.buffer.write(contents)
                sys.stdout.buffer.flush()
            else:
                with open(path, "wb") as f:
                    f.write(contents.encode("utf-8") if isinstance(contents, str) else contents)
        for tmp, real in staged:
            os.replace(tmp, real)
    except OSError as e:
        raise UsageError(f"{path}: cannot write: {e.strerror or e}") from None
    finally:
        for tmp, _ in staged:
            if os.path.lexists(tmp):
                os.unlink(tmp)


@contextmanager
def atomic_file(path: str, mode: str = "w") -> Iterator[IO[Any]]:
    """A file for `path` that `write_outputs` writes when the block succeeds; nothing is written when it fails."""
    buffer: IO[Any] = io.BytesIO() if "b" in mode else io.StringIO()
    yield buffer
    write_outputs({path: buffer.getvalue()})


def write_atomically(text: str, path: str) -> None:
    """Write `text` to `path` (see `write_outputs`; '-' = stdout)."""
    write_outputs({path: text})


def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """`arrays` in .npz format."""
    buffer = io.BytesIO()
    dump_npz(buffer, arrays)
    return buffer.getvalue()


def write_npz(path: str, arrays: Mapping[str, np.ndarray]) -> None:
    """Write `arrays` as an .npz file at `path`: all of it, or (on any failure) nothing."""
    write_outputs({path: npz_bytes(arrays)})


def plan_weights_file(module: ModuleOp, plan_path: str) -> tuple[str, bytes] | None:
    """The weights file a plan at `plan_path` needs beside it (`plan.npz` for `plan.mlir`): its path and contents.

    Sets the module attribute `dlfc.weights` to the file's name (relative to
    the plan); returns None (and drops the attribute) when the plan needs no
    weights file.
    """
    weights = plan_weights(module)
    if not weights:
        module.attributes.pop(WEIGHTS_ATTR, None)
        return None
    path = plan_weights_path(plan_path)
    module.attributes[WEIGHTS_ATTR] = StringAttr(os.path.basename(path))
    return path, npz_bytes(weights)


def save_plan_weights(module: ModuleOp, plan_path: str) -> str | None:
    """Write the weights a plan needs beside it and name the file in the module (see `plan_weights_file`)."""
    file = plan_weights_file(module, plan_path)
    if file is None:
        return None
    write_outputs({file[0]: file[1]})
    return file[0]


def unsaved_weights_warning(module: ModuleOp, tool: str, destination: str) -> str | None:
    """The stderr warning when a plan's computed weights cannot go beside it (`destination`: where the plan goes).

    The weights are those whose values exist only in this process: the ones a
    pass computed (batch-norm folding) and the ones a --weights file gave, that
    is every weight of the module its store holds (`plan_weights_file` would
    write them).
    """
    store = store_of(module)
    weights = sorted(
        {op.weight_id for op in module.walk() if isinstance(op, WeightOp) and op.weight_id in store.arrays}
    )
    if not weights:
        return None
    names = ", ".join(weights[:3]) + (", ..." if len(weights) > 3 else "")
    return (
        f"{tool}: warning: the plan goes to {destination}, so its {len(weights)} computed weight(s) ({names}) "
        f"are not saved and running it will fail; write it with -o PLAN.mlir (dlfc) to keep them in PLAN.npz\n"
    )


class BufferedOutput(io.StringIO):
    """What a tool writes to its output file, kept in memory until the tool succeeds (`close` keeps the text)."""

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- tools


def pass_failure_dump(failure: PassFailure) -> str:
    """The module a pass left invalid (as MLIR's --mlir-print-ir-after-failure), or '' when there is none."""
    if failure.invalid_module is None:
        return ""
    if failure.module_pass is not None:
        header = dump_header("After", failure.module_pass, failed=True)
    else:
        header = "// -----// IR Dump After the pipeline Failed //----- //"
    try:
        text = print_module(failure.invalid_module)
    except Exception as e:
        text = f"// the module cannot be printed: {describe_exception(e)}\n"
    return f"{header}\n{text}\n"


class CommandLineTool:
    """A dlfc command: its arguments (`register_arguments`), what it does (`execute`), and the error boundary (`main`).

    A subclass sets `prog`, `tool`, `description` and `epilog` and implements the two
    hooks; a tool that parses its own command line (dlfc-opt, a dispatcher)
    overrides `run` instead.
    """

    prog: str = "dlfc"
    """The command as its usage line shows it (`dlfc run`)."""
    tool: str = "dlfc"
    """The program that names itself in error lines (`dlfc: error: ...`)."""
    description: str = ""
    epilog: str = ""

    def build_parser(self) -> ArgumentParser:
        parser = ArgumentParser(
            prog=self.prog,
            description=self.description,
            epilog=self.epilog or None,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        self.register_arguments(parser)
        return parser

    def register_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add the tool's arguments to `parser`."""

    def execute(self, args: argparse.Namespace) -> int:
        """Do the work; returns the exit status. Bad input raises (UsageError, ...), as `error_message` lists."""
        raise NotImplementedError

    def run(self, argv: Sequence[str]) -> int:
        """Parse `argv` and execute: exceptions pass through (`main` reports them)."""
        return self.execute(self.build_parser().parse_args(argv))

    def main(self, argv: Sequence[str] | None = None) -> int:
        """Run with `argv` (default: the process's arguments): the exit status; the error boundary.

        Every failure becomes one line on stderr and exit status 1: a known
        error as `error_message` words it, any other exception (a bug, in dlfc
        or a plugin) as an internal error without its class name or source
        path, a `sys.exit("message")` outside argument parsing (a plugin) as
        that message. `--debug` (anywhere on the command line) adds the traceback.
        """
        argv = list(sys.argv[1:] if argv is None else argv)
        debug = "--debug" in argv
        argv = [a for a in argv if a != "--debug"]
        try:
            with np.errstate(all="ignore"):  # NaN and inf are values here, not warnings (dlfc run counts them)
                return self.run(argv)
        except SystemExit as e:
            if raised_by_tool(e):  # --help, --version
                return e.code if isinstance(e.code, int) else 0
            message = str(e.code if e.code is not None else 0).strip()
            reason = f"exited with status {message}" if isinstance(e.code, int) or e.code is None else message
            report = f"{self.tool}: error: {reason.splitlines()[0] if reason else 'exited'} (a pass or plugin called sys.exit)"
            error: BaseException = e
        except KeyboardInterrupt as e:
            report, error = f"{self.tool}: error: interrupted", e
        except Exception as e:
            report = self.error_message(e) or f"{self.tool}: error: {unexpected_error(e)}"
            error = e
        if debug:
            traceback.print_exception(error, file=sys.stderr)
        sys.stderr.write(report + "\n")
        return 1

    def where(self, location: Attribute | None) -> str:
        """What an error line starts with: `FILE:LINE:COL` of the op at fault when it has a source position, else the tool."""
        position = file_location(location) if location is not None else None
        return format_position(position) if position is not None else self.tool

    def error_message(self, error: Exception) -> str | None:
        """What stderr says about `error`, or None for an exception the tool does not expect (a bug: it propagates)."""
        from dlfc.compiler.frontend.diagnostics import DlmError

        if isinstance(error, DlmError):
            return error.format()
        if isinstance(error, PassFailure):
            return f"{pass_failure_dump(error)}{self.where(error.location)}: error: {error}"
        if isinstance(error, ExecutionError):
            return f"{self.where(error.location)}: error: {error}"
        if isinstance(error, UsageError | PipelineError | PluginError | WeightError):
            return f"{self.tool}: error: {error}"
        if isinstance(error, OSError):
            return f"{self.tool}: error: {error.filename or ''}: {error.strerror}"
        if isinstance(error, MemoryError):
            detail = str(error).splitlines()[0] if str(error) else "an allocation failed"
            return f"{self.tool}: error: out of memory: {detail} (dlfc run --max-memory sets the limit it checks)"
        return None
