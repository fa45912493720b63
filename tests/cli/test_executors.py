"""Executors (`dlfc.compiler.executors`): in-process, process pool, Dask; the oracle searches through each (issue 20)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import pytest
from transforms.fusion_testing import model

from dlfc.compiler.context import make_context
from dlfc.compiler.executors import ExecutorError, open_executor
from dlfc.compiler.pass_manager import PassFailure, run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import parse_pass_pipeline
from dlfc.compiler.transforms.oracle import Reduction, oracle
from dlfc.dialects import fusion
from dlfc.hw.target import load_target

MLU100 = load_target("mlu100")

INCEPTION = """
    a = relu(conv2d(x, 16, kernel=1))
    b = relu(conv2d(relu(conv2d(x, 8, kernel=1)), 16, kernel=3, pad=1))
    c = relu(conv2d(maxpool(x, 3, stride=1, pad=1), 16, kernel=1))
    output concat(a, b, c, axis=1)
"""


@pytest.fixture(scope="module")
def tcp_cluster() -> Iterator[str]:
    """A Dask cluster of 2 workers (threads of this process) behind a real TCP scheduler: its address."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://", dashboard_address=":0"
    ) as cluster:
        yield cluster.scheduler_address


def groups(module) -> list[str]:
    return [str(g) for g in module.walk() if isinstance(g, fusion.GroupOp)]


def test_no_scheduler_and_one_job_runs_here() -> None:
    with open_executor(1) as executor:
        assert executor is None


def test_jobs_give_a_process_pool() -> None:
    with open_executor(2) as executor:
        assert isinstance(executor, ProcessPoolExecutor)
        assert executor.submit(sum, [1, 2]).result() == 3


def test_oracle_on_a_local_dask_cluster_finds_the_serial_plan() -> None:
    pytest.importorskip("distributed")
    serial_module = model(INCEPTION)
    serial = oracle(serial_module, MLU100, Reduction(window=4), progress=False)
    module = model(INCEPTION)
    with open_executor(2, "local", processes=False) as executor:
        assert type(executor).__name__ == "ClientExecutor"
        result = oracle(module, MLU100, Reduction(window=4), executor=executor, progress=False)
    module.verify()
    assert result.all_windows_complete and result.windows == 3 and result.plans == serial.plans
    assert groups(module) == groups(serial_module)


def test_oracle_pass_scheduler_option_connects_to_a_cluster(tcp_cluster: str) -> None:
    serial_module, module = model(INCEPTION), model(INCEPTION)
    factories = get_all_passes()
    run_pipeline(make_context(), serial_module, parse_pass_pipeline("oracle{window=4 progress=false}", factories))
    pipeline = f'oracle{{window=4 progress=false jobs=2 scheduler="{tcp_cluster}"}}'
    run_pipeline(make_context(), module, parse_pass_pipeline(pipeline, factories))
    assert tcp_cluster.startswith("tcp://")
    assert groups(module) == groups(serial_module)


def test_unreachable_scheduler_is_one_line() -> None:
    pytest.importorskip("distributed")
    with pytest.raises(ExecutorError, match=r"^cannot connect to the Dask scheduler at tcp://127\.0\.0\.1:1: .+$"):
        with open_executor(1, "tcp://127.0.0.1:1", connect_timeout=0.5):
            pass


def test_scheduler_that_is_no_address() -> None:
    pytest.importorskip("distributed")
    with pytest.raises(
        ExecutorError,
        match=r"^scheduler 'cluster7': expected 'local' or a Dask scheduler address such as tcp://HOST:8786$",
    ):
        with open_executor(1, "cluster7"):
            pass


def test_oracle_pass_reports_a_bad_scheduler() -> None:
    pytest.importorskip("distributed")
    passes = parse_pass_pipeline('oracle{scheduler="cluster7" progress=false}', get_all_passes())
    with pytest.raises(PassFailure, match=r"^pass 'oracle' failed: scheduler 'cluster7': expected"):
        run_pipeline(make_context(), model(INCEPTION), passes)


def test_dlfc_scheduler_option_reaches_the_oracle(tcp_cluster: str, tmp_path, capsys) -> None:
    """`dlfc --scheduler ADDRESS` gives the oracle its cluster, as --hw gives every pass its target."""
    from dlfc.compiler.cli import main

    path = tmp_path / "inception.dlm"
    path.write_text("model inception {\n  input x: f32[1, 16, 14, 14]\n" + INCEPTION + "}\n")
    pipeline = "oracle{window=4 progress=false jobs=2},convert-fusion-to-accel"
    here, there = tmp_path / "here.mlir", tmp_path / "there.mlir"
    assert main([str(path), "--pass-pipeline", pipeline, "-o", str(here)]) == 0
    assert main([str(path), "--pass-pipeline", pipeline, "--scheduler", tcp_cluster, "-o", str(there)]) == 0
    assert there.read_text() == here.read_text()
    assert main([str(path), "--pass-pipeline", pipeline, "--scheduler", "cluster7", "-o", str(there)]) == 1
    assert "dlfc: error: pass 'oracle' failed: scheduler 'cluster7'" in capsys.readouterr().err
