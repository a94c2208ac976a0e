"""Bring up the real Orchestrator stack for the browser tests, and take it down again.

Run with the project's venv: `.venv/bin/python frontend/e2e/stack.py [--port N]`.

It makes a throw-away ORCHESTRATOR_HOME, migrates a SQLite database there, creates a staff user
and a read-only user with a known password, seeds the example agents, collects the built
dashboard, then starts the real gunicorn (deploy/gunicorn.conf.py) and real `manage.py db_worker`
processes with the fake `claude` CLI (tests/fakes/claude) as CLAUDE_BIN. When /api/health says
healthy it prints one line of JSON, {"url", "username", "reader", "password", "home"}, and keeps
running. SIGTERM or SIGINT stops every process it started (each in its own process group: TERM,
then KILL) and deletes the home.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYTHON = REPO / ".venv" / "bin" / "python"
GUNICORN = REPO / ".venv" / "bin" / "gunicorn"
FAKE_CLAUDE = REPO / "tests" / "fakes" / "claude"
USERNAME = "e2e-admin"
READER = "e2e-reader"
PASSWORD = "e2e-password-1234"  # noqa: S105 (a throw-away user of a throw-away database)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stack_env(home: Path, port: int, workers: int) -> dict[str, str]:
    """The environment every process of the stack shares: nothing from a developer's own setup."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("ORCHESTRATOR_", "DATABASE_", "AGENTS_", "CLAUDE_", "GUNICORN_", "REDIS_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "orchestrator_site.settings",
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",
        "ORCHESTRATOR_HOME": str(home),
        "ORCHESTRATOR_ENV_FILE": str(home / "no-env-file"),
        "ORCHESTRATOR_ENV": "production",
        "SECRET_KEY": "e2e-" + secrets.token_urlsafe(48),
        "DATABASE_PATH": str(home / "e2e.db"),
        "AGENTS_ROOT": str(home / "agents"),
        "AGENTS_SEED_EXAMPLES": "true",
        "CLAUDE_BIN": str(FAKE_CLAUDE),
        "PORT": str(port),
        "MAX_CONCURRENT_EXECUTIONS": str(workers),
        "LOG_TO_CONSOLE": "false",
        # Small, so the huge-output test crosses it without writing 10 MiB.
        "EXECUTION_OUTPUT_LIMIT": str(1024 * 1024),
    })
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(PYTHON), "manage.py", *args], cwd=REPO, env=env, check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=None)


def create_users(env: dict[str, str]) -> None:
    """A staff user and a read-only one, both with PASSWORD."""
    code = (
        "from django.contrib.auth import get_user_model\n"
        f"get_user_model().objects.create_superuser(username={USERNAME!r}, email='', password={PASSWORD!r})\n"
        f"get_user_model().objects.create_user(username={READER!r}, password={PASSWORD!r})\n"
    )
    subprocess.run([str(PYTHON), "manage.py", "shell", "-c", code], cwd=REPO, env=env, check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def health(url: str) -> dict | None:
    """/api/health's body once gunicorn answers (200, or 503 for a degraded check), else None."""
    try:
        with urllib.request.urlopen(url + "/api/health", timeout=2) as response:  # noqa: S310 (our own http URL)
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        if error.code == 503:
            try:
                return json.loads(error.read())
            except ValueError:
                return None
        return None
    except (OSError, ValueError):
        return None


class Stack:
    """The processes of one stack; `stop()` is safe to call more than once."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen] = []
        self.home: Path | None = None

    def start(self, name: str, argv: list[str], env: dict[str, str], *, home: Path) -> subprocess.Popen:
        log = open(home / "logs" / f"e2e-{name}.out", "ab")  # noqa: SIM115 (closed once the child has it)
        process = subprocess.Popen(argv, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 25
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            # The group too: a run's CLI child may outlive its worker.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            if process.poll() is None:
                process.wait(timeout=10)
        self.processes.clear()

    def logs_tail(self, lines: int = 40) -> str:
        if self.home is None:
            return ""
        parts = []
        for path in sorted((self.home / "logs").glob("*")):
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
                parts.append(f"== {path.name}\n" + "\n".join(text))
        return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: a free one)")
    parser.add_argument("--workers", type=int, default=2, help="db_worker processes (default: 2)")
    parser.add_argument("--keep-home", action="store_true", help="leave the temp home for inspection")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for health")
    options = parser.parse_args()

    stack = Stack()
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    home = Path(tempfile.mkdtemp(prefix="orchestrator-e2e-"))
    stack.home = home
    (home / "logs").mkdir()
    try:
        if not (REPO / "frontend" / "dist" / "index.html").is_file():
            print("frontend/dist is missing: run `npm run build` in frontend/ first.", file=sys.stderr)
            return 2
        port = options.port or free_port()
        env = stack_env(home, port, options.workers)
        manage(env, "migrate", "--noinput")
        create_users(env)
        manage(env, "sync_agents")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        for index in range(options.workers):
            worker_env = dict(env, ORCHESTRATOR_LOG_NAME=f"worker.{index + 1}")
            stack.start(f"worker-{index + 1}", [str(PYTHON), "manage.py", "db_worker"], worker_env, home=home)
        stack.start("gunicorn", [str(GUNICORN), "-c", "deploy/gunicorn.conf.py"],
                    dict(env, ORCHESTRATOR_LOG_NAME="api"), home=home)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + options.timeout
        # Healthy means every check, the workers' heartbeat included: the tests start runs at once.
        while (body := health(url)) is None or body.get("status") != "healthy":
            dead = [p for p in stack.processes if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                print(f"The stack did not come up (last health: {body}):\n" + stack.logs_tail(), file=sys.stderr)
                return 1
            time.sleep(0.2)
        print(json.dumps({"url": url, "username": USERNAME, "reader": READER, "password": PASSWORD, "home": str(home)}),
              flush=True)
        while not stopping:
            dead = [p for p in stack.processes if p.poll() is not None]
            if dead:
                print("A stack process exited early:\n" + stack.logs_tail(), file=sys.stderr)
                return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stack.stop()
        if not options.keep_home:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
