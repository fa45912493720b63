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
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import IO, Any, NoReturn

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.utils.exceptions import DiagnosticException, ParseError

from dlfc.compiler.instruments import dump_header, print_module
from dlfc.compiler.pass_manager import PassFailure, describe_exception, verification_error
from dlfc.compiler.pipeline import PipelineError
from dlfc.compiler.plugins import PluginError
from dlfc.hw.reference import ExecutionError
from dlfc.hw.weights import WEIGHTS_ATTR, WeightError, dump_npz, load_plan_weights, plan_weights, plan_weights_path


class UsageError(Exception):
    """A problem with how dlfc was invoked or with its input files: reported in one line, exit 1."""


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


def parse_mlir(path: str, ctx: Context) -> ModuleOp:
    """The verified module of an .mlir file, with the store of the weights file it names."""
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


@contextmanager
def atomic_file(path: str, mode: str = "w") -> Iterator[IO[Any]]:
    """A new file for `path`: it replaces `path` when the block succeeds and vanishes when it fails.

    The file gets the permissions `open()` would give it (not mkstemp's 0600).
    """
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".dlfc-", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            yield f
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_atomically(text: str, path: str) -> None:
    """Write `text` to `path` so that a failure never leaves a partial file ('-' = stdout)."""
    if path == "-":
        sys.stdout.write(text)
        return
    with atomic_file(path) as f:
        f.write(text)


def write_npz(path: str, arrays: Mapping[str, np.ndarray]) -> None:
    """Write `arrays` as an .npz file at `path`: all of it, or (on any failure) nothing."""
    with atomic_file(path, "wb") as f:
        dump_npz(f, arrays)


def save_plan_weights(module: ModuleOp, plan_path: str) -> str | None:
    """Write the weights a plan needs beside it (`plan.npz` for `plan.mlir`) and name the file in the module.

    Sets the module attribute `dlfc.weights` to the file's name (relative to
    the plan); returns the file's path, or None (and drops the attribute) when
    the plan needs no weights file.
    """
    weights = plan_weights(module)
    if not weights:
        module.attributes.pop(WEIGHTS_ATTR, None)
        return None
    path = plan_weights_path(plan_path)
    write_npz(path, weights)
    module.attributes[WEIGHTS_ATTR] = StringAttr(os.path.basename(path))
    return path


def open_output(path: str) -> IO[str]:
    """A text file opened for writing at `path`, for a tool whose framework writes the output itself (dlfc-opt)."""
    return open(path, "w", encoding="utf-8")


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
        """Run with `argv` (default: the process's arguments): the exit status, every known error one report."""
        argv = list(sys.argv[1:] if argv is None else argv)
        try:
            return self.run(argv)
        except SystemExit as e:  # --help, --version
            return e.code if isinstance(e.code, int) else 0
        except Exception as e:
            report = self.error_message(e)
            if report is None:
                raise
            sys.stderr.write(report + "\n")
            return 1

    def error_message(self, error: Exception) -> str | None:
        """What stderr says about `error`, or None for an exception the tool does not expect (a bug: it propagates)."""
        from dlfc.compiler.frontend.diagnostics import DlmError

        if isinstance(error, DlmError):
            return error.format()
        if isinstance(error, PassFailure):
            return f"{pass_failure_dump(error)}{self.tool}: error: {error}"
        if isinstance(error, UsageError | PipelineError | PluginError | WeightError | ExecutionError):
            return f"{self.tool}: error: {error}"
        if isinstance(error, OSError):
            return f"{self.tool}: error: {error.filename or ''}: {error.strerror}"
        return None
