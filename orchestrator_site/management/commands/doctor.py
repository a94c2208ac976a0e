"""Check what the runbook checks, as the installed service sees it, and say how to fix each failure."""

from __future__ import annotations

import argparse
import sys

from django.core.management.base import BaseCommand, CommandError

from orchestrator_site import doctor


def megabytes(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("use a number of MiB, 0 or more")
    return number


class Command(BaseCommand):
    help = ("Check the service: claude and node on the service's PATH, the CLI version, the database "
            "(writable, WAL), the port, the plists or units, workers alive, stale runs, disk space. "
            "Prints a pass/fail table with a fix for each failure; exits 1 when any check fails.")

    def add_arguments(self, parser):
        parser.add_argument("--min-free-mb", type=megabytes, default=doctor.DEFAULT_MIN_FREE_MB,
                            help=f"Free disk space below this fails (default {doctor.DEFAULT_MIN_FREE_MB} MiB).")
        # Tests on Linux check the launchd side too.
        parser.add_argument("--assume-macos", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *, min_free_mb: int, assume_macos: bool, **_):
        manager = "launchd" if sys.platform == "darwin" or assume_macos else "systemd"
        checks = doctor.run_checks(manager=manager, min_free_mb=min_free_mb)
        self.stdout.write(doctor.render(checks))
        failed = sum(not check.ok for check in checks)
        if failed:
            raise CommandError(f"{failed} check(s) failed: see the fixes above.")
