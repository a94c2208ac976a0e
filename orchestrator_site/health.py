"""GET /api/health: what a monitor (and the dashboard header) needs to know, without secrets."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.module_loading import import_string

import orchestrator_site

_CLI_CACHE_SECONDS = 30.0
_CLI_TIMEOUT_SECONDS = 3.0
_cli_lock = threading.Lock()
_cli_cache: dict[str, tuple[float, str, str]] = {}


def claude_cli_status() -> tuple[str, str]:
    """("ok" | "missing" | "not_executable" | "timeout" | "error", version text), cached briefly."""
    binary = settings.CLAUDE_BIN
    now = time.monotonic()
    with _cli_lock:
        cached = _cli_cache.get(binary)
        if cached and now - cached[0] < _CLI_CACHE_SECONDS:
            return cached[1], cached[2]
    status, version = _run_cli_version(binary)
    with _cli_lock:
        _cli_cache[binary] = (time.monotonic(), status, version)
    return status, version


def _run_cli_version(binary: str) -> tuple[str, str]:
    try:
        child = subprocess.Popen([binary, "--version"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
    except FileNotFoundError:
        return "missing", ""
    except PermissionError:
        return "not_executable", ""
    except OSError:
        return "error", ""
    try:
        out, _ = child.communicate(timeout=_CLI_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        # The whole group: a wrapper script's children must not outlive the check.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return "timeout", ""
    if child.returncode != 0:
        return "error", ""
    return "ok", out.decode("utf-8", "replace").strip().split(" ")[0][:40]


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return "error"
    return "ok"


def agents_directory_status() -> str:
    root = settings.AGENTS_ROOT
    if not root.is_dir():
        return "missing"
    if not os.access(root, os.W_OK | os.X_OK):
        return "not_writable"
    return "ok"


def health(request: HttpRequest) -> JsonResponse:
    cli_status, cli_version = claude_cli_status()
    checks: dict[str, str] = {
        "api": "ok",
        "database": database_status(),
        "claude_cli": cli_status,
        "agents_directory": agents_directory_status(),
    }
    # Extra checks contributed by other apps (the worker check lives with executions).
    for name, path in settings.HEALTH_CHECKS.items():
        check: Callable[[], str] = import_string(path)
        try:
            checks[name] = check()
        except Exception:
            checks[name] = "error"
    healthy = all(value == "ok" for value in checks.values())
    body = {
        "status": "healthy" if healthy else "degraded",
        "checks": checks,
        "claude_cli_version": cli_version,
        "version": orchestrator_site.__version__,
        "timestamp": timezone.now().isoformat(),
    }
    response = JsonResponse(body, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
