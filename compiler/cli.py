"""The `dlfc` command line: compile a model to an accelerator plan.

    dlfc model.dlm -o plan.mlir          # .dlm (or .mlir at any level) -> accel plan
    dlfc model.dlm --emit graph          # stop at a level, print to stdout
    dlfc run model.dlm                   # execute on the hardware model (see `dlfc run --help`)
    dlfc sweep model.dlm --params ...    # design-space exploration (see `dlfc sweep --help`)

Every failure is one line on stderr (`dlfc: error: ...`) and exit status 1;
the output file is written atomically, so a failed run leaves none.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from typing import get_type_hints

from xdsl.passes import ModulePass
from xdsl.utils.hints import type_repr

from dlfc.compiler.context import make_context
from dlfc.compiler.driver import (
    CommandLineTool,
    InputOptions,
    UsageError,
    check_outputs,
    dlfc_version,
    is_special,
    load_module,
    plan_weights_file,
    unsaved_weights_warning,
    write_atomically,
    write_npz,
    write_outputs,
)
from dlfc.compiler.fp_model import FP_MODELS
from dlfc.compiler.instruments import (
    IRPrinter,
    StatisticsCollector,
    Stopwatch,
    TreeDirWriter,
    pass_filter,
    pipeline_timing_rows,
    print_module,
    timing_report,
)
from dlfc.compiler.pass_manager import PassInstrument, run_pipeline
from dlfc.compiler.passes import import_object
from dlfc.compiler.pipeline import (
    Level,
    default_passes,
    level_of,
    parse_pass_pipeline,
    pipeline_text,
    unknown_pass_message,
)
from dlfc.compiler.plugins import PassRegistry, make_registry
from dlfc.compiler.remarks import KINDS, RemarkCollector, collecting
from dlfc.compiler.run import RunTool
from dlfc.hw.weights import plan_weights_path, store_of


def list_passes(registry: PassRegistry) -> str:
    """Every registered pass: name, first docstring line, options with their defaults."""
    lines = ["Passes (run them with --pass-pipeline 'a,b{option=value}'):"]
    for name in sorted(registry.factories):
        pass_class = registry.factories[name]()
        origin = registry.origins[name]
        source = "" if origin == "dlfc" else f" [{origin}]"
        lines.append(f"  {name:<34} {first_doc_line(pass_class)}{source}")
        lines.extend(f"      {option}" for option in pass_options(pass_class))
    return "\n".join(lines) + "\n"


def pass_options(pass_class: type[ModulePass]) -> list[str]:
    """`name: type = default` for each option of a pass, the default in pipeline syntax."""
    try:
        hints: dict[str, object] = get_type_hints(pass_class)
    except Exception:  # a plugin's annotation names an undefined type: show it as written
        hints = {}
    options: list[str] = []
    for f in dataclasses.fields(pass_class):
        if f.init:
            default = "" if f.default is dataclasses.MISSING else f" = {option_value(f.default)}"
            shown = type_repr(hints[f.name]) if f.name in hints else str(f.type)
            options.append(f"{f.name.replace('_', '-')}: {shown}{default}")
    return options


def option_value(value: object) -> str:
    """A pass option's value as --pass-pipeline spells it."""
    if isinstance(value, tuple):
        return ",".join(option_value(v) for v in value) if value else "()"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value).lower() if isinstance(value, bool | None) else str(value)


def first_doc_line(cls: type) -> str:
    """The first line of a class's own docstring (dataclass' generated signature excluded)."""
    doc = cls.__dict__.get("__doc__") or ""
    lines = [line.strip() for line in doc.strip().splitlines()]
    if not lines or lines[0].startswith(f"{cls.__name__}("):
        return "(no description)"
    return lines[0]


# --------------------------------------------------------------------------- compiling


def check_pass_names(registry: PassRegistry, option: str, names: Sequence[str]) -> None:
    for name in names:
        if name not in registry.factories:
            raise UsageError(f"{option}: {unknown_pass_message(name, registry.factories)}")


def target_option(hw: str | None) -> dict[str, tuple[str, ...]]:
    """The `target` option every pass that has one receives from --hw (checked here)."""
    if hw is None:
        return {}
    from dlfc.hw.target import TargetError, load_target

    try:
        load_target(hw)
    except TargetError as e:
        raise UsageError(f"--hw: {e}") from None
    return {"target": (hw,)}


def make_instruments(args: argparse.Namespace, pass_count: int) -> list[PassInstrument]:
    instruments: list[PassInstrument] = []
    if (
        args.mlir_print_ir_before_all
        or args.mlir_print_ir_after_all
        or args.mlir_print_ir_before
        or args.mlir_print_ir_after
    ):
        before = pass_filter(args.mlir_print_ir_before_all, args.mlir_print_ir_before)
        after = pass_filter(args.mlir_print_ir_after_all, args.mlir_print_ir_after)
        instruments.append(IRPrinter(sys.stderr, before, after, args.mlir_print_op_generic))
    if args.mlir_print_ir_tree_dir:
        instruments.append(
            TreeDirWriter(
                args.mlir_print_ir_tree_dir, pass_count, write_atomically, write_npz, args.mlir_print_op_generic
            )
        )
    return instruments


# --------------------------------------------------------------------------- the tool


class DlfcTool(CommandLineTool):
    """`dlfc FILE`: compile; `dlfc run ...` hands over to `RunTool`, `dlfc sweep ...` to the sweep command."""

    prog = "dlfc"
    description = (
        "Compile a DNN model through the graph -> fusion -> accel IR levels and print the\n"
        "resulting plan in MLIR syntax.\n\n"
        "FILE is a .dlm model, an .onnx model (needs 'pip install dlfc[onnx]'), or an .mlir\n"
        "module at any level: a plan, or a dump of an earlier run, from whose level\n"
        "compilation resumes.\n"
        "To run a model on the hardware model: dlfc run FILE (see dlfc run --help).\n"
        "To sweep accelerators x models x pipelines: dlfc sweep MODEL... (see dlfc sweep --help)."
    )
    epilog = (
        "examples:\n"
        "  dlfc examples/resnet50.dlm -o plan.mlir       compile to an accel plan\n"
        "  dlfc examples/resnet50.dlm --emit fusion      print the fusion-level IR\n"
        "  dlfc plan-fusion.mlir -o plan.mlir            resume from a fusion-level module\n"
        "  dlfc model.dlm --print-pipeline               show the passes that would run\n"
        "  dlfc model.dlm --pass-pipeline 'convert-graph-to-fusion,convert-fusion-to-accel{target=\"mlu270\"}'\n"
        "  dlfc model.dlm --mlir-print-ir-tree-dir dumps  one file per pass, each a valid input\n"
        "  dlfc --list-passes                            every pass, with its options"
    )

    def register_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("input", metavar="FILE", nargs="?", help="the model: a .dlm, .onnx or .mlir file")
        parser.add_argument("--version", action="version", version=f"dlfc {dlfc_version()}")

        output = parser.add_argument_group("output")
        output.add_argument(
            "-o", "--output", metavar="OUT", default="-", help="where to write the plan ('-' = stdout, the default)"
        )
        output.add_argument(
            "--emit",
            choices=[*(level.label for level in Level), "dot"],
            help="stop at this IR level: graph (one op per layer), fusion (fused groups), accel "
            "(kernels with core counts; the default) or schedule (each kernel's buffers, DMA and per-tile "
            "compute); dot: the fusion level as a Graphviz graph, groups as clusters",
        )
        output.add_argument(
            "--weights",
            metavar="FILE.npz",
            help="weights by name for a .dlm model; missing ones are initialised deterministically",
        )
        output.add_argument(
            "--input-shape",
            metavar="NAME=D0,D1,...",
            action="append",
            help="static shape of an ONNX model input with dynamic dimensions (repeatable)",
        )
        output.add_argument(
            "--hw",
            metavar="NAME|FILE.toml",
            help="the target accelerator: a preset (mlu100, the default, or mlu270) or a description file; given to every pass with a 'target' option",
        )
        output.add_argument(
            "--mlir-print-op-generic",
            action="store_true",
            help="print the plan and the dumps in MLIR's generic op form",
        )

        pipeline = parser.add_argument_group("pipeline")
        pipeline.add_argument(
            "--pass-pipeline",
            metavar="PIPELINE",
            help="run exactly these passes instead of the default pipeline, in xDSL's syntax: "
            "'pass-a,pass-b{option=value other=1,2}' (options separated by spaces)",
        )
        pipeline.add_argument(
            "--print-pipeline",
            action="store_true",
            help="print the pipeline that would run for FILE (in --pass-pipeline syntax, all options spelled out) and exit",
        )
        pipeline.add_argument(
            "--profile-db",
            metavar="FILE.json",
            help="DNNFusion's profiling database, read and extended: given to every pass with a 'profile-db' option (fuse-dnnfusion)",
        )
        pipeline.add_argument(
            "--no-tuning-cache",
            action="store_true",
            help="do not read or extend the tuning cache ($XDG_CACHE_HOME/dlfc/tuning.sqlite): given to every pass with a 'tuning-cache' option (autotune)",
        )
        pipeline.add_argument(
            "--scheduler",
            metavar="tcp://HOST:PORT|local",
            help="a Dask cluster: given to every pass with a 'scheduler' option (oracle; see docs/sweep.md)",
        )
        pipeline.add_argument(
            "--fp-model",
            choices=FP_MODELS,
            default="fast",
            help="the floating-point contract: fast (default) rewrites by real-arithmetic identities, assuming finite "
            "values, and never overflows where the model does not; strict keeps every result bitwise; aggressive "
            "assumes no overflow (DNNFusion's full Table 4). See docs/contracts.md. Given to every pass with an "
            "'fp-model' option",
        )
        pipeline.add_argument(
            "--list-passes", action="store_true", help="list every pass with its description and options, and exit"
        )
        pipeline.add_argument(
            "--load-pass-plugin",
            metavar="FILE.py",
            action="append",
            default=[],
            help="register the ModulePass subclasses defined in FILE.py (repeatable; see docs/writing-a-pass.md)",
        )
        pipeline.add_argument(
            "--no-verify-each", action="store_true", help="verify the module only at the end, not after every pass"
        )

        debug = parser.add_argument_group("debugging (dumps go to stderr, as with mlir-opt)")
        debug.add_argument("--mlir-print-ir-before-all", action="store_true", help="print the IR before every pass")
        debug.add_argument("--mlir-print-ir-after-all", action="store_true", help="print the IR after every pass")
        names = {"metavar": "PASS", "action": "extend", "type": lambda s: s.split(","), "default": []}
        debug.add_argument(
            "--mlir-print-ir-before", help="print the IR before each run of PASS (repeatable, or PASS,PASS)", **names
        )
        debug.add_argument(
            "--mlir-print-ir-after", help="print the IR after each run of PASS (repeatable, or PASS,PASS)", **names
        )
        debug.add_argument(
            "--mlir-print-ir-tree-dir",
            metavar="DIR",
            help="write DIR/00-input.mlir and DIR/NN-<pass>.mlir after each pass; every file is a valid dlfc input",
        )
        debug.add_argument(
            "--mlir-print-debuginfo",
            action="store_true",
            help='print each op\'s source location, loc("FILE":LINE:COL) or loc("ONNX node"); parses back',
        )
        debug.add_argument(
            "--remarks",
            choices=KINDS,
            help="print fusion remarks to stderr (LLVM's -Rpass-missed): fusion, every merge fuse-dnnfusion or autotune "
            "considered and rejected, with the two ops' source locations and a reason code; fusion-all, the merges "
            "made too (see docs/remarks.md)",
        )
        debug.add_argument(
            "--remarks-file",
            metavar="FILE.json",
            help="write the fusion remarks (rejected merges; all of them with --remarks=fusion-all) as a JSON list",
        )
        debug.add_argument(
            "--mlir-timing",
            action="store_true",
            help="report the wall time of parsing, each pass, verification and printing",
        )
        debug.add_argument(
            "--stats",
            action="store_true",
            help="report per pass: operations and FLOPs before and after, and the pass's own counters",
        )

    def run(self, argv: Sequence[str]) -> int:
        if argv[:1] == ["run"]:
            return RunTool().run(argv[1:])
        if argv[:1] == ["sweep"]:
            from dlfc.compiler.sweep import sweep_command

            return sweep_command(argv[1:])
        return super().run(argv)

    @staticmethod
    def output_paths(args: argparse.Namespace) -> dict[str, str]:
        """The files the command will write, by the option that names them (checked before the compile)."""
        if args.output == "-":
            return {args.remarks_file: "--remarks-file"} if args.remarks_file not in (None, "-") else {}
        outputs = {args.output: "-o", **({args.remarks_file: "--remarks-file"} if args.remarks_file else {})}
        if args.emit != "dot" and not is_special(args.output):
            outputs.setdefault(plan_weights_path(args.output), f"-o {args.output}: its weights file")
        return outputs

    def execute(self, args: argparse.Namespace) -> int:
        clock = Stopwatch()
        registry = make_registry(args.load_pass_plugin)
        if args.list_passes:
            sys.stdout.write(list_passes(registry))
            return 0
        if args.input is None:
            raise UsageError("no input file (see dlfc --help)")
        if args.emit is not None and args.pass_pipeline is not None:
            raise UsageError(
                "--emit and --pass-pipeline exclude each other: --pass-pipeline runs exactly the passes it lists"
            )
        check_pass_names(registry, "--mlir-print-ir-before", args.mlir_print_ir_before)
        check_pass_names(registry, "--mlir-print-ir-after", args.mlir_print_ir_after)
        options = {
            **target_option(args.hw),
            **({"profile_db": (args.profile_db,)} if args.profile_db else {}),
            **({"scheduler": (args.scheduler,)} if args.scheduler else {}),
            **({"tuning_cache": (False,)} if args.no_tuning_cache else {}),
            "fp_model": (args.fp_model,),
        }
        passes: list[ModulePass] | None = None
        if args.pass_pipeline is not None:  # a bad pipeline fails before a long parse
            with clock.measure("Pass setup"):
                passes = parse_pass_pipeline(args.pass_pipeline, registry.factories, options)

        if args.remarks_file is not None and args.remarks_file == args.output:
            raise UsageError(f"--remarks-file {args.remarks_file}: also the file of -o; choose another path")
        outputs = self.output_paths(args)
        inputs = [args.input, args.weights, args.hw if args.hw and os.path.isfile(args.hw) else None]
        check_outputs(outputs, [*inputs, *args.load_pass_plugin])
        ctx = make_context()
        with clock.measure("Parser"):
            module = load_module(args.input, InputOptions(args.weights, args.input_shape or ()), ctx)
        check_outputs(
            outputs, [source for source in [store_of(module).source] if os.path.isfile(source)]
        )  # a plan's own weights file is an input too

        if passes is None:
            start, stop = level_of(module), Level[(args.emit or Level.ACCEL.label).replace("dot", "fusion").upper()]
            stop = max(stop, start) if args.emit is None else stop  # a scheduled plan stays scheduled
            if start > stop:
                raise UsageError(f"{args.input}: input is already at the {start.label} level; cannot emit {stop.label}")
            with clock.measure("Pass setup"):
                passes = default_passes(start, stop, registry.factories, options)
        if args.print_pipeline:
            sys.stdout.write(pipeline_text(passes) + "\n")
            return 0

        statistics = StatisticsCollector()
        instruments = [*make_instruments(args, len(passes)), *([statistics] if args.stats else [])]
        remarks = RemarkCollector(accepted=args.remarks == "fusion-all")
        with collecting(remarks) if args.remarks or args.remarks_file else nullcontext():
            runs = run_pipeline(ctx, module, passes, instruments, verify_each=not args.no_verify_each)

        with clock.measure("Output"):
            files: dict[str, str | bytes] = {}
            warning = None
            beside = args.output != "-" and not is_special(args.output)  # no null.npz beside /dev/null
            if beside and args.emit != "dot":
                weights = plan_weights_file(module, args.output)
                if weights is not None:
                    files[weights[0]] = weights[1]
            elif args.emit != "dot":
                warning = unsaved_weights_warning(module, "dlfc", "stdout" if args.output == "-" else args.output)
            text = (
                import_object("dlfc.compiler.emit_dot:module_to_dot")(module)
                if args.emit == "dot"
                else print_module(module, args.mlir_print_op_generic, args.mlir_print_debuginfo)
            )
            if args.remarks_file:
                files[args.remarks_file] = remarks.json()
            write_outputs({args.output: text, **files})
            if warning:
                sys.stderr.write(warning)
        if args.remarks:
            sys.stderr.write("".join(r.format() + "\n" for r in remarks.remarks))
        if args.stats:
            sys.stderr.write(statistics.report())
        if args.mlir_timing:
            steps = clock.seconds
            rows = [
                (0, "Parser", steps["Parser"]),
                (0, "Pass setup", steps["Pass setup"]),
                *pipeline_timing_rows(runs),
                (0, "Output", steps["Output"]),
            ]
            sys.stderr.write(timing_report(rows, clock.elapsed()))
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    """The `dlfc` command: the exit status."""
    return DlfcTool().main(argv)


if __name__ == "__main__":
    sys.exit(main())
