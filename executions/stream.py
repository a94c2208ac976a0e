"""Reading the CLI's output: bytes -> lines -> events, within a byte budget and flat memory.

stdout carries stream-json (one JSON object per line, lines up to many MiB); stderr free text.
Both are read in chunks from the moment of spawn (the real CLI can truncate its output when its
reader is late). Past the budget the lines are drained and dropped, except a small final
`result` line, which still tells cost and status.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from executions.models import ExecutionEvent

CHUNK = 64 * 1024
# After the budget is spent, a line is still inspected (for the result) up to this size.
RESULT_PEEK_LIMIT = 1024 * 1024
STDERR_KEEP = 64 * 1024


@dataclass
class Event:
    type: str
    payload: dict
    size: int


def event_from_line(line: bytes) -> Event:
    """A stream-json line as an event (`system/<subtype>` for system events), else a `raw` one."""
    text = line.decode("utf-8", "replace").rstrip("\r")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("type"), str) and parsed["type"]:
        kind = parsed["type"][:40]
        subtype = parsed.get("subtype")
        if kind == "system" and isinstance(subtype, str) and subtype:
            kind = f"system/{subtype[:40]}"
        return Event(kind, parsed, len(line))
    return Event(ExecutionEvent.Kind.RAW, {"text": text}, len(line))


class Budget:
    """Bytes of output that may still be stored, shared by the stdout and stderr readers."""

    def __init__(self, limit: int):
        self.limit = limit
        self.used = 0
        self.dropped = 0
        self.exhausted = False
        self._lock = threading.Lock()

    def take(self, size: int) -> bool:
        with self._lock:
            if not self.exhausted and self.used + size <= self.limit:
                self.used += size
                return True
            self.exhausted = True
            self.dropped += size
            return False

    def would_fit(self, size: int) -> bool:
        with self._lock:
            return not self.exhausted and self.used + size <= self.limit

    def drop(self, size: int) -> None:
        with self._lock:
            self.exhausted = True
            self.dropped += size


@dataclass
class StreamState:
    """What a reader learnt, read by the runner when the stream ends."""

    result: dict | None = None
    session_id: str = ""
    stderr_tail: bytearray = field(default_factory=bytearray)
    truncated: bool = False


class LineReader:
    """Reads `fd` to EOF in chunks, hands each complete line to `on_event`.

    A line is held in memory only while it may still be stored: once it would pass the budget it
    is dropped as it arrives (kept up to RESULT_PEEK_LIMIT, in case it is the final result).
    """

    def __init__(self, fd: int, *, budget: Budget, state: StreamState, on_event: Callable[[Event], None],
                 stderr: bool = False):
        self.fd = fd
        self.budget = budget
        self.state = state
        self.on_event = on_event
        self.stderr = stderr
        self._line = bytearray()
        self._line_size = 0  # bytes of the current line, including any dropped part
        self._dropping = False  # the current line is past the budget and past the peek limit

    def run(self) -> None:
        try:
            while True:
                chunk = os.read(self.fd, CHUNK)
                if not chunk:
                    break
                self._feed(chunk)
            if self._line_size:
                self._end_line()
        finally:
            os.close(self.fd)

    def _feed(self, chunk: bytes) -> None:
        start = 0
        while start < len(chunk):
            newline = chunk.find(b"\n", start)
            end = len(chunk) if newline == -1 else newline
            self._append(chunk[start:end])
            if newline == -1:
                return
            self._end_line()
            start = newline + 1

    def _append(self, piece: bytes) -> None:
        self._line_size += len(piece)
        if self._dropping:
            return
        self._line += piece
        if len(self._line) > RESULT_PEEK_LIMIT and not self.budget.would_fit(len(self._line)):
            # Neither storable nor a plausible result line: stop holding it.
            self._line = bytearray()
            self._dropping = True

    def _end_line(self) -> None:
        line, size, dropping = bytes(self._line), self._line_size, self._dropping
        self._line, self._line_size, self._dropping = bytearray(), 0, False
        if self.stderr:
            self.state.stderr_tail += line + b"\n"
            del self.state.stderr_tail[:-STDERR_KEEP]
        if dropping:
            self.budget.drop(size)
            self.state.truncated = True
            return
        if not line.strip():
            return
        event = (Event(ExecutionEvent.Kind.STDERR, {"text": line.decode("utf-8", "replace")}, size)
                 if self.stderr else event_from_line(line))
        if event.type == "result" and self.state.result is None:
            self.state.result = event.payload
        elif event.type == "system/init" and isinstance(event.payload.get("session_id"), str):
            self.state.session_id = event.payload["session_id"]
        if self.budget.take(size):
            self.on_event(event)
        elif event.type == "result":
            # Over the budget, but the result is what tells status and cost: keep it anyway.
            self.state.truncated = True
            self.on_event(event)
        else:
            self.state.truncated = True


def result_fields(result: dict) -> dict[str, object]:
    """Execution fields from a `result` event (fields absent in a version stay None)."""
    usage = result.get("usage") if isinstance(result.get("usage"), dict) else {}

    def number(value: object, kind: type) -> object:
        return kind(value) if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0 else None

    errors = result.get("errors")
    denials = result.get("permission_denials")
    return {
        "result": result.get("result") if isinstance(result.get("result"), str) else "",
        "errors": [str(error) for error in errors] if isinstance(errors, list) else [],
        "is_error": bool(result.get("is_error")),
        "subtype": str(result.get("subtype") or "")[:64],
        "session_id": str(result.get("session_id") or "")[:64],
        "total_cost_usd": number(result.get("total_cost_usd"), float),
        "input_tokens": number(usage.get("input_tokens"), int),
        "output_tokens": number(usage.get("output_tokens"), int),
        "cache_read_tokens": number(usage.get("cache_read_input_tokens"), int),
        "cache_creation_tokens": number(usage.get("cache_creation_input_tokens"), int),
        "num_turns": number(result.get("num_turns"), int),
        "duration_ms": number(result.get("duration_ms"), int),
        "permission_denials": denials if isinstance(denials, list) else [],
    }
