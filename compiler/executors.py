"""Where independent jobs run: in this process, in a local process pool, or on a Dask cluster.

`open_executor(jobs, scheduler)` is the one mechanism behind `dlfc sweep
--jobs/--scheduler` and the `oracle` pass's `jobs`/`scheduler` options:

    scheduler ""              jobs <= 1: None (the caller runs the jobs itself, in order)
                              jobs > 1:  a `ProcessPoolExecutor` of `jobs` processes
    scheduler "local"         a `dask.distributed.LocalCluster` of `jobs` workers (one thread each)
    scheduler "tcp://H:P"     the Dask cluster whose scheduler listens at that address

Dask executors are `distributed.Client.get_executor(pure=False)`: plain
`concurrent.futures.Executor`s, so callers submit and collect the same way on
every backend. Jobs must be picklable and name importable functions; callers
send text (a model's source, a module printed as MLIR) and numbers, never IR
objects. Dask needs the optional extra: `pip install 'dlfc[cluster]'`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from types import ModuleType

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a remote Dask scheduler before giving up."""


class ExecutorError(Exception):
    """An executor that cannot be started: unknown scheduler, no Dask, unreachable scheduler (one line)."""


@contextmanager
def open_executor(
    jobs: int = 1, scheduler: str = "", processes: bool = True, connect_timeout: float = CONNECT_TIMEOUT
) -> Iterator[Executor | None]:
    """The executor `jobs` and `scheduler` ask for (None: run in this process); shut down on exit.

    `processes=False` makes a `local` cluster's workers threads of this process
    (quick to start; for tests). A remote scheduler that does not answer
    within `connect_timeout` seconds is an ExecutorError. Leaving the block early (an exception,
    Ctrl-C) cancels the jobs that have not started.
    """
    if not scheduler:
        if jobs <= 1:
            yield None
            return
        pool = ProcessPoolExecutor(max_workers=jobs)
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    distributed = _distributed(scheduler)
    if scheduler == "local":
        cluster = distributed.LocalCluster(
            n_workers=max(jobs, 1),
            threads_per_worker=1,
            processes=processes,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
        with cluster, distributed.Client(cluster) as client:
            yield client.get_executor(pure=False)
        return
    if "://" not in scheduler:
        raise ExecutorError(
            f"scheduler '{scheduler}': expected 'local' or a Dask scheduler address such as tcp://HOST:8786"
        )
    try:
        client = distributed.Client(scheduler, timeout=connect_timeout)
    except (OSError, TimeoutError, ValueError) as e:
        reason = str(e).strip().splitlines()
        raise ExecutorError(
            f"cannot connect to the Dask scheduler at {scheduler}: {reason[0] if reason else type(e).__name__}"
        ) from None
    with client:
        yield client.get_executor(pure=False)


def _distributed(scheduler: str) -> ModuleType:
    try:
        import distributed
    except ImportError:
        raise ExecutorError(
            f"scheduler '{scheduler}' needs Dask: pip install 'dlfc[cluster]' (dask[distributed])"
        ) from None
    return distributed
