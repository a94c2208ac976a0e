"""What the OS knows about a process: whether it lives, when it started, who is in its group.

The reaper kills a dead worker's CLI group only when the pid still belongs to the process that was
started (same start time): pids are recycled, and killing a stranger's group is not an option.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

_PROC = Path("/proc")


def start_time(pid: int) -> str | None:
    """An opaque, stable token for when `pid` started; None when no such process lives."""
    if pid <= 0:
        return None
    stat = _PROC / str(pid) / "stat"
    if _PROC.is_dir() and sys.platform.startswith("linux"):
        try:
            text = stat.read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            return None
        # Field 22 (starttime, in clock ticks since boot); the command name may hold spaces and ')'.
        fields = text[text.rindex(")") + 2:].split()
        if fields[0] == "Z":
            return None
        return f"linux:{fields[19]}"
    done = subprocess.run(["ps", "-o", "lstart=", "-p", str(pid)], capture_output=True, text=True, check=False)
    value = done.stdout.strip()
    return f"ps:{value}" if done.returncode == 0 and value else None


def is_alive(pid: int, started: str | None = None) -> bool:
    """`pid` lives (not a zombie) and, when `started` is given, is the same process as then."""
    current = start_time(pid)
    if current is None:
        return False
    return started is None or started == current


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) pids whose process group is `pgid`."""
    if pgid <= 0:
        return []
    if _PROC.is_dir() and sys.platform.startswith("linux"):
        members = []
        for entry in _PROC.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                text = (entry / "stat").read_text()
            except (FileNotFoundError, ProcessLookupError, PermissionError, NotADirectoryError):
                continue
            fields = text[text.rindex(")") + 2:].split()
            if fields[0] != "Z" and int(fields[2]) == pgid:
                members.append(int(entry.name))
        return members
    done = subprocess.run(["ps", "-A", "-o", "pid=,pgid=,stat="], capture_output=True, text=True, check=False)
    members = []
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] == str(pgid) and not parts[2].startswith("Z"):
            members.append(int(parts[0]))
    return members


def signal_group(pgid: int, signum: signal.Signals) -> bool:
    """Send `signum` to the whole group; False when nobody was left to receive it."""
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    return True
