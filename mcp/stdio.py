"""The stdio transport: the server is a child process speaking newline-delimited JSON-RPC.

The child gets an argv list (never a shell), its own session (so its whole process group can
be killed, grandchildren included), the agent folder as cwd and the small environment Claude
Code itself gives MCP servers plus the entry's own `env`. stderr is kept, capped, for the
error text. Whatever happens, `close()` leaves no process behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from mcp.probe import ProbeError, ProbeTimeout, Redactor, answer_server_request, check_deadline, is_response_to

# What Claude Code (the TypeScript SDK's getDefaultEnvironment) passes to a stdio server.
INHERITED_ENV = ("HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER")
MAX_LINE_BYTES = 8 * 1024 * 1024
STDERR_KEEP_BYTES = 4096
STDERR_SHOWN_CHARS = 600
EOF_GRACE_SECONDS = 0.5
TERM_GRACE_SECONDS = 0.5
_POLL_SECONDS = 0.02


def base_environment(environ: dict[str, str] | os._Environ) -> dict[str, str]:
    return {name: environ[name] for name in INHERITED_ENV if environ.get(name)}


class StdioChannel:
    def __init__(self, *, argv: list[str], cwd: Path, env: dict[str, str], redact: Redactor):
        self.argv = argv
        self.cwd = cwd
        self.env = env
        self.redact = redact
        self.proc: subprocess.Popen[bytes] | None = None
        self.selector = selectors.DefaultSelector()
        self.buffer = bytearray()
        self.stderr = bytearray()
        self.stdout_open = False
        self.stderr_open = False
        self.garbage: str | None = None

    # -- process -----------------------------------------------------------------------------

    def open(self, *, deadline: float) -> None:
        if not self.cwd.is_dir():
            raise ProbeError("the agent folder does not exist")
        try:
            self.proc = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                         close_fds=True)
        except FileNotFoundError:
            raise ProbeError(f"command not found: {self.argv[0][:200]}") from None
        except PermissionError:
            raise ProbeError(f"command is not executable: {self.argv[0][:200]}") from None
        except OSError as exc:
            raise ProbeError(f"could not start {self.argv[0][:200]}: {exc.strerror}") from None
        for stream in (self._stdout(), self.proc.stderr):
            os.set_blocking(stream.fileno(), False)
            self.selector.register(stream.fileno(), selectors.EVENT_READ)
        self.stdout_open = self.stderr_open = True

    def _process(self) -> subprocess.Popen[bytes]:
        if self.proc is None:
            raise ProbeError("the server was not started")
        return self.proc

    def _stdout(self):
        stdout = self._process().stdout
        if stdout is None:
            raise ProbeError("the server has no stdout")
        return stdout

    def _exit_code(self) -> int | None:
        """The child's exit code without reaping it: while it is an unreaped zombie its pid (and
        so its process group id) cannot be reused, which keeps the group kill in close() safe."""
        proc = self._process()
        if proc.returncode is not None:
            return proc.returncode
        # Not every platform has waitid/WNOWAIT (older macOS Pythons): reaping is the fallback.
        waitid, wnowait = getattr(os, "waitid", None), getattr(os, "WNOWAIT", None)
        if waitid is None or wnowait is None:
            return proc.poll()
        try:
            info = waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | wnowait)
        except ChildProcessError:
            return proc.poll()
        if info is None:
            return None
        return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status

    def _wait_exit(self, seconds: float) -> int | None:
        until = time.monotonic() + seconds
        while True:
            code = self._exit_code()
            if code is not None or time.monotonic() >= until:
                return code
            time.sleep(_POLL_SECONDS)

    def _killpg(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process().pid, sig)

    def close(self) -> None:
        """EOF on stdin, a short grace, SIGTERM to the group, a short grace, SIGKILL to the group,
        reap. Leftover children of a server that exited by itself are killed too."""
        if self.proc is None:
            return
        try:
            if self.proc.stdin is not None:
                with contextlib.suppress(OSError):
                    self.proc.stdin.close()
            exited = self._wait_exit(EOF_GRACE_SECONDS) is not None
            self._killpg(signal.SIGTERM)
            if not exited:
                self._wait_exit(TERM_GRACE_SECONDS)
            self._killpg(signal.SIGKILL)
            self.proc.wait()
        finally:
            self.selector.close()
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()

    # -- messages ----------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        stdin = self._process().stdin
        if stdin is None:
            raise ProbeError("the server has no stdin")
        try:
            stdin.write(data)
            stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            raise ProbeError(self._gone_text("closed its stdin")) from None

    def request(self, message: dict[str, Any], *, deadline: float) -> dict[str, Any]:
        self._send(message)
        while True:
            incoming = self._next_message(deadline)
            if is_response_to(incoming, message["id"]):
                return incoming
            reply = answer_server_request(incoming)
            if reply is not None:
                self._send(reply)

    def notify(self, message: dict[str, Any], *, deadline: float) -> None:
        self._send(message)

    def _next_message(self, deadline: float) -> dict[str, Any]:
        while True:
            line = self._pop_line()
            if line is not None:
                try:
                    message = json.loads(line)
                except ValueError:
                    message = None
                if isinstance(message, dict) and message.get("jsonrpc") == "2.0":
                    return message
                # Claude Code's client skips such lines too; remember one for the error text.
                if self.garbage is None and line.strip():
                    self.garbage = line.decode("utf-8", "replace").strip()[:120]
                continue
            if not self.stdout_open:
                self._drain_stderr(min(EOF_GRACE_SECONDS, max(0.0, deadline - time.monotonic())))
                raise ProbeError(self._gone_text("closed its stdout"))
            try:
                left = check_deadline(deadline)
            except ProbeTimeout:
                raise ProbeTimeout(self._details() or "the server said nothing") from None
            self._read(left)

    def _pop_line(self) -> bytes | None:
        end = self.buffer.find(b"\n")
        if end < 0:
            if len(self.buffer) > MAX_LINE_BYTES:
                raise ProbeError(f"the server wrote a line longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB")
            return None
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 1]
        return line

    def _read(self, timeout: float) -> None:
        stdout_fd = self._stdout().fileno()
        for key, _ in self.selector.select(timeout=timeout):
            try:
                data = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            if key.fd == stdout_fd:
                if data:
                    self.buffer += data
                else:
                    self.stdout_open = False
                    self.selector.unregister(key.fd)
            elif data:
                self.stderr += data
                del self.stderr[:-STDERR_KEEP_BYTES]
            else:
                self.stderr_open = False
                self.selector.unregister(key.fd)

    def _drain_stderr(self, seconds: float) -> None:
        until = time.monotonic() + seconds
        while self.stderr_open and time.monotonic() < until:
            self._read(max(0.0, until - time.monotonic()))

    def _details(self) -> str:
        parts = []
        if self.garbage:
            parts.append(f"it wrote non-JSON-RPC output on stdout: {self.garbage!r}")
        text = self.stderr.decode("utf-8", "replace").strip()
        if text:
            parts.append(f"stderr: {text[-STDERR_SHOWN_CHARS:]}")
        return self.redact("; ".join(parts))

    def _gone_text(self, what: str) -> str:
        code = self._wait_exit(EOF_GRACE_SECONDS)
        head = f"the server exited with code {code}" if code is not None else f"the server {what}"
        details = self._details()
        return f"{head} ({details})" if details else head
