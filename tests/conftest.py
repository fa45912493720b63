"""Every test gets its own empty tuning cache (autotune's cache directory follows XDG_CACHE_HOME).

Hypothesis reports a failing example by importing its patch writer, which imports libcst, which imports
mypy_extensions, which warns DeprecationWarning; under the suite's `-W error::DeprecationWarning` that import
fails inside pytest-xdist's report hook, the worker crashes and the failing example is lost. It is imported here
once, with that warning ignored, so a failure is reported.
"""

from __future__ import annotations

import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import hypothesis.extra._patching  # noqa: F401
    except ImportError:  # libcst is not installed: hypothesis then skips writing patches
        pass


@pytest.fixture(autouse=True)
def private_tuning_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
