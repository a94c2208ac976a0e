"""The HTTP probe's own edge cases, against small loopback servers written here: a JSON (not
SSE) answer with a session id, 401 -> needs_auth, refused connections, silence, and secrets."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mcp.config import Entry
from mcp.services import probe_entry
from mcp.tests.conftest import free_port


class JsonMcpHandler(BaseHTTPRequestHandler):
    """Streamable HTTP answered with plain JSON, as a server with enableJsonResponse does."""

    seen: list[dict]

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append({"method": body.get("method"), "session": self.headers.get("Mcp-Session-Id"),
                          "version": self.headers.get("MCP-Protocol-Version"),
                          "auth": self.headers.get("Authorization")})
        if body.get("method") == "initialize":
            self._json({"jsonrpc": "2.0", "id": body["id"], "result": {
                "protocolVersion": "2025-06-18", "capabilities": {"tools": {}},
                "serverInfo": {"name": "json-server", "version": "1.2"}}}, session="sess-42")
        elif body.get("method") == "tools/list":
            self._json([{"jsonrpc": "2.0", "id": body["id"], "result": {"tools": [{"name": "lookup"}]}}])
        else:
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def do_DELETE(self) -> None:
        self.seen.append({"method": "DELETE", "session": self.headers.get("Mcp-Session-Id")})
        self.send_response(204)
        self.end_headers()

    def _json(self, payload, session: str | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if session:
            self.send_header("Mcp-Session-Id", session)
        self.end_headers()
        self.wfile.write(data)


class AuthHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Bearer resource_metadata="http://127.0.0.1/.well-known"')
        self.send_header("Content-Length", "0")
        self.end_headers()


class SilentHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        time.sleep(5)


class EchoErrorHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        data = f"bad token {self.headers.get('Authorization')}".encode()
        self.send_response(500)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def serve() -> Iterator[Callable[[type[BaseHTTPRequestHandler]], str]]:
    servers: list[ThreadingHTTPServer] = []

    def start(handler: type[BaseHTTPRequestHandler]) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/mcp"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_it_handles_a_json_answer_and_carries_the_session_id(serve):
    JsonMcpHandler.seen = []
    url = serve(JsonMcpHandler)
    entry = Entry(name="j", transport="http", url=url, headers={"Authorization": "Bearer ${API_KEY:-anon}"})
    result = probe_entry(entry=entry, cwd=Path("/"), timeout=5, environ={})
    assert (result.status, result.server_name, result.protocol_version, result.tools) == (
        "ok", "json-server", "2025-06-18", ["lookup"])
    assert JsonMcpHandler.seen == [
        {"method": "initialize", "session": None, "version": None, "auth": "Bearer anon"},
        {"method": "notifications/initialized", "session": "sess-42", "version": "2025-06-18", "auth": "Bearer anon"},
        {"method": "tools/list", "session": "sess-42", "version": "2025-06-18", "auth": "Bearer anon"},
        {"method": "DELETE", "session": "sess-42"},
    ]


def test_a_401_means_needs_auth(serve):
    result = probe_entry(entry=Entry(name="a", transport="http", url=serve(AuthHandler)), cwd=Path("/"), timeout=5)
    assert (result.status, result.error) == ("needs_auth", "initialize: the server asks for authentication (HTTP 401)")


def test_a_refused_connection_says_so():
    url = f"http://127.0.0.1:{free_port()}/mcp"
    result = probe_entry(entry=Entry(name="r", transport="http", url=url), cwd=Path("/"), timeout=5)
    assert (result.status, result.error) == ("error", f"initialize failed: POST {url}: connection refused")


def test_a_silent_server_fails_within_the_deadline(serve):
    url = serve(SilentHandler)
    started = time.monotonic()
    result = probe_entry(entry=Entry(name="s", transport="http", url=url), cwd=Path("/"), timeout=1)
    assert time.monotonic() - started < 3
    assert result.status == "error" and result.error.startswith("initialize: no answer within 1 s")


def test_header_values_never_reach_the_error_text(serve):
    url = serve(EchoErrorHandler)
    entry = Entry(name="e", transport="http", url=url, headers={"Authorization": "Bearer ${TOKEN}"})
    result = probe_entry(entry=entry, cwd=Path("/"), timeout=5, environ={"TOKEN": "tok-abcdef-123"})
    assert result.status == "error"
    assert result.error == "initialize failed: HTTP 500 Internal Server Error: bad token [redacted]"


class ForeignEndpointSseHandler(BaseHTTPRequestHandler):
    """HTTP + SSE whose endpoint event points at another origin (where our headers would go)."""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b"event: endpoint\ndata: http://attacker.example/message?s=1\n\n")
        self.wfile.flush()


class AuthSseHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_an_sse_endpoint_on_another_origin_is_refused(serve):
    entry = Entry(name="s", transport="sse", url=serve(ForeignEndpointSseHandler), headers={"Authorization": "x-y-z"})
    result = probe_entry(entry=entry, cwd=Path("/"), timeout=5)
    assert (result.status, result.error) == (
        "error", "connect failed: the server announced a message endpoint on another origin")


def test_a_403_on_the_sse_stream_means_needs_auth(serve):
    result = probe_entry(entry=Entry(name="s", transport="sse", url=serve(AuthSseHandler)), cwd=Path("/"), timeout=5)
    assert (result.status, result.error) == ("needs_auth", "connect: the server asks for authentication (HTTP 403)")


def test_a_host_name_that_never_resolves_fails_within_the_deadline(monkeypatch):
    # A resolver that hangs (a dead DNS server): getaddrinfo itself has no timeout. The stand-in
    # is the C library's lookup, not our code.
    real = socket.getaddrinfo

    def hanging(host, *args, **kwargs):
        if host == "mcp.slow-dns.test":
            time.sleep(5)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    started = time.monotonic()
    result = probe_entry(entry=Entry(name="d", transport="http", url="http://mcp.slow-dns.test/mcp"), cwd=Path("/"),
                         timeout=1)
    assert time.monotonic() - started < 3
    assert result.status == "error"
    assert "looking up the host name timed out" in result.error

