"""`dlfc-opt`: xDSL's `xdsl-opt` driver with dlfc's dialects, passes and .dlm frontend.

    dlfc-opt plan.mlir -p convert-fusion-to-accel
    dlfc-opt examples/resnet18.dlm -p convert-graph-to-fusion --print-between-passes

It takes every `xdsl-opt` flag (`-p`, `-o`, `--print-op-generic`, ...) plus
`--weights FILE.npz` for .dlm input and `--load-pass-plugin FILE.py`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import IO

from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.exceptions import DiagnosticException, ParseError
from xdsl.xdsl_opt_main import xDSLOptMain

from dlfc.compiler.driver import (
    BufferedOutput,
    CommandLineTool,
    UsageError,
    check_outputs,
    dlfc_version,
    parse_error_message,
    unsaved_weights_warning,
    write_outputs,
)
from dlfc.compiler.pass_manager import describe_exception
from dlfc.compiler.pipeline import parse_pass_pipeline
from dlfc.compiler.plugins import make_registry
from dlfc.dialects import get_all_dialects
from dlfc.dialects.contract import use_def_error


def plugin_files(args: Sequence[str] | None) -> list[str]:
    """The --load-pass-plugin files among the arguments (needed before xdsl-opt parses them)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--load-pass-plugin", action="append", default=[])
    return parser.parse_known_args(args)[0].load_pass_plugin


class DlfcOptMain(xDSLOptMain):
    version_format = f"dlfc-opt {dlfc_version()} built on xdsl {{xdsl_version}}"

    def __init__(self, args: Sequence[str] | None = None):
        self.plugin_files = plugin_files(args)
        super().__init__(
            description="dlfc's modular optimizer driver (xdsl-opt with dlfc's dialects and passes)", args=args
        )

    def register_all_dialects(self) -> None:
        super().register_all_dialects()
        known = set(self.ctx.registered_dialect_names)
        for name, factory in get_all_dialects().items():
            if name not in known:  # present already when dlfc's universe is installed
                self.ctx.register_dialect(name, factory)

    def register_all_passes(self) -> None:
        super().register_all_passes()
        for name, factory in make_registry(self.plugin_files).factories.items():
            if name not in self.available_passes:
                self.register_pass(name, factory)

    def register_all_frontends(self) -> None:
        super().register_all_frontends()
        self.available_frontends["dlm"] = self.parse_dlm

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        arg_parser.add_argument("--weights", metavar="FILE.npz", help="weights by name for a .dlm model")
        arg_parser.add_argument(
            "--load-pass-plugin",
            metavar="FILE.py",
            action="append",
            default=[],
            help="register the ModulePass subclasses defined in FILE.py",
        )

    def setup_pipeline(self) -> None:
        parse_pass_pipeline(self.args.passes, self.available_passes)  # dlfc's one-line errors, did-you-mean
        super().setup_pipeline()

    def apply_passes(self, prog: ModuleOp) -> None:
        """Refuse a use-def cycle first (xDSL's verifier does not see one, and graph passes would walk it forever)."""
        if (problem := use_def_error(prog)) is not None:
            raise DiagnosticException(f"invalid IR: {problem}")
        self.module = prog
        super().apply_passes(prog)

    def prepare_output(self) -> IO[str]:
        """Kept in memory: the output file is written (by the driver) only when everything succeeded."""
        self.output = BufferedOutput()
        return self.output

    def run(self) -> None:
        inputs = [self.args.input_file, self.args.weights, *self.plugin_files]
        if self.args.input_file is not None and not os.path.isfile(self.args.input_file):
            what = "is a directory" if os.path.isdir(self.args.input_file) else "no such file"
            raise UsageError(f"{self.args.input_file}: {what}")
        if self.args.output_file is not None:
            check_outputs({self.args.output_file: "-o"}, inputs)
        self.module: ModuleOp | None = None
        super().run()
        module_text = self.output.getvalue()
        write_outputs({self.args.output_file or "-": module_text})
        if self.module is not None:
            destination = self.args.output_file if self.args.output_file not in (None, "-") else "stdout"
            warning = unsaved_weights_warning(self.module, "dlfc-opt", destination)
            if warning:
                sys.stderr.write(warning)

    def parse_dlm(self, stream: IO[bytes]) -> ModuleOp:
        from dlfc.compiler.frontend import parse_dlm

        return parse_dlm(stream.read(), self.get_input_name(), self.args.weights)


class DlfcOpt(CommandLineTool):
    """`dlfc-opt`: xDSL's driver parses the command line and runs; this tool adds dlfc's error boundary."""

    prog = tool = "dlfc-opt"

    def run(self, argv: Sequence[str]) -> int:
        DlfcOptMain(args=argv).run()
        return 0

    def error_message(self, error: Exception) -> str | None:
        if isinstance(error, ParseError):
            return f"{self.tool}: error: {parse_error_message(error)}"
        if isinstance(error, DiagnosticException | ValueError):
            return f"{self.tool}: error: {describe_exception(error)}"
        return super().error_message(error)


def main(argv: Sequence[str] | None = None) -> int:
    """The `dlfc-opt` command: the exit status."""
    return DlfcOpt().main(argv)


if __name__ == "__main__":
    sys.exit(main())
