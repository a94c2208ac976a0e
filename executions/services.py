"""Executions: queue a run, run queued ones (one agent at a time), cancel, commit what a run changed.

Called alike by the API, the admin, the `run_agent` command and the worker's task. Keyword-only
arguments, model instances back, domain errors (orchestrator_site.errors) on bad requests.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from agents import gitops
from agents.models import Agent, model_validator
from agents.paths import safe_agent_path
from agents.services import prompt_revision
from executions import processes, runner
from executions.models import Execution, ExecutionEvent
from orchestrator_site.errors import Conflict, InvalidInput, TooManyRequests

logger = logging.getLogger(__name__)

MAX_TASK_CHARS = 100_000
MAX_TURNS = 200
_QUEUE_LOCK_KEY = 0x0E8EC  # any constant; only start_execution takes this advisory lock
HOST = socket.gethostname()[:255]


def worker_identity() -> dict[str, object]:
    """Who claims: this host and process, with its start time (pids get recycled)."""
    return {"worker_host": HOST, "worker_pid": os.getpid(), "worker_started": processes.start_time(os.getpid()) or ""}


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: [message]})


def _check_request(*, agent: Agent, task: str, model: str, max_turns: int | None, timeout: int | None,
                   resume_session_id: str) -> None:
    if agent.deleted_at is not None or agent.is_missing:
        raise InvalidInput(f"The folder of agent '{agent.folder}' is missing from AGENTS_ROOT: restore it or run "
                           "sync.", code="AGENT_MISSING", title="Agent folder missing")
    if not agent.enabled:
        raise InvalidInput(f"Agent '{agent.folder}' is disabled. Enable it to run it.", code="AGENT_DISABLED",
                           title="Agent disabled")
    if not safe_agent_path(agent.folder).is_dir():
        raise InvalidInput(f"The folder of agent '{agent.folder}' is missing from AGENTS_ROOT: restore it or run "
                           "sync.", code="AGENT_MISSING", title="Agent folder missing")
    if not isinstance(task, str) or not task.strip():
        raise _invalid("task", "Give the agent a task: a non-empty text.")
    if len(task) > MAX_TASK_CHARS:
        raise _invalid("task", f"The task is longer than {MAX_TASK_CHARS} characters.")
    if "\x00" in task:
        raise _invalid("task", "The task contains a NUL character.")
    if model:
        try:
            model_validator(model)
        except ValidationError:
            raise _invalid("model", "Use a model alias or id: letters, digits, '.', '-', '_', ':'.") from None
    if max_turns is not None and not 1 <= max_turns <= MAX_TURNS:
        raise _invalid("max_turns", f"Use 1..{MAX_TURNS} turns.")
    if timeout is not None and not 1 <= timeout <= settings.EXECUTION_TIMEOUT:
        raise _invalid("timeout", f"Use 1..{settings.EXECUTION_TIMEOUT} seconds (EXECUTION_TIMEOUT).")
    if resume_session_id:
        try:
            uuid.UUID(resume_session_id)
        except ValueError:
            raise _invalid("resume_session_id", "A session id is a UUID, as shown on an earlier run.") from None


def start_execution(*, agent: Agent, task: str, trigger: str = Execution.Trigger.API, triggered_by: str = "",
                    model: str = "", max_turns: int | None = None, timeout: int | None = None,
                    resume_session_id: str = "", enqueue: bool = True) -> Execution:
    """Queue a run of `agent` on `task`; the workers pick it up once the transaction commits.

    Raises InvalidInput (bad task or options, agent disabled or missing) and TooManyRequests with
    code QUEUE_FULL past MAX_QUEUED_EXECUTIONS queued + running runs. `enqueue=False` leaves the
    run to the caller (run_agent runs it in its own process).
    """
    model = model or ""
    resume_session_id = str(resume_session_id or "")
    _check_request(agent=agent, task=task, model=model, max_turns=max_turns, timeout=timeout,
                   resume_session_id=resume_session_id)
    argv = runner.build_argv(agent=agent, model=model, max_turns=max_turns, resume_session_id=resume_session_id)
    with transaction.atomic():
        # Counted inside the transaction, under a lock, so concurrent requests cannot all squeeze
        # past the limit: SQLite's IMMEDIATE mode holds the write lock already; PostgreSQL takes a
        # transaction-scoped advisory lock.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_QUEUE_LOCK_KEY])
        if Execution.objects.active().count() >= settings.MAX_QUEUED_EXECUTIONS:
            raise TooManyRequests(f"{settings.MAX_QUEUED_EXECUTIONS} runs are queued or running already. Wait "
                                  "for some to finish, or cancel some.", retry_after=10, code="QUEUE_FULL",
                                  title="Queue full")
        execution = Execution.objects.create(
            agent=agent, task=task, trigger=trigger, triggered_by=triggered_by[:150], model=model or agent.model,
            max_turns=max_turns, timeout=timeout or settings.EXECUTION_TIMEOUT, resume_session_id=resume_session_id,
            argv=argv,
        )
        if enqueue:
            transaction.on_commit(lambda: enqueue_execution(execution))
    return execution


def enqueue_execution(execution: Execution) -> None:
    """Hand the run to the workers (a django.tasks task) and remember the task's id."""
    from executions.tasks import run_execution_task

    result = run_execution_task.enqueue(execution.pk)
    Execution.objects.filter(pk=execution.pk).update(task_id=str(result.id))


def _claim_next(agent_id: int) -> Execution | None:
    """Claim the oldest queued run of the agent, if the agent is idle."""
    for _ in range(10):
        head = Execution.objects.queued().filter(agent_id=agent_id).order_by("id").first()
        if head is None:
            return None
        if head.claim(**worker_identity()):
            return head
        if Execution.objects.running().filter(agent_id=agent_id).exists():
            return None  # Someone else runs this agent; they take the next one after it.
        # The head changed under us (cancelled, or claimed and finished): look again.
    return None


def run_queued(*, execution_id: int, on_event: Callable[[ExecutionEvent], None] | None = None) -> list[int]:
    """Run this queued execution if it is next for its agent, then the agent's later queued runs.

    Returns the ids run (empty when it was not its turn: the worker running the agent's current run
    takes it next). Runs of other agents go on in other workers meanwhile.
    """
    execution = Execution.objects.filter(pk=execution_id).first()
    if execution is None:
        return []
    ran: list[int] = []
    # Not its turn? The agent may still be idle (the head of its queue was just cancelled, say):
    # then take the head, so no queued run waits for the reaper's wake-up.
    current = execution if execution.claim(**worker_identity()) else _claim_next(execution.agent_id)
    while current is not None:
        execute_claimed(execution=current, on_event=on_event)
        ran.append(current.pk)
        if runner.SHUTDOWN.is_set():
            break
        current = _claim_next(execution.agent_id)
    return ran


def execute_claimed(*, execution: Execution, on_event: Callable[[ExecutionEvent], None] | None = None) -> Execution:
    """Run a claimed execution's CLI to the end, then commit what it changed. Returns it, final."""
    agent = Agent.objects.get(pk=execution.agent_id)
    execution.agent = agent
    # Built again here, from this worker's CLAUDE_BIN and the agent's settings now: argv is the
    # audit record of what really ran.
    execution.argv = runner.build_argv(agent=agent, model=execution.model, max_turns=execution.max_turns,
                                       resume_session_id=execution.resume_session_id)

    def started() -> None:
        # The CLI reads CLAUDE.md as it starts, so this is the revision it runs with.
        revision = (prompt_revision(agent) or "")[:64]
        Execution.objects.filter(pk=execution.pk).update(prompt_revision=revision)
        runner.note(execution.pk, f"Started on {HOST} (worker pid {os.getpid()}).", status=Execution.Status.RUNNING)

    runner.run(execution, on_event=on_event, after_spawn=started,
               before_finish=lambda status: commit_run(execution=execution, status=status))
    execution.refresh_from_db()
    return execution


def commit_run(*, execution: Execution, status: str) -> str | None:
    """Commit the changes under the agent's folder with an `Execution-Id` trailer; store the sha.

    A git failure becomes an event on the execution, never a failed run."""
    if not settings.AUTO_COMMIT:
        return None
    try:
        folder = safe_agent_path(execution.agent.folder)
    except InvalidInput:
        return None
    first_line = (execution.task.strip().splitlines() or [""])[0][:72]
    message = (f"{execution.agent.folder}: {first_line}\n\nRun #{execution.pk} by the Orchestrator "
               f"({status}).\n\nExecution-Id: {execution.pk}\n")
    try:
        sha = gitops.commit_folder(folder, message)
    except gitops.GitError as exc:
        runner.note(execution.pk, f"Auto-commit failed: {exc}")
        return None
    if sha:
        Execution.objects.filter(pk=execution.pk).update(commit_sha=sha)
        runner.note(execution.pk, f"Committed the agent's changes as {sha[:12]}.")
    return sha


def cancel_execution(*, execution: Execution) -> Execution:
    """Cancel a queued run at once, or ask the process running a running one to stop it (within
    about a second, wherever it runs). Raises Conflict NOT_CANCELLABLE once it has ended."""
    if execution.cancel_queued():
        runner.note(execution.pk, "Cancelled before it started.", status=Execution.Status.CANCELLED)
        execution.refresh_from_db()
        return execution
    if execution.request_cancel():
        runner.note(execution.pk, "Cancel requested.")
        execution.refresh_from_db()
        return execution
    execution.refresh_from_db()
    if execution.status == Execution.Status.RUNNING:
        return execution  # A cancel is already under way.
    raise Conflict(f"Execution {execution.pk} has already ended ({execution.status}); there is nothing to cancel.",
                   code="NOT_CANCELLABLE", title="Not cancellable")
