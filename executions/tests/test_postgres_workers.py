"""On PostgreSQL (CI), several workers share one queue: every run runs exactly once, one agent at a time."""

from __future__ import annotations

import itertools

import pytest

from executions import services
from executions.models import Execution
from executions.tests.conftest import wait_for_workers
from executions.tests.test_worker import final


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_runs_each_of_20_queued_runs_exactly_once_with_two_workers(start_worker, make_agent, tmp_path):
    ran = tmp_path / "ran.txt"
    agents = [make_agent(f"agent-{number}") for number in range(5)]
    workers = [start_worker(), start_worker()]
    wait_for_workers(2)
    runs = [services.start_execution(agent=agents[number % 5], task=f"run-{number}\n[[fake:success append={ran}]]")
            for number in range(20)]

    for execution in runs:
        assert final(execution, timeout=90).status == Execution.Status.SUCCEEDED
    assert sorted(ran.read_text().split()) == sorted(f"run-{number}" for number in range(20))
    for execution in runs:
        assert execution.events.filter(type="system/init").count() == 1
    for agent in agents:
        mine = sorted((execution for execution in runs if execution.agent_id == agent.pk), key=lambda e: e.pk)
        for before, after in itertools.pairwise(mine):
            assert before.finished_at <= after.started_at
    assert {execution.worker_pid for execution in runs} == {worker.pid for worker in workers}
