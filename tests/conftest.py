"""Every test gets its own empty tuning cache (autotune's cache directory follows XDG_CACHE_HOME)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def private_tuning_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
