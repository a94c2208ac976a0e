"""`manage.py db_worker`: django-tasks-db's worker, tuned for agent runs.

Differences from the library's command (which this subclasses, same name, our app listed first):
- a default poll interval of 0.025 s instead of 1 s (each idle poll is one cheap indexed read),
  so a queued run starts within tens of ms;
- the reaper runs at start and every REAP_SECONDS, and a heartbeat row tells /api/health the
  worker lives;
- SIGTERM/SIGINT stop taking work, stop the running CLI (SIGINT, SIGTERM, SIGKILL to its group),
  mark the run `interrupted`, and exit well under 15 s.
"""

from __future__ import annotations

import datetime
import logging
import os
import random
import threading
import time
from argparse import ArgumentParser
from types import FrameType

from django.core.management.base import CommandError
from django.db import close_old_connections, connection
from django.db.utils import OperationalError
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.management.commands import db_worker as library
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from executions import reaper, runner
from executions.models import WorkerHeartbeat
from executions.services import HOST

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 0.025
CONNECTION_CHECK_SECONDS = 1.0
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
                # Rows of workers that were killed (SIGKILL leaves them) fade out after a day.
                WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - datetime.timedelta(days=1)).delete()
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
            self.loop()
        finally:
            self._stopped.set()
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()

    def anything_ready(self) -> bool:
        """One cheap indexed read, outside any transaction: is a task waiting at all?

        The library takes an exclusive transaction on every poll; at 20 polls a second that costs
        CPU and, on SQLite, collides with the API's and the runners' writes. Only when this says
        yes does the loop take the lock and claim (a false yes just costs one full poll)."""
        table = connection.ops.quote_name(DBTaskResult._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {table} WHERE status = %s AND backend_name = %s LIMIT 1",  # noqa: S608
                           [TaskResultStatus.READY, self.backend_name])
            return cursor.fetchone() is not None

    def loop(self) -> None:
        """The library's Worker.run() loop (claim with skip_locked in an exclusive transaction, run,
        repeat), with the cheap `anything_ready` check in front of each poll."""
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 - spreads a herd of workers starting together
        last_check = 0.0
        while self.running:
            # Django's stale-connection check closes a connection with CONN_MAX_AGE=0 (SQLite's
            # default) every time, and reopening costs more than the poll: once a second is enough.
            if time.monotonic() - last_check >= CONNECTION_CHECK_SECONDS:
                close_old_connections()
                last_check = time.monotonic()
            try:
                ready = self.anything_ready()
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                ready = True
            task_result = None
            retrieved = True
            if ready:
                tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
                if not self.process_all_queues:
                    tasks = tasks.filter(queue_name__in=self.queue_names)
                if self.excluded_queue_names:
                    tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
                with exclusive_transaction(tasks.db):
                    try:
                        task_result = tasks.get_locked()
                        if task_result is not None:
                            task_result.claim(self.worker_id)
                    except OperationalError as exc:
                        if not is_locked_database_exception(exc):
                            raise
                        retrieved, task_result = False, None
            if task_result is not None:
                self.run_task(task_result)
                close_old_connections()
                last_check = time.monotonic()
            if self.batch and retrieved and task_result is None:
                logger.info("No more tasks to run for worker_id=%s - exiting gracefully.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info("Run maximum tasks (%d) on worker=%s - exiting gracefully.", self._run_tasks,
                            self.worker_id)
                return
            if self.running and task_result is None:
                time.sleep(self.interval)


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
