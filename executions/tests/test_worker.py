"""Executions through the real `manage.py db_worker` process, with the fake CLI."""

from __future__ import annotations

import itertools
import signal
import subprocess
import time

import pytest
from django_tasks_db.models import DBTaskResult

from executions import services
from executions.models import Execution, WorkerHeartbeat
from executions.tests.conftest import pid_alive, wait_for, wait_for_workers

pytestmark = pytest.mark.django_db(transaction=True)


def queue(agent, task: str, **options) -> Execution:
    return services.start_execution(agent=agent, task=task, **options)


def final(execution: Execution, timeout: float = 30.0) -> Execution:
    def ended():
        execution.refresh_from_db()
        return execution.finished
    wait_for(ended, timeout=timeout, message=f"execution {execution.pk} to end")
    return execution


def read_pids(path) -> tuple[int, int]:
    text = wait_for(lambda: path.exists() and path.read_text().strip(), timeout=20, message="the fake's pid file")
    cli, grandchild = (int(value) for value in text.split())
    return cli, grandchild


def test_it_runs_a_django_task_end_to_end_through_the_real_worker(worker, make_agent):
    execution = final(queue(make_agent("devops"), "Check the disk"))

    assert execution.status == Execution.Status.SUCCEEDED, execution.error_message
    assert execution.total_cost_usd > 0
    assert execution.worker_pid == worker.pid
    task = DBTaskResult.objects.get(pk=execution.task_id)
    assert task.status == "SUCCESSFUL"
    assert task.return_value == [execution.pk]
    assert WorkerHeartbeat.objects.filter(pid=worker.pid).exists()


def test_it_records_failures_and_crashes_through_the_worker(worker, make_agent):
    failed = queue(make_agent("one"), "[[fake:error]]")
    crashed = queue(make_agent("two"), "[[fake:no-result]]")

    assert final(failed).status == Execution.Status.FAILED
    assert failed.result == "API Error: 500 Internal server error"
    assert final(crashed).status == Execution.Status.FAILED
    assert crashed.exit_code == 2
    assert "without a result" in crashed.error_message


def test_it_fails_clearly_when_the_worker_has_no_cli(start_worker, make_agent, tmp_path):
    start_worker(CLAUDE_BIN=str(tmp_path / "missing" / "claude"))
    execution = final(queue(make_agent("devops"), "Check the disk"))

    assert execution.status == Execution.Status.FAILED
    assert "was not found" in execution.error_message
    assert execution.argv[0] == str(tmp_path / "missing" / "claude")


def test_it_cancels_a_running_run_and_kills_its_whole_group(worker, make_agent, tmp_path):
    pidfile = tmp_path / "pids"
    execution = queue(make_agent("devops"), f"[[fake:hang grandchild=1 pidfile={pidfile}]]")
    cli, grandchild = read_pids(pidfile)

    services.cancel_execution(execution=Execution.objects.get(pk=execution.pk))
    assert final(execution, timeout=15).status == Execution.Status.CANCELLED
    assert execution.subtype == "error_during_execution"
    wait_for(lambda: not pid_alive(cli) and not pid_alive(grandchild), timeout=5, message="the group to die")


def test_it_never_starts_a_run_cancelled_while_queued(worker, make_agent, tmp_path):
    agent = make_agent("devops")
    pidfile = tmp_path / "first"
    first = queue(agent, f"[[fake:hang pidfile={pidfile}]]")
    record = tmp_path / "second-ran"
    second = queue(agent, f"[[fake:success record={record}]]")
    read_pids(pidfile)

    services.cancel_execution(execution=second)
    services.cancel_execution(execution=Execution.objects.get(pk=first.pk))
    assert final(first).status == Execution.Status.CANCELLED
    second.refresh_from_db()
    assert second.status == Execution.Status.CANCELLED
    assert second.started_at is None
    assert not record.exists()


def test_it_times_out_through_the_worker_leaving_no_process(worker, make_agent, tmp_path):
    pidfile = tmp_path / "pids"
    execution = queue(make_agent("devops"), f"[[fake:hang grandchild=1 pidfile={pidfile}]]", timeout=1)
    cli, grandchild = read_pids(pidfile)

    assert final(execution).status == Execution.Status.TIMED_OUT
    wait_for(lambda: not pid_alive(cli) and not pid_alive(grandchild), timeout=5, message="the group to die")


def test_it_runs_one_agent_serially_in_order_and_two_agents_side_by_side(start_worker, make_agent):
    start_worker()
    start_worker()
    wait_for_workers(2)
    serial, other = make_agent("serial"), make_agent("other")
    runs = [queue(serial, f"run {number} [[fake:slow events=3 delay=0.3]]") for number in range(3)]
    side = queue(other, "[[fake:slow events=3 delay=0.3]]")

    for execution in [*runs, side]:
        assert final(execution).status == Execution.Status.SUCCEEDED
    for before, after in itertools.pairwise(runs):
        assert before.finished_at <= after.started_at, "runs of one agent overlapped or went out of order"
    assert side.started_at < runs[0].finished_at and runs[0].started_at < side.finished_at, \
        "two agents did not run side by side"


def test_it_marks_a_run_interrupted_after_the_worker_is_killed_and_leaves_no_orphan(start_worker, make_agent,
                                                                                    tmp_path):
    first = start_worker()
    pidfile = tmp_path / "pids"
    execution = queue(make_agent("devops"), f"[[fake:hang grandchild=1 pidfile={pidfile}]]")
    cli, grandchild = read_pids(pidfile)
    wait_for(lambda: Execution.objects.filter(pk=execution.pk, pid=cli).exists(), message="the pid to be stored")

    first.stop(signal.SIGKILL)
    # SIGKILL leaves the CLI and its child behind (they live in their own session) ...
    assert pid_alive(cli) and pid_alive(grandchild)
    execution.refresh_from_db()
    assert execution.status == Execution.Status.RUNNING

    # ... until a worker starts on this host: its reaper marks the run and kills the group.
    start_worker()
    assert final(execution, timeout=20).status == Execution.Status.INTERRUPTED
    assert "not re-run" in execution.error_message
    wait_for(lambda: not pid_alive(cli) and not pid_alive(grandchild), timeout=5, message="the orphans to die")
    assert Execution.objects.count() == 1


def test_it_exits_cleanly_on_sigterm_and_marks_the_run_interrupted(worker, make_agent, tmp_path):
    pidfile = tmp_path / "pids"
    execution = queue(make_agent("devops"), f"[[fake:hang grandchild=1 pidfile={pidfile}]]")
    cli, grandchild = read_pids(pidfile)

    started = time.monotonic()
    returncode = worker.stop(signal.SIGTERM, timeout=15)
    assert time.monotonic() - started < 15
    assert returncode == 0, worker.output()
    execution.refresh_from_db()
    assert execution.status == Execution.Status.INTERRUPTED
    assert not pid_alive(cli)
    wait_for(lambda: not pid_alive(grandchild), timeout=5, message="the grandchild to die")
    assert not WorkerHeartbeat.objects.filter(pid=worker.pid).exists()


def rss_mib(pid: int) -> float:
    """Resident memory of `pid` in MiB (`ps` reports KiB on Linux and macOS alike)."""
    done = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True, check=True)
    return int(done.stdout.strip()) / 1024


def test_it_keeps_the_worker_memory_flat_while_a_run_prints_far_past_the_cap(worker, make_agent):
    warm = final(queue(make_agent("warm"), "[[fake:success]]"))
    assert warm.status == Execution.Status.SUCCEEDED
    baseline = rss_mib(worker.pid)
    execution = queue(make_agent("devops"), f"[[fake:huge size={256 * 1024 * 1024}]]")
    peak = baseline
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        peak = max(peak, rss_mib(worker.pid))
        execution.refresh_from_db()
        if execution.finished:
            break
        time.sleep(0.05)

    assert execution.status == Execution.Status.SUCCEEDED
    assert execution.truncated is True
    assert execution.output_bytes <= 10 * 1024 * 1024 + 64 * 1024
    assert peak - baseline < 40, f"worker grew by {peak - baseline:.1f} MiB"
