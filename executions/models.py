"""Executions of agents: one row per run of the Claude CLI, and the stream-json events it printed.

State transitions are conditional UPDATEs on the row (`claim`, `finish`, `cancel_queued`), so two
workers, a cancel and the reaper can race without a lock held across a run: whoever's UPDATE
matches first wins, the others see 0 rows changed.
"""

from __future__ import annotations

import datetime

from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from agents.models import Agent

# A running execution's heartbeat is refreshed this often by the process running it ...
HEARTBEAT_SECONDS = 2.0
# ... and one not refreshed for this long belongs to a dead process (on any host).
STALE_AFTER_SECONDS = 30.0
# A worker's own heartbeat (for /api/health) counts as fresh for this long.
WORKER_FRESH_SECONDS = 30.0


class ExecutionQuerySet(models.QuerySet):
    def active(self) -> ExecutionQuerySet:
        return self.filter(status__in=Execution.ACTIVE)

    def running(self) -> ExecutionQuerySet:
        return self.filter(status=Execution.Status.RUNNING)

    def queued(self) -> ExecutionQuerySet:
        return self.filter(status=Execution.Status.QUEUED)

    def stale(self, now: datetime.datetime) -> ExecutionQuerySet:
        """Running rows whose heartbeat stopped: their process is gone, wherever it ran."""
        cutoff = now - datetime.timedelta(seconds=STALE_AFTER_SECONDS)
        return self.running().filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True))

    def finished(self) -> ExecutionQuerySet:
        return self.exclude(status__in=Execution.ACTIVE)


class Execution(models.Model):
    """One run of the CLI for one agent, from queued to a final status."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        TIMED_OUT = "timed_out"
        CANCELLED = "cancelled"
        INTERRUPTED = "interrupted"

    class Trigger(models.TextChoices):
        API = "api"
        CLI = "cli"
        ADMIN = "admin"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="executions")
    task = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=8, choices=Trigger.choices, default=Trigger.API)
    triggered_by = models.CharField(max_length=150, blank=True, help_text="User name, when a user asked.")

    # What was asked (validated) and what was run.
    model = models.CharField(max_length=100, blank=True)
    max_turns = models.PositiveIntegerField(null=True, blank=True)
    timeout = models.PositiveIntegerField(help_text="Wall-clock limit in seconds.")
    resume_session_id = models.CharField(max_length=64, blank=True)
    argv = models.JSONField(default=list, blank=True)
    prompt_revision = models.CharField(max_length=64, blank=True, help_text="Git sha of CLAUDE.md at start.")

    # Who runs it: the worker process and the CLI's process group.
    task_id = models.CharField(max_length=64, blank=True, help_text="The django-tasks result id.")
    worker_host = models.CharField(max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    worker_started = models.CharField(max_length=64, blank=True, help_text="The worker's process start time.")
    pid = models.PositiveIntegerField(null=True, blank=True)
    pgid = models.PositiveIntegerField(null=True, blank=True)
    # The CLI's process start time as the OS reports it, so a recycled pid is never killed.
    pid_started = models.CharField(max_length=64, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)

    # From the CLI's final `result` event.
    exit_code = models.IntegerField(null=True, blank=True)
    result = models.TextField(blank=True)
    errors = models.JSONField(default=list, blank=True)
    is_error = models.BooleanField(null=True, blank=True)
    subtype = models.CharField(max_length=64, blank=True)
    session_id = models.CharField(max_length=64, blank=True)
    total_cost_usd = models.FloatField(null=True, blank=True,
                                       help_text="The CLI's API-equivalent cost figure, in USD.")
    input_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    output_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    cache_read_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    cache_creation_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    num_turns = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveBigIntegerField(null=True, blank=True)
    permission_denials = models.JSONField(default=list, blank=True)

    # Ours.
    error_message = models.TextField(blank=True, help_text="Why the run failed outside the CLI.")
    truncated = models.BooleanField(default=False)
    output_bytes = models.PositiveBigIntegerField(default=0)
    commit_sha = models.CharField(max_length=64, blank=True)
    last_seq = models.PositiveIntegerField(default=0)

    objects = ExecutionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agent", "status", "created_at"], name="execution_agent_status"),
            models.Index(fields=["status", "created_at"], name="execution_status_created"),
            models.Index(fields=["created_at"], name="execution_created"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.agent_id} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status not in self.ACTIVE

    @property
    def task_preview(self) -> str:
        return self.task[:200]

    def claim(self, *, worker_host: str, worker_pid: int, worker_started: str = "") -> bool:
        """queued -> running, when this is the oldest queued run of its agent and none is running.

        False when another worker, a cancel or an earlier run of the same agent got there first.
        The agent row is locked first (a no-op on SQLite, whose IMMEDIATE transactions already
        serialise writers), so two PostgreSQL workers cannot both see the agent idle.
        """
        earlier_or_running = Execution.objects.filter(agent_id=OuterRef("agent_id")).filter(
            Q(status=self.Status.RUNNING) | Q(status=self.Status.QUEUED, id__lt=OuterRef("id"))
        )
        with transaction.atomic():
            list(Agent.objects.select_for_update().filter(pk=self.agent_id).values_list("pk", flat=True))
            now = timezone.now()
            won = (
                Execution.objects.filter(pk=self.pk, status=self.Status.QUEUED)
                .filter(~Exists(earlier_or_running))
                .update(status=self.Status.RUNNING, started_at=now, heartbeat_at=now,
                        worker_host=worker_host, worker_pid=worker_pid, worker_started=worker_started)
            )
        if won:
            self.refresh_from_db()
        return won == 1

    def cancel_queued(self) -> bool:
        """queued -> cancelled; False when it has started (or ended) already."""
        now = timezone.now()
        won = Execution.objects.filter(pk=self.pk, status=self.Status.QUEUED).update(
            status=self.Status.CANCELLED, finished_at=now, cancel_requested_at=now,
            error_message="Cancelled before it started.",
        )
        return won == 1

    def request_cancel(self) -> bool:
        """Ask whoever runs it to stop; False when it is not running."""
        won = Execution.objects.filter(pk=self.pk, status=self.Status.RUNNING,
                                       cancel_requested_at__isnull=True).update(
            cancel_requested_at=timezone.now())
        return won == 1

    def beat(self) -> bool:
        """Refresh the heartbeat; False when the row is no longer running (the reaper gave up on it)."""
        return Execution.objects.filter(pk=self.pk, status=self.Status.RUNNING).update(
            heartbeat_at=timezone.now()) == 1

    def finish(self, *, status: str, **fields: object) -> bool:
        """running -> a final status, with what the run produced. False when it already ended
        (say the reaper marked it interrupted): the first final word stands."""
        if status in self.ACTIVE:
            raise ValueError(f"{status} is not a final status")
        fields.setdefault("finished_at", timezone.now())
        won = Execution.objects.filter(pk=self.pk, status=self.Status.RUNNING).update(status=status, **fields)
        self.refresh_from_db()
        return won == 1

    def cancel_requested(self) -> bool:
        return Execution.objects.filter(pk=self.pk, cancel_requested_at__isnull=False).exists()


class ExecutionEvent(models.Model):
    """One line the CLI printed (a stream-json event, stderr, a non-JSON line) or a note of ours."""

    class Kind:
        STDERR = "stderr"
        RAW = "raw"
        ORCHESTRATOR = "orchestrator"

    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField(help_text="1-based, gapless per execution.")
    type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["execution_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["execution", "seq"], name="event_execution_seq")]
        indexes = [
            # The MCP page reads each agent's latest system/init (the servers Claude Code reported).
            models.Index(fields=["execution"], condition=Q(type="system/init"), name="event_init"),
        ]

    def __str__(self) -> str:
        return f"#{self.execution_id}.{self.seq} {self.type}"

    def as_dict(self) -> dict[str, object]:
        return {"seq": self.seq, "type": self.type, "payload": self.payload, "at": self.at.isoformat()}


class WorkerHeartbeat(models.Model):
    """One row per db_worker process, refreshed while it lives; /api/health reads it."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"

    @classmethod
    def any_fresh(cls, now: datetime.datetime) -> bool:
        return cls.objects.filter(seen_at__gte=now - datetime.timedelta(seconds=WORKER_FRESH_SECONDS)).exists()
