"""Output files that appear whole or not at all: the one place dlfc opens a file for writing."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Any

import numpy as np
from xdsl.dialects.builtin import ModuleOp, StringAttr

from dlfc.hw.weights import WEIGHTS_ATTR, dump_npz, plan_weights, plan_weights_path


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
