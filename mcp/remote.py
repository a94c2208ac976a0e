"""The HTTP transports: streamable HTTP (`"type": "http"`) and the older HTTP + SSE (`"sse"`).

Plain `http.client`, one connection per request, socket timeouts cut to what is left of the
probe's deadline before every read. Proxies from the environment are not used: an MCP server
entry names its own address.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from mcp.probe import (
    PROTOCOL_VERSION,
    NeedsAuth,
    ProbeError,
    ProbeTimeout,
    Redactor,
    answer_server_request,
    check_deadline,
    is_response_to,
)

MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_SSE_LINE = 1024 * 1024
CLOSE_TIMEOUT_SECONDS = 1.0
_AUTH_STATUSES = {401, 403}


class _Http:
    """One request at a time on a fresh connection, with the deadline applied to every read."""

    def __init__(self, *, url: str, headers: dict[str, str], redact: Redactor):
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ProbeError("the url is not an http(s) address")
        self.url = url
        self.headers = headers
        self.redact = redact
        self.sock: socket.socket | None = None

    def send(self, method: str, url: str, *, deadline: float, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        parts = urlsplit(url)
        timeout = check_deadline(deadline)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = self._resolve(parts.hostname or "", port, deadline=deadline, method=method, url=url)
        if parts.scheme == "https":
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                parts.hostname, port, timeout=timeout, context=ssl.create_default_context())
        else:
            connection = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
        # Connect to the address resolved under the deadline; TLS still checks the host name.
        connection._create_connection = (  # type: ignore[attr-defined]
            lambda _address, timeout=timeout, source_address=None:
            socket.create_connection(address, timeout, source_address))
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        try:
            connection.request(method, target, body=body, headers={**self.headers, **(headers or {})})
            # Kept so reads after getresponse() can still be bounded by the deadline.
            self.sock = connection.sock
            response = connection.getresponse()
        except TimeoutError:
            connection.close()
            raise ProbeTimeout(f"{method} {self._where(url)} timed out") from None
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise ProbeError(f"{method} {self._where(url)}: {self._reason(exc)}") from None
        if response.status in _AUTH_STATUSES:
            response.close()
            raise NeedsAuth(f"HTTP {response.status}")
        return response

    def _resolve(self, host: str, port: int, *, deadline: float, method: str, url: str) -> tuple[str, int]:
        """getaddrinfo has no timeout of its own: run it aside and wait at most until the deadline."""
        found: list[object] = []

        def look_up() -> None:
            try:
                found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
            except OSError as exc:
                found.append(exc)

        worker = threading.Thread(target=look_up, name="mcp-resolve", daemon=True)
        worker.start()
        worker.join(check_deadline(deadline))
        if not found:
            raise ProbeTimeout(f"{method} {self._where(url)}: looking up the host name timed out")
        if isinstance(found[0], OSError):
            raise ProbeError(f"{method} {self._where(url)}: {self._reason(found[0])}")
        addresses: list = found[0]  # type: ignore[assignment]
        return addresses[0][4][0], port

    def _where(self, url: str) -> str:
        parts = urlsplit(url)
        return self.redact(f"{parts.scheme}://{parts.netloc}{parts.path}")

    def _reason(self, exc: BaseException) -> str:
        if isinstance(exc, ConnectionRefusedError):
            return "connection refused"
        if isinstance(exc, socket.gaierror):
            return "the host name does not resolve"
        if isinstance(exc, ssl.SSLError):
            return f"TLS failed ({exc.reason or 'handshake'})"
        return self.redact(str(exc) or exc.__class__.__name__)[:200]

    def bound(self, deadline: float) -> None:
        left = check_deadline(deadline)
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.settimeout(left)

    def read_body(self, response: http.client.HTTPResponse, *, deadline: float) -> bytes:
        self.bound(deadline)
        try:
            body = response.read(MAX_BODY_BYTES + 1)
        except TimeoutError:
            raise ProbeTimeout("the response body did not arrive in time") from None
        except (OSError, http.client.HTTPException) as exc:
            raise ProbeError(f"reading the response failed: {self._reason(exc)}") from None
        if len(body) > MAX_BODY_BYTES:
            raise ProbeError(f"the response is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB")
        return body

    def events(self, response: http.client.HTTPResponse, *, deadline: float) -> Iterator[tuple[str, str]]:
        """(event, data) pairs of a text/event-stream response, as they arrive."""
        event, data = "message", []
        while True:
            self.bound(deadline)
            try:
                raw = response.readline(MAX_SSE_LINE)
            except TimeoutError:
                raise ProbeTimeout("the event stream went quiet") from None
            except (OSError, http.client.HTTPException) as exc:
                raise ProbeError(f"the event stream broke: {self._reason(exc)}") from None
            if not raw:
                raise ProbeError("the server closed the event stream before answering")
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if not line:
                if data:
                    yield event, "\n".join(data)
                event, data = "message", []
            elif line.startswith(":"):
                continue
            else:
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "event":
                    event = value
                elif name == "data":
                    data.append(value)

    def failure(self, response: http.client.HTTPResponse, *, deadline: float) -> ProbeError:
        try:
            snippet = self.read_body(response, deadline=deadline)[:200].decode("utf-8", "replace").strip()
        except ProbeError:
            snippet = ""
        text = f"HTTP {response.status} {response.reason}"
        return ProbeError(self.redact(f"{text}: {snippet}" if snippet else text))


def _messages(payload: Any) -> list[dict[str, Any]]:
    items = payload if isinstance(payload, list) else [payload]
    return [item for item in items if isinstance(item, dict)]


def _event_messages(data: str) -> list[dict[str, Any]]:
    """The JSON-RPC messages in one SSE `data` field; none when it is not JSON."""
    try:
        return _messages(json.loads(data))
    except ValueError:
        return []


def _content_type(response: http.client.HTTPResponse) -> str:
    return (response.getheader("Content-Type") or "").split(";")[0].strip().lower()


class StreamableHttpChannel:
    """POST every message; the answer is JSON or an event stream; Mcp-Session-Id is kept."""

    def __init__(self, *, url: str, headers: dict[str, str], redact: Redactor):
        self.http = _Http(url=url, headers=headers, redact=redact)
        self.url = url
        self.session_id: str | None = None
        self.protocol_version: str | None = None

    def open(self, *, deadline: float) -> None:
        """Nothing to open: the first POST (initialize) starts the session."""

    def _post(self, message: dict[str, Any], *, deadline: float) -> http.client.HTTPResponse:
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        if self.session_id:
            headers["Mcp-Session-Id"] = self.session_id
        if self.protocol_version:
            headers["MCP-Protocol-Version"] = self.protocol_version
        response = self.http.send("POST", self.url, deadline=deadline, headers=headers,
                                  body=json.dumps(message).encode())
        if response.status >= 300:
            raise self.http.failure(response, deadline=deadline)
        return response

    def request(self, message: dict[str, Any], *, deadline: float) -> dict[str, Any]:
        response = self._post(message, deadline=deadline)
        try:
            self.session_id = response.getheader("Mcp-Session-Id") or self.session_id
            kind = _content_type(response)
            if kind == "application/json":
                try:
                    payload = json.loads(self.http.read_body(response, deadline=deadline))
                except ValueError:
                    raise ProbeError("the server answered invalid JSON") from None
                for item in _messages(payload):
                    if is_response_to(item, message["id"]):
                        return self._seen(message, item)
                raise ProbeError("the JSON answer holds no response to the request")
            if kind == "text/event-stream":
                for _, data in self.http.events(response, deadline=deadline):
                    for item in _event_messages(data):
                        if is_response_to(item, message["id"]):
                            return self._seen(message, item)
                        reply = answer_server_request(item)
                        if reply is not None:
                            self.notify(reply, deadline=deadline)
                raise ProbeError("the event stream ended without an answer")
            raise ProbeError(f"the server answered Content-Type {kind or 'none'!r}, not JSON or an event stream")
        finally:
            response.close()

    def _seen(self, request: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
        if request.get("method") == "initialize" and isinstance(response.get("result"), dict):
            version = response["result"].get("protocolVersion")
            self.protocol_version = version if isinstance(version, str) else PROTOCOL_VERSION
        return response

    def notify(self, message: dict[str, Any], *, deadline: float) -> None:
        response = self._post(message, deadline=deadline)
        response.close()

    def close(self) -> None:
        """End the session with DELETE, as the spec asks; a server may refuse (405), fine."""
        if not self.session_id:
            return
        headers = {"Mcp-Session-Id": self.session_id}
        if self.protocol_version:
            headers["MCP-Protocol-Version"] = self.protocol_version
        try:
            response = self.http.send("DELETE", self.url, deadline=time.monotonic() + CLOSE_TIMEOUT_SECONDS,
                                      headers=headers)
            response.close()
        except ProbeError:
            pass


class SseChannel:
    """HTTP + SSE (2024-11-05): a GET event stream announces where to POST; answers come back
    on that stream."""

    def __init__(self, *, url: str, headers: dict[str, str], redact: Redactor):
        self.http = _Http(url=url, headers=headers, redact=redact)
        self.url = url
        self.stream: http.client.HTTPResponse | None = None
        self.events: Iterator[tuple[str, str]] | None = None
        self.endpoint: str | None = None
        self.stream_sock: socket.socket | None = None
        self.redact = redact

    def open(self, *, deadline: float) -> None:
        self.stream = self.http.send("GET", self.url, deadline=deadline, headers={"Accept": "text/event-stream"})
        self.stream_sock = self.http.sock
        if self.stream.status >= 300:
            raise self.http.failure(self.stream, deadline=deadline)
        if _content_type(self.stream) != "text/event-stream":
            raise ProbeError(f"GET answered Content-Type {_content_type(self.stream) or 'none'!r}, "
                             "not an event stream: is this a streamable HTTP server (use type http)?")
        self.events = self.http.events(self.stream, deadline=deadline)
        for event, data in self._stream_events():
            if event == "endpoint":
                endpoint = urljoin(self.url, data.strip())
                if urlsplit(endpoint)[:2] != urlsplit(self.url)[:2]:
                    # Our headers (tokens) must not follow a redirect to another origin.
                    raise ProbeError("the server announced a message endpoint on another origin")
                self.endpoint = endpoint
                return
        raise ProbeError("the event stream ended before announcing its endpoint")

    def _stream_events(self) -> Iterator[tuple[str, str]]:
        if self.events is None:
            raise ProbeError("the event stream is not open")
        # The POSTs in between reuse self.http.sock; put the stream's socket back before reading.
        while True:
            self.http.sock = self.stream_sock
            try:
                yield next(self.events)
            except StopIteration:
                return

    def _post(self, message: dict[str, Any], *, deadline: float) -> None:
        if self.endpoint is None:
            raise ProbeError("the server announced no message endpoint")
        response = self.http.send("POST", self.endpoint, deadline=deadline, body=json.dumps(message).encode(),
                                  headers={"Content-Type": "application/json"})
        try:
            if response.status >= 300:
                raise self.http.failure(response, deadline=deadline)
            self.http.read_body(response, deadline=deadline)
        finally:
            response.close()

    def request(self, message: dict[str, Any], *, deadline: float) -> dict[str, Any]:
        self._post(message, deadline=deadline)
        for event, data in self._stream_events():
            if event != "message":
                continue
            for item in _event_messages(data):
                if is_response_to(item, message["id"]):
                    return item
                reply = answer_server_request(item)
                if reply is not None:
                    self._post(reply, deadline=deadline)
        raise ProbeError("the event stream ended without an answer")

    def notify(self, message: dict[str, Any], *, deadline: float) -> None:
        self._post(message, deadline=deadline)

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
        if self.stream_sock is not None:
            with contextlib.suppress(OSError):
                self.stream_sock.close()
