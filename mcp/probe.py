"""Our own small MCP client: one handshake against one server, within a hard deadline.

initialize -> notifications/initialized -> tools/list (following nextCursor) -> close. The
transports live in `stdio.py` and `remote.py`; this module holds what they share: the
JSON-RPC messages, the step names that go into error texts, the deadline and secret redaction.
We do not use the PyPI `mcp` package: this app's name shadows it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orchestrator_site

PROTOCOL_VERSION = "2025-11-25"
SUPPORTED_PROTOCOL_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
CLIENT_INFO = {"name": "orchestrator", "version": getattr(orchestrator_site, "__version__", "0")}
MAX_TOOL_PAGES = 100
REDACTED = "[redacted]"
# Shorter values would blank out ordinary words and digits in an error text.
MIN_REDACTED_LENGTH = 3


class ProbeError(Exception):
    """The channel failed: the text says how (it must already be free of secrets)."""


class ProbeTimeout(ProbeError):
    pass


class NeedsAuth(ProbeError):
    """The server answered 401/403: it wants credentials (OAuth, a token header)."""


class Channel(Protocol):
    def open(self, *, deadline: float) -> None: ...

    def request(self, message: dict[str, Any], *, deadline: float) -> dict[str, Any]: ...

    def notify(self, message: dict[str, Any], *, deadline: float) -> None: ...

    def close(self) -> None: ...


@dataclass
class ProbeResult:
    status: str  # McpServer.Status value: ok, error or needs_auth
    latency_ms: int | None = None
    server_name: str = ""
    server_version: str = ""
    protocol_version: str = ""
    tools: list[str] = field(default_factory=list)
    error: str = ""


class Redactor:
    """Replaces every secret value (env and header values, expanded or not) in a text."""

    def __init__(self, secrets: Iterable[str]):
        unique = {value for value in secrets if isinstance(value, str) and len(value) >= MIN_REDACTED_LENGTH}
        # Longest first, so a value containing another is replaced whole.
        self.secrets = sorted(unique, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


def remaining(deadline: float) -> float:
    return deadline - time.monotonic()


def check_deadline(deadline: float) -> float:
    """Seconds left; raises ProbeTimeout when none are."""
    left = remaining(deadline)
    if left <= 0:
        raise ProbeTimeout("no answer in time")
    return left


def answer_server_request(message: dict[str, Any]) -> dict[str, Any] | None:
    """Our reply to a request the server sends us mid-handshake (None for notifications and
    responses). We offer no client capabilities, so only ping gets a real answer."""
    if "method" not in message or "id" not in message:
        return None
    if message["method"] == "ping":
        return {"jsonrpc": "2.0", "id": message["id"], "result": {}}
    return {"jsonrpc": "2.0", "id": message["id"],
            "error": {"code": -32601, "message": f"Method not found: {message['method']}"}}


def is_response_to(message: Any, request_id: int) -> bool:
    return (isinstance(message, dict) and message.get("id") == request_id and "method" not in message
            and ("result" in message or "error" in message))


def _error_text(response: dict[str, Any]) -> str:
    error = response.get("error")
    if isinstance(error, dict):
        return f"the server answered error {error.get('code')}: {str(error.get('message', ''))[:300]}"
    return "the server answered an error"


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def handshake(channel: Channel, *, timeout: float, redact: Redactor, open_step: str) -> ProbeResult:
    """Run the whole handshake on `channel` and always close it. Never raises: a failure is a
    ProbeResult with status error (or needs_auth) and a text naming the step that failed."""
    started = time.monotonic()
    deadline = started + timeout
    step = open_step
    next_id = 0

    def request(method: str, params: dict[str, Any]) -> dict[str, Any]:
        nonlocal next_id
        next_id += 1
        response = channel.request({"jsonrpc": "2.0", "id": next_id, "method": method, "params": params},
                                   deadline=deadline)
        if "error" in response:
            raise ProbeError(_error_text(response))
        if not isinstance(response.get("result"), dict):
            raise ProbeError("the answer has no result object")
        return response["result"]

    result = ProbeResult(status="error")
    try:
        channel.open(deadline=deadline)
        step = "initialize"
        init = request("initialize", {"protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                                      "clientInfo": CLIENT_INFO})
        version = init.get("protocolVersion")
        if version not in SUPPORTED_PROTOCOL_VERSIONS:
            raise ProbeError(f"the server speaks protocol version {str(version)[:40]!r}, which this client "
                             f"does not (it speaks {', '.join(SUPPORTED_PROTOCOL_VERSIONS)})")
        info = init.get("serverInfo") if isinstance(init.get("serverInfo"), dict) else {}
        result.protocol_version = version
        result.server_name = _text(info.get("name"), 200)
        result.server_version = _text(info.get("version"), 100)
        step = "notifications/initialized"
        channel.notify({"jsonrpc": "2.0", "method": "notifications/initialized"}, deadline=deadline)
        capabilities = init.get("capabilities") if isinstance(init.get("capabilities"), dict) else {}
        if "tools" in capabilities:
            step = "tools/list"
            result.tools = _list_tools(request)
        result.status = "ok"
        result.latency_ms = round((time.monotonic() - started) * 1000)
    except NeedsAuth as exc:
        result.status = "needs_auth"
        result.error = redact(f"{step}: the server asks for authentication ({exc})")
    except ProbeTimeout as exc:
        result.error = redact(f"{step}: no answer within {timeout:g} s ({exc})")
    except ProbeError as exc:
        result.error = redact(f"{step} failed: {exc}")
    finally:
        channel.close()
    return result


def _list_tools(request) -> list[str]:
    tools: list[str] = []
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_TOOL_PAGES):
        page = request("tools/list", {"cursor": cursor} if cursor else {})
        listed = page.get("tools")
        if not isinstance(listed, list):
            raise ProbeError("the answer has no tools list")
        tools.extend(str(tool["name"])[:200] for tool in listed if isinstance(tool, dict) and "name" in tool)
        cursor = page.get("nextCursor")
        if not cursor:
            return tools
        if not isinstance(cursor, str) or cursor in seen:
            raise ProbeError("the server repeats a nextCursor: its tool list never ends")
        seen.add(cursor)
    raise ProbeError(f"more than {MAX_TOOL_PAGES} pages of tools")
