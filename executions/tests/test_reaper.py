"""The reaper: dead runs end `interrupted`, their groups die only when provably theirs, nothing re-runs."""

from __future__ import annotations

import datetime
import os
import subprocess

import pytest
from django.utils import timezone

from executions import processes, reaper
from executions.models import STALE_AFTER_SECONDS, Execution
from executions.services import HOST
from executions.tests.conftest import pid_alive, wait_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def sleeper():
    """A live process in its own group, standing for a CLI."""
    process = subprocess.Popen(["sleep", "300"], start_new_session=True)
    yield process
    process.kill()
    process.wait()


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def running(agent, **fields) -> Execution:
    defaults = {"status": Execution.Status.RUNNING, "timeout": 60, "task": "t", "started_at": timezone.now(),
                "heartbeat_at": timezone.now()}
    return Execution.objects.create(agent=agent, **{**defaults, **fields})


def test_it_interrupts_a_run_whose_worker_here_died_and_kills_its_group(make_agent, sleeper):
    execution = running(make_agent("devops"), worker_host=HOST, worker_pid=dead_pid(), pid=sleeper.pid,
                        pgid=sleeper.pid, pid_started=processes.start_time(sleeper.pid))

    assert reaper.reap() == [execution.pk]
    execution.refresh_from_db()
    assert execution.status == Execution.Status.INTERRUPTED
    assert execution.finished_at is not None
    wait_for(lambda: sleeper.poll() is not None, timeout=5, message="the group to be killed")
    assert "process group" in execution.events.last().payload["message"]


def test_it_never_kills_a_recycled_pid(make_agent, sleeper):
    execution = running(make_agent("devops"), worker_host=HOST, worker_pid=dead_pid(), pid=sleeper.pid,
                        pgid=sleeper.pid, pid_started="linux:1")  # started at another time: not ours

    assert reaper.reap() == [execution.pk]
    assert pid_alive(sleeper.pid)
    assert "left alone" in Execution.objects.get(pk=execution.pk).events.last().payload["message"]


def test_it_interrupts_a_stale_run_of_another_host_without_killing_anything(make_agent, sleeper):
    stale = timezone.now() - datetime.timedelta(seconds=STALE_AFTER_SECONDS + 5)
    execution = running(make_agent("devops"), worker_host="elsewhere", worker_pid=os.getpid(), pid=sleeper.pid,
                        pgid=sleeper.pid, heartbeat_at=stale)

    assert reaper.reap() == [execution.pk]
    assert Execution.objects.get(pk=execution.pk).status == Execution.Status.INTERRUPTED
    assert pid_alive(sleeper.pid)


def test_it_leaves_live_runs_alone(make_agent):
    running(make_agent("devops"), worker_host=HOST, worker_pid=os.getpid(),
            worker_started=processes.start_time(os.getpid()))
    running(make_agent("writer"), worker_host="elsewhere", worker_pid=1)

    assert reaper.reap() == []
    assert set(Execution.objects.values_list("status", flat=True)) == {Execution.Status.RUNNING}


def test_it_wakes_the_next_queued_run_of_an_idle_agent_but_never_re_runs(make_agent):
    agent = make_agent("devops")
    interrupted = Execution.objects.create(agent=agent, task="t", timeout=60, status=Execution.Status.INTERRUPTED)
    waiting = Execution.objects.create(agent=agent, task="t", timeout=60,
                                       created_at=timezone.now() - datetime.timedelta(seconds=30))

    assert reaper.kick_idle_agents() == [waiting.pk]
    waiting.refresh_from_db()
    assert waiting.task_id
    # Its task now waits in the queue: no second wake-up.
    assert reaper.kick_idle_agents() == []
    assert Execution.objects.get(pk=interrupted.pk).status == Execution.Status.INTERRUPTED
