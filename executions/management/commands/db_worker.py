"""`manage.py db_worker`: django-tasks-db's worker, tuned for agent runs.

Differences from the library's command (which this subclasses, same name, our app listed first):
- a default poll interval of 0.05 s instead of 1 s, so a queued run starts within tens of ms;
- the reaper runs at start and every REAP_SECONDS, and a heartbeat row tells /api/health the
  worker lives;
- SIGTERM/SIGINT stop taking work, stop the running CLI (SIGINT, SIGTERM, SIGKILL to its group),
  mark the run `interrupted`, and exit well under 15 s.
"""

from __future__ import annotations

import logging
import os
import threading
from argparse import ArgumentParser
from types import FrameType

from django.core.management.base import CommandError
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands import db_worker as library

from executions import reaper, runner
from executions.models import WorkerHeartbeat
from executions.services import HOST

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 0.05
HEARTBEAT_SECONDS = 5.0
REAP_SECONDS = 10.0


class Worker(library.Worker):
    """The library's loop, plus a housekeeping thread (heartbeat, reaper) and run-aware shutdown."""

    def __init__(self, **kwargs: object):
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._stopped = threading.Event()

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        # Tell the runner first: the run in progress stops and ends `interrupted`.
        runner.SHUTDOWN.set()
        super().shutdown(signum, frame)

    def housekeeping(self) -> None:
        """Heartbeat every HEARTBEAT_SECONDS, reaper and idle-agent kick every REAP_SECONDS."""
        last_reap = 0.0
        while not self._stopped.is_set():
            try:
                close_old_connections()
                WorkerHeartbeat.objects.update_or_create(
                    worker_id=self.worker_id, defaults={"host": HOST, "pid": os.getpid(), "seen_at": timezone.now()})
                now = timezone.now().timestamp()
                if now - last_reap >= REAP_SECONDS:
                    last_reap = now
                    reaper.reap()
                    reaper.kick_idle_agents()
            except Exception:
                logger.exception("Worker housekeeping failed; retrying")
            finally:
                connection.close()
            self._stopped.wait(HEARTBEAT_SECONDS)

    def run(self) -> None:
        # At start, before taking work: whatever this host's dead workers left running is settled.
        reaper.reap()
        reaper.kick_idle_agents()
        thread = threading.Thread(target=self.housekeeping, name="worker-housekeeping", daemon=True)
        thread.start()
        try:
            super().run()
        finally:
            self._stopped.set()
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()


class Command(library.Command):
    help = "Run the background worker that runs agent executions (django-tasks-db, with our reaper)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(interval=DEFAULT_INTERVAL, reload=False)

    def handle(self, *, verbosity: int, queue_name: str, interval: float, batch: bool, backend_name: str,
               startup_delay: bool, reload: bool, max_tasks: int | None, worker_id: str, exclude_queues: str,
               **options: object) -> None:
        # The library's handle(), building our Worker; no autoreload for agent runs: a reload would
        # kill a CLI mid-run without marking it.
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        if reload:
            logger.warning("--reload is not supported by this worker: running without it.")
        worker = Worker(queue_names=queue_names, interval=interval, batch=batch, backend_name=backend_name,
                        startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id,
                        excluded_queue_names=excluded)
        worker.configure_signals()
        worker.run()
