"""Running the Claude CLI for one claimed execution: the one runner, used by the task and run_agent.

The CLI runs as a list argv (no shell), with the task on stdin, in the agent folder, in its own
session (so its whole process group can be signalled), with an allow-listed environment. Its
output is read by two threads from the moment of spawn; this thread stores the events in small
batches, keeps the heartbeat, and watches the deadline, cancel requests and worker shutdown.
Stopping goes SIGINT (the CLI writes a result with usage so far) -> SIGTERM to the group ->
SIGKILL to the group; whatever is left of the group when the CLI has exited is killed too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agents.models import Agent
from agents.paths import safe_agent_path
from executions import processes
from executions.models import HEARTBEAT_SECONDS, Execution, ExecutionEvent
from executions.stream import Budget, Event, LineReader, StreamState, result_fields

logger = logging.getLogger(__name__)

# Set by the worker on SIGTERM: every run in this process stops and ends `interrupted`.
SHUTDOWN = threading.Event()

INT_GRACE_SECONDS = 3.0
TERM_GRACE_SECONDS = 3.0
# The supervising loop wakes at least this often (deadline, cancel, a CLI that exits).
TICK_SECONDS = 0.05
_EOF = object()
FLUSH_EVENTS = 200
# ... or this many bytes of output: a batch is encoded whole, so it bounds the memory it takes.
FLUSH_BYTES = 1024 * 1024
CONTROL_SECONDS = 0.5

# Environment names the CLI gets (besides CLAUDE_ENV_PASSTHROUGH); prefixes end with "_".
ENV_NAMES = ("HOME", "PATH", "USER", "LOGNAME", "SHELL", "LANG", "TZ", "TERM", "TMPDIR", "CLAUDE_CONFIG_DIR",
             "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy",
             "all_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS")
ENV_PREFIXES = ("LC_", "ANTHROPIC_", "CLAUDE_CODE_")
# Never passed on, even when an operator lists them: they unlock the service itself.
ENV_DENIED = frozenset({"SECRET_KEY", "DATABASE_URL", "DATABASE_PATH", "REDIS_URL", "DJANGO_SETTINGS_MODULE",
                        "ORCHESTRATOR_ENV_FILE"})


def child_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The allow-listed subset of this process's environment that the CLI runs with."""
    environ = dict(os.environ) if environ is None else environ
    extra = set(settings.CLAUDE_ENV_PASSTHROUGH)
    env = {}
    for name, value in environ.items():
        if name in ENV_DENIED:
            continue
        if name in ENV_NAMES or name.startswith(ENV_PREFIXES) or name in extra:
            env[name] = value
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    # Marks the caller, as the SDK does with its own entrypoint name.
    env["CLAUDE_CODE_ENTRYPOINT"] = "orchestrator"
    return env


def build_argv(*, agent: Agent, model: str = "", max_turns: int | None = None,
               resume_session_id: str = "") -> list[str]:
    """[CLAUDE_BIN, --print, --output-format, stream-json, --verbose, ...]: every value after a flag
    comes from a validated field (no leading dash), and --resume is one token."""
    argv = [settings.CLAUDE_BIN, "--print", "--output-format", "stream-json", "--verbose"]
    chosen_model = model or agent.model
    if chosen_model:
        argv += ["--model", chosen_model]
    if max_turns:
        argv += ["--max-turns", str(int(max_turns))]
    if agent.permission_mode:
        argv += ["--permission-mode", agent.permission_mode]
    if agent.allowed_tools:
        argv += ["--allowedTools", *agent.allowed_tools]
    if agent.disallowed_tools:
        argv += ["--disallowedTools", *agent.disallowed_tools]
    if resume_session_id:
        argv.append(f"--resume={resume_session_id}")
    return argv


def store_events(execution_id: int, events: list[Event]) -> list[ExecutionEvent]:
    """Append events with the next sequence numbers. The counter is bumped by one UPDATE on the
    execution row, so seq stays gapless even if someone else (the reaper) appends too."""
    if not events:
        return []
    size = sum(event.size for event in events)
    now = timezone.now()
    with transaction.atomic():
        Execution.objects.filter(pk=execution_id).update(last_seq=F("last_seq") + len(events),
                                                         output_bytes=F("output_bytes") + size)
        last = Execution.objects.filter(pk=execution_id).values_list("last_seq", flat=True).get()
        rows = [ExecutionEvent(execution_id=execution_id, seq=last - len(events) + number + 1, type=event.type,
                               payload=event.payload, at=now) for number, event in enumerate(events)]
        ExecutionEvent.objects.bulk_create(rows)
    return rows


def note(execution_id: int, message: str, **extra: object) -> None:
    """An `orchestrator` lifecycle event on the execution."""
    store_events(execution_id, [Event(ExecutionEvent.Kind.ORCHESTRATOR, {"message": message, **extra}, 0)])


@dataclass
class _Stop:
    status: str
    message: str


class Run:
    """One CLI process for one claimed (running) execution."""

    def __init__(self, execution: Execution, *, on_event: Callable[[ExecutionEvent], None] | None = None,
                 after_spawn: Callable[[], None] | None = None, before_finish: Callable[[str], None] | None = None):
        self.execution = execution
        self.after_spawn = after_spawn
        self.on_event = on_event
        self.before_finish = before_finish
        self.events: queue.SimpleQueue[Event | object] = queue.SimpleQueue()
        self.budget = Budget(settings.EXECUTION_OUTPUT_LIMIT)
        self.state = StreamState()
        self.err_state = StreamState()
        self.proc: subprocess.Popen[bytes] | None = None
        self.stop: _Stop | None = None
        self.phase = 0  # 0 running, 1 SIGINT sent, 2 SIGTERM sent, 3 SIGKILL sent
        self.phase_at = 0.0
        self.pending: list[Event] = []
        self.pending_bytes = 0
        self.eof = 0

    # -- the run ---------------------------------------------------------------------------

    def execute(self) -> Execution:
        execution = self.execution
        try:
            cwd = safe_agent_path(execution.agent.folder)
        except Exception:
            return self._fail("The agent folder name is not usable.")
        if not cwd.is_dir():
            return self._fail(f"The folder of agent '{execution.agent.folder}' is missing from AGENTS_ROOT.")
        argv = list(execution.argv)
        try:
            self.proc = subprocess.Popen(argv, cwd=cwd, env=child_environment(), stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                         close_fds=True)
        except FileNotFoundError:
            return self._fail(f"The Claude CLI was not found at '{argv[0]}'. Install it (npm install -g "
                              "@anthropic-ai/claude-code) or set CLAUDE_BIN to its full path.")
        except PermissionError:
            return self._fail(f"The Claude CLI at '{argv[0]}' is not executable. Fix its permissions "
                              "(chmod +x) or set CLAUDE_BIN to the right file.")
        except OSError as exc:
            return self._fail(f"The Claude CLI at '{argv[0]}' could not start: {exc.strerror}.")
        proc = self.proc
        Execution.objects.filter(pk=execution.pk).update(pid=proc.pid, pgid=proc.pid, argv=argv,
                                                         pid_started=processes.start_time(proc.pid) or "")
        readers = self._start_readers(proc)
        self._feed_stdin(proc)
        if self.after_spawn is not None:
            # Bookkeeping after the spawn, not before: it must not delay the CLI's start. Its
            # events are queued meanwhile and stored after this.
            self.after_spawn()
        aborted = True
        try:
            self._supervise(proc, readers)
            aborted = False
        finally:
            # Also reached on SystemExit (a second SIGTERM): never leave the group behind.
            if aborted and self.stop is None:
                self.stop = _Stop(Execution.Status.INTERRUPTED, "The worker stopped abruptly: run killed.")
            self._clean_group(proc)
            for reader in readers:
                reader.join(timeout=2)
            if aborted:
                with contextlib.suppress(Exception):
                    self._drain(force=True)
                    self._finish(proc.returncode)
        self._drain(force=True)
        return self._finish(proc.returncode)

    def _start_readers(self, proc: subprocess.Popen[bytes]) -> list[threading.Thread]:
        threads = []
        streams = ((proc.stdout, self.state, False), (proc.stderr, self.err_state, True))
        for stream, state, is_err in streams:
            if stream is None:
                continue
            reader = LineReader(os.dup(stream.fileno()), budget=self.budget, state=state,
                                on_event=self.events.put, stderr=is_err)
            stream.close()
            thread = threading.Thread(target=self._read, args=(reader,), name=f"claude-{'err' if is_err else 'out'}",
                                      daemon=True)
            thread.start()
            threads.append(thread)
        return threads

    def _read(self, reader: LineReader) -> None:
        try:
            reader.run()
        finally:
            # Wakes the supervising loop at once: the CLI is most likely exiting.
            self.events.put(_EOF)

    def _feed_stdin(self, proc: subprocess.Popen[bytes]) -> None:
        data = self.execution.task.encode("utf-8")

        stdin = proc.stdin

        def write() -> None:
            if stdin is None:
                return
            # The CLI may exit without reading everything: a broken pipe is its business.
            with contextlib.suppress(OSError):
                stdin.write(data)
            with contextlib.suppress(OSError):
                stdin.close()

        # A thread: the CLI may not read a large task before it prints, and both pipes must flow.
        threading.Thread(target=write, name="claude-stdin", daemon=True).start()

    def _supervise(self, proc: subprocess.Popen[bytes], readers: list[threading.Thread]) -> None:
        deadline = time.monotonic() + self.execution.timeout
        next_control = time.monotonic() + CONTROL_SECONDS
        next_beat = time.monotonic() + HEARTBEAT_SECONDS
        while True:
            # Store whatever has arrived as soon as the queue runs dry (or a batch is full): a
            # trickle is visible at once, a flood is written in batches while more piles up.
            try:
                self._take(self.events.get(timeout=TICK_SECONDS))
                while len(self.pending) < FLUSH_EVENTS and self.pending_bytes < FLUSH_BYTES:
                    self._take(self.events.get_nowait())
            except queue.Empty:
                pass
            now = time.monotonic()
            if self.pending:
                self._drain()
            if self.eof == len(readers):
                # Both pipes closed: the CLI has exited or is about to.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=TICK_SECONDS)
            if proc.poll() is not None:
                return
            if self.stop is None:
                if SHUTDOWN.is_set():
                    self._begin_stop(Execution.Status.INTERRUPTED, "The worker is shutting down: run stopped.")
                elif now >= deadline:
                    self._begin_stop(Execution.Status.TIMED_OUT,
                                     f"Timed out after {self.execution.timeout} s: run stopped.")
                elif now >= next_control:
                    next_control = now + CONTROL_SECONDS
                    if now >= next_beat:
                        next_beat = now + HEARTBEAT_SECONDS
                        if not self.execution.beat():
                            self._begin_stop(Execution.Status.INTERRUPTED, "The run was marked ended elsewhere.")
                    if self.stop is None and self.execution.cancel_requested():
                        self._begin_stop(Execution.Status.CANCELLED, "Cancelled: run stopped.")
            else:
                self._escalate(now)

    def _take(self, item: Event | object) -> None:
        if item is _EOF:
            self.eof += 1
        else:
            self.pending.append(item)  # type: ignore[arg-type]
            self.pending_bytes += item.size  # type: ignore[attr-defined]

    def _begin_stop(self, status: str, message: str) -> None:
        self.stop = _Stop(status, message)
        self._drain(force=True)
        note(self.execution.pk, message, status=status)
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGINT)
        self.phase, self.phase_at = 1, time.monotonic()

    def _escalate(self, now: float) -> None:
        if self.proc is None:
            return
        if self.phase == 1 and now - self.phase_at >= INT_GRACE_SECONDS:
            processes.signal_group(self.proc.pid, signal.SIGTERM)
            self.phase, self.phase_at = 2, now
        elif self.phase == 2 and now - self.phase_at >= TERM_GRACE_SECONDS:
            processes.signal_group(self.proc.pid, signal.SIGKILL)
            self.phase, self.phase_at = 3, now

    def _clean_group(self, proc: subprocess.Popen[bytes]) -> None:
        """Wait for the CLI, then end what is left of its group (the Bash tool's children, MCP servers)."""
        if proc.poll() is None:
            processes.signal_group(proc.pid, signal.SIGKILL)
        proc.wait()
        # The group id stays ours while any member lives, so this cannot hit a stranger; and
        # when nobody is left, killpg says so at once (the usual case).
        if processes.signal_group(proc.pid, signal.SIGTERM):
            deadline = time.monotonic() + 1.0
            while processes.group_members(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            processes.signal_group(proc.pid, signal.SIGKILL)

    def _drain(self, *, force: bool = False) -> None:
        if force:
            try:
                while True:
                    self._take(self.events.get_nowait())
            except queue.Empty:
                pass
        batch, self.pending, self.pending_bytes = self.pending, [], 0
        for start in range(0, len(batch), FLUSH_EVENTS):
            rows = store_events(self.execution.pk, batch[start:start + FLUSH_EVENTS])
            if self.on_event is not None:
                for row in rows:
                    self.on_event(row)

    # -- the outcome -----------------------------------------------------------------------

    def _fail(self, message: str) -> Execution:
        Execution.objects.filter(pk=self.execution.pk).update(argv=self.execution.argv)
        note(self.execution.pk, message, status=Execution.Status.FAILED)
        if self.before_finish is not None:
            self.before_finish(Execution.Status.FAILED)
        self.execution.finish(status=Execution.Status.FAILED, error_message=message)
        return self.execution

    def _finish(self, exit_code: int | None) -> Execution:
        fields: dict[str, object] = {"exit_code": exit_code,
                                     "truncated": self.state.truncated or self.err_state.truncated
                                     or self.budget.exhausted}
        result = self.state.result
        if result is not None:
            fields.update(result_fields(result))
        elif self.state.session_id:
            fields["session_id"] = self.state.session_id[:64]
        if self.stop is not None:
            status, message = self.stop.status, self.stop.message
        elif result is not None:
            status = Execution.Status.FAILED if fields["is_error"] else Execution.Status.SUCCEEDED
            message = "" if status == Execution.Status.SUCCEEDED else "The CLI reported an error."
        else:
            status = Execution.Status.FAILED
            tail = self.err_state.stderr_tail.decode("utf-8", "replace").strip().splitlines()
            last = tail[-1][:500] if tail else "none"
            message = f"The CLI exited with code {exit_code} without a result. Last stderr line: {last}"
        if fields["truncated"]:
            note(self.execution.pk, f"Output past {settings.EXECUTION_OUTPUT_LIMIT} bytes was discarded "
                                    f"({self.budget.dropped} bytes).")
        fields["error_message"] = message
        if self.before_finish is not None:
            # Before the final status: once a client sees the run ended, all its events are stored.
            self.before_finish(status)
        if not self.execution.finish(status=status, **fields):
            logger.warning("Execution %s had already ended when its CLI exited", self.execution.pk)
        return self.execution


def run(execution: Execution, *, on_event: Callable[[ExecutionEvent], None] | None = None,
        after_spawn: Callable[[], None] | None = None, before_finish: Callable[[str], None] | None = None) -> Execution:
    """Run the CLI for a claimed execution to its end; returns it in its final state.

    `on_event` sees each stored event; `after_spawn()` runs once the CLI has started;
    `before_finish(status)` runs after the CLI's group is gone and before the final status is
    written (the after-run git commit)."""
    return Run(execution, on_event=on_event, after_spawn=after_spawn, before_finish=before_finish).execute()
