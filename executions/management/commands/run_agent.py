"""`manage.py run_agent <folder> <task | ->`: run an agent now, in this process, with live progress."""

from __future__ import annotations

import json
import signal
import sys
import time
from argparse import ArgumentParser, ArgumentTypeError

from django.core.management.base import BaseCommand, CommandError

from agents.services import get_agent
from executions import runner, services
from executions.models import Execution, ExecutionEvent
from executions.serializers import ExecutionDetailSerializer
from orchestrator_site.errors import ServiceError


def positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ArgumentTypeError("must be a whole number") from None
    if number < 1:
        raise ArgumentTypeError("must be at least 1")
    return number


class Command(BaseCommand):
    help = ("Run an agent on a task now, in this process (no worker needed), printing progress; '-' reads the task "
            "from stdin. Exits 0 only when the run succeeded. --enqueue queues it for the workers instead.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("folder", help="The agent's folder name under AGENTS_ROOT.")
        parser.add_argument("task", help="The task text, or '-' to read it from stdin.")
        parser.add_argument("--model", default="", help="Model alias or id (default: the agent's).")
        parser.add_argument("--max-turns", type=positive, default=None)
        parser.add_argument("--timeout", type=positive, default=None, help="Seconds (at most EXECUTION_TIMEOUT).")
        parser.add_argument("--json", action="store_true", help="Print the finished execution as JSON.")
        parser.add_argument("--enqueue", action="store_true", help="Queue it for the workers and return.")

    def handle(self, *, folder: str, task: str, model: str, max_turns: int | None, timeout: int | None,
               json: bool, enqueue: bool, **_: object) -> None:
        if task == "-":
            task = sys.stdin.read()
        try:
            agent = get_agent(folder)
            execution = services.start_execution(agent=agent, task=task, trigger=Execution.Trigger.CLI,
                                                 model=model, max_turns=max_turns, timeout=timeout, enqueue=enqueue)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        if enqueue:
            self._print_result(execution, as_json=json, queued=True)
            return
        self.as_json = json
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            if not self._wait_for_turn(execution):
                raise CommandError(f"Execution #{execution.pk} was cancelled before it started.")
            execution = services.execute_claimed(execution=execution, on_event=None if json else self._show)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self._print_result(execution, as_json=json)
        if execution.status != Execution.Status.SUCCEEDED:
            raise CommandError(f"Execution #{execution.pk} ended {execution.status}: "
                               f"{execution.error_message or 'see its events'}".splitlines()[0], returncode=1)

    def _stop(self, signum: int, frame: object) -> None:
        # The runner stops the CLI in steps (SIGINT, SIGTERM, SIGKILL) and marks it interrupted.
        runner.SHUTDOWN.set()

    def _wait_for_turn(self, execution: Execution) -> bool:
        """Claim the run once the agent's earlier runs are done; False when it got cancelled."""
        told = False
        while not execution.claim(**services.worker_identity()):
            execution.refresh_from_db()
            if execution.status != Execution.Status.QUEUED or runner.SHUTDOWN.is_set():
                return False
            if not told:
                self.stderr.write(f"Waiting for the earlier runs of {execution.agent.folder} to finish...")
                told = True
            time.sleep(0.2)
        return True

    def _show(self, event: ExecutionEvent) -> None:
        payload = event.payload
        if event.type == "system/init":
            self.stdout.write(self.style.HTTP_INFO(f"Session {payload.get('session_id')} · model "
                                                   f"{payload.get('model')}"))
        elif event.type == "assistant":
            for block in (payload.get("message") or {}).get("content") or []:
                if block.get("type") == "text":
                    self.stdout.write(str(block.get("text", "")))
                elif block.get("type") == "tool_use":
                    summary = str(block.get("input", ""))[:120]
                    self.stdout.write(self.style.WARNING(f"→ {block.get('name')} {summary}"))
        elif event.type == "stderr":
            self.stderr.write(f"stderr: {payload.get('text', '')}")
        elif event.type == "orchestrator":
            self.stdout.write(self.style.HTTP_NOT_MODIFIED(f"· {payload.get('message', '')}"))

    def _print_result(self, execution: Execution, *, as_json: bool, queued: bool = False) -> None:
        if as_json:
            self.stdout.write(json_dumps(ExecutionDetailSerializer(execution).data))
            return
        if queued:
            self.stdout.write(f"Queued execution #{execution.pk} for {execution.agent.folder}.")
            return
        cost = ("no cost" if execution.total_cost_usd is None
                else f"${execution.total_cost_usd:.4f} (API-equivalent)")
        seconds = ((execution.finished_at - execution.started_at).total_seconds()
                   if execution.finished_at and execution.started_at else 0.0)
        line = (f"#{execution.pk} {execution.status} · {cost} · {execution.input_tokens or 0} in / "
                f"{execution.output_tokens or 0} out tokens · {execution.num_turns or 0} turns · {seconds:.1f} s")
        style = self.style.SUCCESS if execution.status == Execution.Status.SUCCEEDED else self.style.ERROR
        self.stdout.write(style(line))


def json_dumps(data: object) -> str:
    return json.dumps(data, default=str, indent=2)
