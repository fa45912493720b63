"""Pass pipelines: the IR levels, the default pipeline, and pipeline text.

`parse_pass_pipeline` turns a pipeline in xDSL's syntax into pass instances
(checking pass names and options against the registry);
`dlfc.compiler.pass_manager.run_pipeline` runs them. `compile_to` takes a
module to a level with the default pipeline.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from enum import IntEnum

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.arg_spec import ArgSpec, ParameterListType, parse_pipeline
from xdsl.utils.exceptions import ArgSpecParseError

from dlfc.compiler.context import make_context
from dlfc.compiler.pass_manager import PassRun, run_pipeline
from dlfc.compiler.passes import PassFactory, get_all_passes
from dlfc.dialects import accel, fusion, schedule


class Level(IntEnum):
    """The abstraction levels of dlfc IR, in compilation order."""

    GRAPH = 0
    FUSION = 1
    ACCEL = 2
    SCHEDULE = 3

    @property
    def label(self) -> str:
        return self.name.lower()


# The passes that run at each level; the last pass of a stage produces the next level.
DEFAULT_PIPELINE: dict[Level, list[str]] = {
    Level.GRAPH: [
        "cse",
        "graph-simplify-shapes",
        "graph-fold-batchnorm",
        "graph-fold-constants",
        "graph-algebraic-simplify",
        "graph-fold-constants",
        "cse",
        "dce",
    ],
    Level.FUSION: ["fuse-dnnfusion", "autotune"],
    Level.ACCEL: ["convert-fusion-to-accel"],
    Level.SCHEDULE: ["accel-schedule"],
}


def level_of(module: ModuleOp) -> Level:
    """The level a module is at: the highest-level op it contains."""
    level = Level.GRAPH
    for op in module.walk():
        if isinstance(op, schedule.ProgramOp):
            return Level.SCHEDULE
        if isinstance(op, accel.KernelOp):
            level = Level.ACCEL
        if isinstance(op, fusion.GroupOp):
            level = max(level, Level.FUSION)
    return level


def default_pipeline(start: Level, stop: Level) -> list[str]:
    """The default passes that take a module at `start` to `stop` (graph passes run on graph input only)."""
    return [
        p
        for level in Level
        if start <= level <= stop and (level > start or level == Level.GRAPH)
        for p in DEFAULT_PIPELINE[level]
    ]


class PipelineError(Exception):
    """A pipeline that cannot be built: bad syntax, unknown pass or option (one-line message)."""


def unknown_pass_message(name: str, known: Iterable[str]) -> str:
    """`unknown pass 'x'`, with the closest registered name if there is one."""
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else " (dlfc --list-passes lists them)"
    return f"unknown pass '{name}'{hint}"


def parse_pass_pipeline(
    text: str, factories: Mapping[str, PassFactory], option_defaults: Mapping[str, ParameterListType] | None = None
) -> list[ModulePass]:
    """The passes of a pipeline in xDSL's syntax: `a,b{option=value other=1,2}`.

    `option_defaults` gives a value to an option of that name in every pass
    that has one and whose spec leaves it unset.
    """
    try:
        specs = list(parse_pipeline(text))
    except ArgSpecParseError as e:  # a BaseException: `except Exception` misses it
        raise PipelineError(describe_pipeline_syntax_error(e)) from None
    return [instantiate(spec, factories, option_defaults or {}) for spec in specs]


def describe_pipeline_syntax_error(error: ArgSpecParseError) -> str:
    """`invalid pass pipeline at column N: what is wrong`, from xDSL's multi-line message."""
    message = str(error)
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    position = re.search(r"pass-pipeline:\d+:(\d+)", message)
    where = f" at column {position.group(1)}" if position else ""
    return f"invalid pass pipeline{where}: {lines[-1] if lines else 'syntax error'}"


def widen_ints(values: Mapping[str, ParameterListType], pass_class: type[ModulePass]) -> dict[str, ParameterListType]:
    """`values` with each integer given to a float option as a float (`oracle{time-limit=60}`)."""
    try:
        hints = typing.get_type_hints(pass_class)
    except Exception:  # an annotation naming an undefined type: xDSL reports the option as it can
        return dict(values)
    widened: dict[str, ParameterListType] = {}
    for key, value in values.items():
        hint = hints.get(key)
        takes_float = hint is float or float in typing.get_args(hint)
        takes_int = hint is int or int in typing.get_args(hint)
        if takes_float and not takes_int and isinstance(value, tuple | list):
            value = type(value)(float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value)
        widened[key] = value
    return widened


def instantiate(
    spec: ArgSpec, factories: Mapping[str, PassFactory], option_defaults: Mapping[str, ParameterListType]
) -> ModulePass:
    """The pass a spec names, with its options checked against the pass's fields."""
    if spec.name not in factories:
        raise PipelineError(unknown_pass_message(spec.name, factories))
    pass_class = factories[spec.name]()
    options = [f.name for f in dataclasses.fields(pass_class) if f.init]
    given = spec.normalize_parameter_names().parameters
    for key in given:
        if key not in options:
            raise PipelineError(unknown_option_message(spec.name, key, options))
    defaults = {key: value for key, value in option_defaults.items() if key in options}
    values = widen_ints({**defaults, **given}, pass_class)
    try:
        return pass_class.from_spec(ArgSpec(spec.name, values))
    except (ValueError, TypeError) as e:
        raise PipelineError(f"pass '{spec.name}': {str(e).strip()}") from None


def unknown_option_message(pass_name: str, key: str, options: Sequence[str]) -> str:
    if not options:
        return f"pass '{pass_name}' takes no options (got '{key}')"
    close = difflib.get_close_matches(key, options, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"pass '{pass_name}' has no option '{key}'{hint} (options: {', '.join(options)})"


def pipeline_text(passes: Iterable[ModulePass]) -> str:
    """A pipeline in xDSL's syntax, every option spelled out (defaults included)."""
    return ",".join(str(p.spec(include_default=True)) for p in passes)


def default_passes(
    start: Level,
    stop: Level,
    factories: Mapping[str, PassFactory] | None = None,
    options: Mapping[str, ParameterListType] | None = None,
) -> list[ModulePass]:
    """The default pipeline from `start` to `stop` as pass instances (`options` as in `parse_pass_pipeline`).

    `factories` defaults to dlfc's own passes; PipelineError if `start` is past `stop`.
    """
    if start > stop:
        raise PipelineError(f"the module is already at the {start.label} level; cannot compile it to {stop.label}")
    return parse_pass_pipeline(
        ",".join(default_pipeline(start, stop)), get_all_passes() if factories is None else factories, options
    )


def compile_to(
    module: ModuleOp,
    stop: Level,
    options: Mapping[str, ParameterListType] | None = None,
    *,
    ctx: Context | None = None,
    factories: Mapping[str, PassFactory] | None = None,
) -> list[PassRun]:
    """Take `module` (in place) from its level to `stop` with the default pipeline.

    `options` gives pass options by name to every pass that has one (e.g.
    `{"target": ("mlu270",)}`). Raises PipelineError or PassFailure.
    """
    passes = default_passes(level_of(module), stop, factories, options)
    return run_pipeline(ctx or make_context(), module, passes)
