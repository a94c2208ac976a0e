"""What the fake `launchctl` and `systemctl` share: a call log and jobs that really run.

A job is started the way the real manager would start it (its argv, working directory and
environment, output appended to its log files, in its own session) and stopped with SIGTERM,
then SIGKILL after its stop timeout. State lives in a folder, one JSON file per loaded job.

Environment: FAKE_SERVICE_STATE (folder for state and `calls.jsonl`; required, so a stray fake
on PATH never touches anything real).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def state_dir() -> Path:
    value = os.environ.get("FAKE_SERVICE_STATE")
    if not value:
        sys.stderr.write("fake service manager: FAKE_SERVICE_STATE is not set\n")
        sys.exit(2)
    path = Path(value)
    path.mkdir(parents=True, exist_ok=True)
    return path


def record(tool: str, argv: list[str]) -> None:
    with (state_dir() / "calls.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"tool": tool, "argv": argv}) + "\n")


def _job_file(name: str) -> Path:
    return state_dir() / f"job-{name}.json"


def job(name: str) -> dict | None:
    try:
        return json.loads(_job_file(name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (nobody may reap an orphan here)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def start(name: str, *, argv: list[str], cwd: str, env: dict[str, str], stdout: str | None,
          stderr: str | None, stop_timeout: float, definition: str) -> int:
    base = {key: os.environ[key] for key in ("HOME", "USER", "LOGNAME", "SHELL", "TMPDIR") if key in os.environ}
    out = open(stdout, "ab") if stdout else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
    err = open(stderr, "ab") if stderr else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(argv, cwd=cwd, env={**base, **env}, stdin=subprocess.DEVNULL, stdout=out,
                               stderr=err, start_new_session=True)
    _job_file(name).write_text(json.dumps({"pid": process.pid, "argv": argv, "stop_timeout": stop_timeout,
                                           "definition": definition}), encoding="utf-8")
    return process.pid


def stop(name: str) -> bool:
    """SIGTERM the job, SIGKILL it after its stop timeout; False when it was not loaded."""
    current = job(name)
    if current is None:
        return False
    pid = current["pid"]
    if alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + float(current["stop_timeout"])
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    # Like launchd and systemd's KillMode=mixed: whatever is left in the job's group is killed.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    _job_file(name).unlink(missing_ok=True)
    return True


def loaded() -> list[str]:
    return sorted(path.stem.removeprefix("job-") for path in state_dir().glob("job-*.json"))
