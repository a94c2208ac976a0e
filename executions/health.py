"""The `worker` check of /api/health."""

from __future__ import annotations

from django.utils import timezone

from executions.models import WorkerHeartbeat


def worker_status() -> str:
    """"ok" while some db_worker's heartbeat is fresh, else "down" (no worker runs the queue)."""
    return "ok" if WorkerHeartbeat.any_fresh(timezone.now()) else "down"
