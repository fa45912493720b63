"""The pass manager: runs xDSL `ModulePass`es in order on one module.

It verifies the module after each pass, and calls `PassInstrument`s around
every pass (as MLIR's `PassInstrumentation`; the stock ones are in
`dlfc.compiler.instruments`). A pass may report counters of its own with
`dlfc.compiler.statistics.add_statistic`; the pass manager records them per pass.
"""

from __future__ import annotations

import time
import traceback
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute, Operation
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException

from dlfc.compiler.statistics import recording
from dlfc.dialects.contract import contract_error


@dataclass
class PassRun:
    """One execution of a pass within a pipeline."""

    index: int
    """1-based position in the pipeline."""
    module_pass: ModulePass
    seconds: float = 0.0
    verify_seconds: float = 0.0
    statistics: Counter[str] = field(default_factory=Counter[str])


class PassInstrument:
    """Hooks the pass manager calls around the pipeline and each pass; each does nothing by default."""

    def run_before_pipeline(self, module: ModuleOp) -> None:
        pass

    def run_before_pass(self, run: PassRun, module: ModuleOp) -> None:
        pass

    def run_after_pass(self, run: PassRun, module: ModuleOp) -> None:
        pass

    def run_after_pipeline(self, module: ModuleOp) -> None:
        """Also called when the pipeline failed."""


class PassFailure(Exception):
    """A pass raised an exception or left the module invalid (one-line message).

    `invalid_module` is the module that failed to verify, for the user to inspect.
    `location` is the source location of the op at fault, when known: the op
    that fails to verify, or the `location` attribute of the exception the
    pass raised (`dlfc.hw.reference.ExecutionError` has one; a pass may raise
    any exception with a `location` attribute set to an op's location).
    """

    def __init__(
        self,
        message: str,
        module_pass: ModulePass | None,
        invalid_module: ModuleOp | None = None,
        location: Attribute | None = None,
    ):
        super().__init__(message)
        self.module_pass = module_pass
        self.invalid_module = invalid_module
        self.location = location


def run_pipeline(
    ctx: Context,
    module: ModuleOp,
    passes: Sequence[ModulePass],
    instruments: Sequence[PassInstrument] = (),
    verify_each: bool = True,
) -> list[PassRun]:
    """Apply `passes` in order; raises PassFailure naming the pass that failed.

    The module is verified after each pass, or with `verify_each=False` only
    at the end.
    """
    for instrument in instruments:
        instrument.run_before_pipeline(module)
    try:
        runs = [run_pass(ctx, module, index, p, instruments, verify_each) for index, p in enumerate(passes, 1)]
    finally:
        for instrument in instruments:
            instrument.run_after_pipeline(module)
    if not verify_each and passes and (problem := verification_error(module)) is not None:
        raise PassFailure(
            f"the pipeline produced invalid IR: {problem} (verify after each pass to find the pass)",
            None,
            module,
            failing_location(module),
        )
    return runs


def run_pass(
    ctx: Context,
    module: ModuleOp,
    index: int,
    module_pass: ModulePass,
    instruments: Sequence[PassInstrument],
    verify_each: bool,
) -> PassRun:
    run = PassRun(index, module_pass)
    for instrument in instruments:
        instrument.run_before_pass(run, module)
    apply_pass(ctx, module, run)
    if verify_each:
        start = time.perf_counter()
        problem = verification_error(module)
        run.verify_seconds = time.perf_counter() - start
        if problem is not None:
            raise PassFailure(
                f"pass '{module_pass.name}' produced invalid IR: {problem}",
                module_pass,
                module,
                failing_location(module),
            )
    for instrument in instruments:
        instrument.run_after_pass(run, module)
    return run


def apply_pass(ctx: Context, module: ModuleOp, run: PassRun) -> None:
    start = time.perf_counter()
    try:
        with recording(run.statistics):
            run.module_pass.apply(ctx, module)
    except Exception as e:
        describe = describe_exception if is_dlfc_code(run.module_pass) else describe_user_code_exception
        location = getattr(e, "location", None)
        raise PassFailure(
            f"pass '{run.module_pass.name}' failed: {describe(e)}",
            run.module_pass,
            location=location if isinstance(location, Attribute) else None,
        ) from e
    finally:
        run.seconds = time.perf_counter() - start


# Exceptions whose message alone means nothing to a user (a key, an index, a missing attribute): internal errors.
OPAQUE_EXCEPTIONS: tuple[type[BaseException], ...] = (KeyError, IndexError, AttributeError, AssertionError, NameError)

INTERNAL_ERROR = "internal error (a bug; rerun with --debug for the traceback)"


def describe_exception(error: BaseException) -> str:
    """One line for the user: the message of a diagnostic or of an error that explains itself.

    An exception's class name and the source file it was raised in never
    appear (they mean nothing to a user); an exception whose message is not a
    sentence (`KeyError: 31`) is reported as an internal error, whose
    traceback `--debug` shows.
    """
    lines = str(error).strip().splitlines()
    if isinstance(error, DiagnosticException) and lines:
        return lines[0]
    if lines and " " in lines[0].strip() and not isinstance(error, OPAQUE_EXCEPTIONS):
        return lines[0].strip()
    return INTERNAL_ERROR


def describe_user_code_exception(error: BaseException) -> str:
    """One line about an exception raised in the user's own code (a plugin): class, message and where in it.

    Unlike dlfc's own exceptions (`describe_exception`), a plugin author needs
    the exception's class and the line of their file to fix it.
    """
    if isinstance(error, DiagnosticException):
        return describe_exception(error)
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    frames = traceback.extract_tb(error.__traceback__)
    if frames and not isinstance(error, SyntaxError):
        text += f" ({frames[-1].filename}:{frames[-1].lineno})"
    return text


def is_dlfc_code(obj: object) -> bool:
    """Whether `obj` (a pass, a class) is dlfc's own rather than a plugin's."""
    module = obj.__module__ if isinstance(obj, type) else type(obj).__module__
    return module == "dlfc" or module.startswith("dlfc.")


def verification_error(module: ModuleOp) -> str | None:
    """None if the module verifies and keeps the module contract (`dlfc.dialects.contract`), else one line saying what is wrong."""
    try:
        module.verify()
    except Exception as e:
        message = describe_exception(e)
        op = failing_op(module)
        return message if op is None or op.name in message else f"{op.name}: {message}"
    return contract_error(module)


def failing_location(module: ModuleOp) -> Attribute | None:
    """The location of the first op whose own verification fails (None if none does)."""
    op = failing_op(module)
    return op.location if op is not None else None


def failing_op(module: ModuleOp) -> Operation | None:
    """The first op, in walk order, whose own verification fails."""
    for op in module.walk():
        try:
            op.verify(verify_nested_ops=False)
        except Exception:
            return op
    return None
