"""Differential tests of every pass: a compiled random model computes what its unoptimised graph computes.

For each case, a seeded random model (`tests/random_models.py`) is brought to
the pass's input level (graph; fusion through a fusion planner; accel), the
pass runs, and then:
- every intermediate module verifies (the pass manager checks after each pass)
  and round-trips through print and parse to the same text and structure;
- the final module, printed in the generic format and parsed back, runs in the interpreter
  (`dlfc.hw.interpreter.execute`) to the outputs `run_graph` computes on the
  unoptimised graph (rtol 1e-4, atol 1e-5).
Passes also run with other options (VARIANTS), and the default pipeline
(`dlfc`'s, graph to accel and graph to schedule, for each target) is one more "pass".

Cases are (pass, seed) pairs, passes taking turns; the default run checks a few
per pass, the long mode (`-m slow`, `DLFC_FUZZ_EXAMPLES=N`) N more. A case that
fails names its model, which `random_model(seed, size)` rebuilds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from _pytest.mark import ParameterSet
from fuzz.harness import CASES_CHECKED, long_cases, time_limit
from random_models import STEPS, RandomModel, random_model
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser
from xdsl.passes import ModulePass

from dlfc.compiler.context import make_context
from dlfc.compiler.instruments import print_module
from dlfc.compiler.pass_manager import PassInstrument, PassRun, run_pipeline
from dlfc.compiler.passes import PASSES, get_all_passes
from dlfc.compiler.pipeline import Level, default_pipeline, parse_pass_pipeline
from dlfc.dialects import graph
from dlfc.hw.interpreter import execute
from dlfc.hw.reference import run_graph
from dlfc.hw.target import load_target
from dlfc.hw.weights import attach_store, store_of

RTOL, ATOL = 1e-4, 1e-5
GRAPH, FUSION, ACCEL = Level.GRAPH, Level.FUSION, Level.ACCEL
ANY_LEVEL = (GRAPH, FUSION, ACCEL)

# The levels each registered pass takes as input. A pass missing here fails
# `test_every_pass_has_input_levels`: add it with the levels it accepts.
INPUT_LEVELS: dict[str, tuple[Level, ...]] = {
    "graph-algebraic-simplify": (GRAPH,),
    "graph-fold-batchnorm": (GRAPH,),
    "graph-fold-constants": (GRAPH,),
    "graph-simplify-shapes": (GRAPH,),
    "convert-graph-to-fusion": (GRAPH,),
    "fuse-none": (GRAPH,),
    "fuse-patterns": (GRAPH,),
    "fuse-dnnfusion": (GRAPH,),
    "autotune": (GRAPH, FUSION),
    "oracle": (GRAPH, FUSION),
    "assign-cores": (FUSION, ACCEL),
    "convert-fusion-to-accel": (FUSION,),
    "annotate-latency": (ACCEL,),
    "accel-schedule": (ACCEL,),
    "schedule-parallel": (ACCEL,),
    "canonicalize": ANY_LEVEL,
    "cse": ANY_LEVEL,
    "dce": ANY_LEVEL,
}
# Options for passes whose defaults take too long on random models (also in the default pipeline).
OPTIONS: dict[str, str] = {"oracle": "{window=4}"}
# Passes with options other than their defaults, tested besides them.
VARIANTS = [
    "graph-algebraic-simplify{order=first}",
    "fuse-dnnfusion{cores=4 target=mlu270}",
    "fuse-patterns{max-depth=2}",
    "autotune{window=4 max-states=3000 target=mlu270}",
    "autotune{fusion-table=none}",
    "oracle{window=3 joint=false}",
    "oracle{window=4 fusion-table=none}",
    "assign-cores{cores-by=features}",
    "schedule-parallel{recore=false split=false}",
]
# The default pipeline (dlfc's, graph to accel, or to schedule: `dlfc --emit schedule`) for each target:
# name -> --hw value (None: the default).
DEFAULT_PIPELINES: dict[str, str | None] = {
    "default-pipeline": None,
    "default-pipeline-mlu270": "mlu270",
    "default-pipeline-schedule": None,
    "default-pipeline-schedule-mlu270": "mlu270",
}
# How a graph-level model is brought to the fusion level: planners take turns by seed.
FUSION_PLANNERS = ("convert-graph-to-fusion", "fuse-patterns", "fuse-dnnfusion")
PER_PASS = 3
"""Cases per pass (and for the default pipeline) in the default run."""


def subjects() -> list[str]:
    """Everything a case may test: each registered pass, the variants, the default pipelines."""
    return [*sorted(PASSES), *VARIANTS, *DEFAULT_PIPELINES]


def cases() -> list[ParameterSet]:
    """(pass or pipeline, seed) pairs, the subjects taking turns: the default run's, then the long mode's."""
    names = subjects()
    default = PER_PASS * len(names)
    return [case(names[seed % len(names)], seed, long=seed >= default) for seed in range(default + long_cases())]


def case(subject: str, seed: int, long: bool) -> ParameterSet:
    marks = [pytest.mark.slow] if long else []
    return pytest.param(subject, seed, id=f"{'long-' if long else ''}{subject}-{seed}", marks=marks)


def model_size(seed: int) -> int:
    """Mostly small models, every seventh one bigger (sizes 4 to 79 steps)."""
    return 40 + seed % 40 if seed % 7 == 0 else 4 + seed % 30


def with_options(name: str) -> str:
    """The pass's pipeline spec: its name, with the options it needs here."""
    return name + OPTIONS.get(name, "")


def passes(pipeline: str, target: str | None = None) -> list[ModulePass]:
    """The passes of a pipeline; `target` is given to every pass with a target option (as `dlfc --hw`)."""
    return parse_pass_pipeline(pipeline, get_all_passes(), {"target": (target,)} if target else None)


class RoundTripChecker(PassInstrument):
    """After every pass: the module prints, parses back, and prints to the same text and structure."""

    def run_after_pass(self, run: PassRun, module: ModuleOp) -> None:
        round_trip(module, f"after {run.module_pass.name}")


def round_trip(module: ModuleOp, when: str, generic: bool = False) -> ModuleOp:
    """The module parsed back from its text (custom or generic; with its weight store), checked to be the same module."""
    parsed = Parser(make_context(), print_module(module, generic)).parse_module()
    parsed.verify()
    text = print_module(module)
    assert print_module(parsed) == text, f"{when}: the module prints differently after a print/parse round trip"
    assert parsed.is_structurally_equivalent(module), f"{when}: the parsed module differs from the printed one"
    attach_store(parsed, store_of(module))
    return parsed


def run_passes(module: ModuleOp, pipeline: Sequence[ModulePass]) -> None:
    """Apply `pipeline`, verifying and round-tripping after every pass."""
    run_pipeline(make_context(), module, pipeline, [RoundTripChecker()])


def prepare(model: RandomModel, level: Level) -> ModuleOp:
    """A copy of the model's module brought to `level` (weights are generated the same in the copy)."""
    module = model.module.clone()
    if level >= FUSION:
        run_passes(module, passes(FUSION_PLANNERS[model.seed % len(FUSION_PLANNERS)]))
    if level >= ACCEL:
        run_passes(module, passes("convert-fusion-to-accel"))
    return module


def check_outputs(module: ModuleOp, model: RandomModel, expected: Sequence[np.ndarray]) -> None:
    """The module, round-tripped through its generic text, computes `expected` on the model's inputs."""
    parsed = round_trip(module, "at the end (generic format)", generic=True)
    actual = execute(parsed, model.inputs, load_target()).outputs
    assert len(actual) == len(expected), f"{len(actual)} outputs instead of {len(expected)}"
    for index, (got, want) in enumerate(zip(actual, expected, strict=False)):
        assert got.shape == want.shape and got.dtype == want.dtype, (
            f"output {index}: {got.dtype}{list(got.shape)} instead of {want.dtype}{list(want.shape)}"
        )
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"output {index}")


def check_case(subject: str, seed: int) -> None:
    """One differential case: the subject on the model of `seed`, at every level it accepts."""
    model = random_model(seed, model_size(seed))
    expected = run_graph(model.module, model.inputs)
    target = DEFAULT_PIPELINES.get(subject)
    if subject in DEFAULT_PIPELINES:
        stop = Level.SCHEDULE if "-schedule" in subject else ACCEL
        stages = [(GRAPH, ",".join(with_options(name) for name in default_pipeline(GRAPH, stop)))]
    else:
        stages = [(level, with_options(subject)) for level in INPUT_LEVELS[subject.partition("{")[0]]]
    for level, pipeline in stages:
        module = prepare(model, level)
        try:
            run_passes(module, passes(pipeline, target))
            check_outputs(module, model, expected)
        except Exception as e:
            raise AssertionError(f"{subject} on {model} at the {level.label} level: {e}") from e


def test_every_pass_has_input_levels() -> None:
    assert sorted(set(PASSES) - set(INPUT_LEVELS)) == [], "add the new passes to INPUT_LEVELS"


def test_random_models_cover_every_graph_op() -> None:
    """A few models with every step once (then random ones) build every op: a step may drop an op that is too large."""
    built = {op.name for seed in range(3) for op in random_model(seed, len(STEPS) + 10).module.walk()}
    assert {op.name for op in graph.Graph.operations} <= built


@pytest.mark.parametrize(("subject", "seed"), cases())
def test_pass_preserves_outputs(subject: str, seed: int) -> None:
    with time_limit(120.0):
        check_case(subject, seed)
    CASES_CHECKED["differential"] += 1
