"""Nothing stays `running` forever: mark runs whose process died as `interrupted`, never re-run them.

A run is dead when its worker process on this host is gone (checked by pid and start time, at
once), or when its heartbeat stopped (any host, after STALE_AFTER_SECONDS). Its CLI group is
killed when it is on this host and the pid is provably still that CLI. Agent runs have side
effects, so the reaper never starts one again by itself; it only wakes the next queued run of an
agent left idle.
"""

from __future__ import annotations

import datetime
import logging
import signal
import time

from django.db.models import Q
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from executions import processes, runner
from executions.models import STALE_AFTER_SECONDS, Execution
from executions.services import HOST, enqueue_execution

logger = logging.getLogger(__name__)

_KICK_AFTER_SECONDS = 5.0


def _worker_dead(execution: Execution) -> bool:
    if execution.worker_host != HOST or not execution.worker_pid:
        return False
    return not processes.is_alive(execution.worker_pid, execution.worker_started or None)


def _kill_cli(execution: Execution) -> str:
    """Kill the run's CLI group when it is here and provably the one started; says what happened."""
    if execution.worker_host != HOST or not execution.pgid:
        return f"its processes, if any, are on {execution.worker_host or 'an unknown host'}"
    leader_alive = execution.pid and processes.is_alive(execution.pid, execution.pid_started or None)
    if execution.pid and not leader_alive and processes.is_alive(execution.pid):
        return "its pid now belongs to another process, which was left alone"
    members = processes.group_members(execution.pgid)
    if not leader_alive and not members:
        return "no process of it was left"
    # While any member lives the group id cannot be reused, so these are the run's processes.
    processes.signal_group(execution.pgid, signal.SIGTERM)
    deadline = time.monotonic() + 2.0
    while processes.group_members(execution.pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    processes.signal_group(execution.pgid, signal.SIGKILL)
    return f"its process group {execution.pgid} was killed"


def reap(*, now: datetime.datetime | None = None) -> list[int]:
    """Mark dead running executions `interrupted`; returns their ids."""
    now = now or timezone.now()
    reaped = []
    candidates = Execution.objects.running().filter(
        Q(pk__in=Execution.objects.stale(now).values("pk")) | Q(worker_host=HOST))
    for execution in candidates:
        if execution.worker_host == HOST and execution.worker_pid:
            # Here the process table is the truth (a live worker may be busy committing and late
            # with its heartbeat; a dead one is known dead at once).
            if not _worker_dead(execution):
                continue
        elif execution.heartbeat_at is not None and execution.heartbeat_at >= now - datetime.timedelta(
                seconds=STALE_AFTER_SECONDS):
            continue
        # Conditional on the heartbeat we judged: a run that just beat is alive after all.
        won = Execution.objects.filter(pk=execution.pk, status=Execution.Status.RUNNING,
                                       heartbeat_at=execution.heartbeat_at).update(
            status=Execution.Status.INTERRUPTED, finished_at=timezone.now(),
            error_message="The process running it died (worker killed or host down); it was not re-run.")
        if not won:
            continue
        outcome = _kill_cli(execution)
        runner.note(execution.pk, f"Marked interrupted: its worker stopped; {outcome}.",
                    status=Execution.Status.INTERRUPTED)
        logger.warning("Execution %s marked interrupted (%s)", execution.pk, outcome)
        reaped.append(execution.pk)
    return reaped


def kick_idle_agents(*, now: datetime.datetime | None = None) -> list[int]:
    """Re-enqueue the next queued run of each idle agent whose task is no longer waiting (its worker
    died between runs, say). Returns the execution ids woken."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=_KICK_AFTER_SECONDS)
    busy = Execution.objects.running().values("agent_id")
    heads: dict[int, Execution] = {}
    for execution in Execution.objects.queued().exclude(agent_id__in=busy).order_by("id"):
        heads.setdefault(execution.agent_id, execution)
    woken = []
    for head in heads.values():
        if head.created_at > cutoff:
            continue
        # Only a READY task is sure to come: a RUNNING one this old belongs to a worker that died
        # before claiming (a live one claims within milliseconds). A spare task is harmless: the
        # claim is conditional, so a run never starts twice.
        waiting = head.task_id and DBTaskResult.objects.filter(pk=head.task_id, status=TaskResultStatus.READY).exists()
        if not waiting:
            enqueue_execution(head)
            woken.append(head.pk)
    return woken
