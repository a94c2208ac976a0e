"""Waiting in tests: poll with a deadline instead of sleeping, and tell a live process from a gone one."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest


def wait_for(predicate: Callable[[], object], *, timeout: float = 20.0, interval: float = 0.05,
             message: str = "condition") -> object:
    """Poll until `predicate()` is truthy and return its value; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


def alive(pid: int) -> bool:
    """Running (a zombie counts as gone), read from /proc rather than through our own code."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False
