"""The .dlm frontend: model text to graph-dialect IR.

`load_dlm` and `parse_dlm` raise `DlmError` for every problem in a model or
its weights file, and no other exception.
"""

from __future__ import annotations

from xdsl.dialects.builtin import ModuleOp

from dlfc.compiler.frontend.diagnostics import DlmError, SourceFile
from dlfc.compiler.frontend.irgen import check_program, generate
from dlfc.compiler.frontend.parser import decode_source, parse_program, read_source
from dlfc.hw.weights import WeightError, WeightStore, attach_store

__all__ = ["DlmError", "load_dlm", "parse_dlm"]


def load_dlm(path: str, weights: str | None = None) -> ModuleOp:
    """Compile the .dlm file at `path` to graph IR.

    With `weights` (an .npz file), every weight the file names is checked against
    the model, and the file's values become the module's weight store
    (`dlfc.hw.weights.store_of(module)`).
    """
    return _compile(read_source(path), weights)


def parse_dlm(source: str | bytes, filename: str, weights: str | None = None) -> ModuleOp:
    """Compile .dlm text (reported as `filename` in errors) to graph IR.

    `source` may also be the file's bytes, which must be UTF-8.
    """
    text = decode_source(source, filename) if isinstance(source, bytes) else SourceFile(filename, source)
    return _compile(text, weights)


def _compile(source: SourceFile, weights: str | None) -> ModuleOp:
    try:
        program = check_program(parse_program(source), source)
        store = _load_weights(weights) if weights is not None else None
        module = generate(program, source, store)
    except RecursionError:
        raise DlmError(source.name, "the model is nested too deeply to compile") from None
    if store is not None:
        attach_store(module, store)  # so that running the module uses the file's values
    return module


def _load_weights(path: str) -> WeightStore:
    try:
        return WeightStore.from_npz(path)
    except WeightError as e:
        raise DlmError(path, str(e)) from None
