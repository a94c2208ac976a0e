"""Install, restart or remove the Orchestrator LaunchAgents (macOS)."""

from __future__ import annotations

import argparse
import sys

from django.core.management.base import BaseCommand, CommandError

from orchestrator_site import launchd
from orchestrator_site.deployment import build_plan, ensure_env_file, shell_only_settings
from orchestrator_site.errors import ServiceError


def port_number(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError("use a port between 1 and 65535")
    return number


def worker_count(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 64:
        raise argparse.ArgumentTypeError("use 1 to 64 workers")
    return number


class Command(BaseCommand):
    help = ("Write and load ~/Library/LaunchAgents/com.orchestrator.api.plist (gunicorn) and one "
            "com.orchestrator.worker.N.plist per worker, then wait for /api/health. "
            "--dry-run prints the plists; --restart and --uninstall act on installed ones.")

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--dry-run", action="store_true", help="Print the plists and change nothing.")
        action.add_argument("--uninstall", action="store_true", help="Stop the jobs and delete their plists.")
        action.add_argument("--restart", action="store_true", help="Restart the installed jobs (kickstart -k).")
        parser.add_argument("--port", type=port_number, help="Port of the API (default: PORT, 5111).")
        parser.add_argument("--workers", type=worker_count,
                            help="Worker processes (default: MAX_CONCURRENT_EXECUTIONS).")
        parser.add_argument("--label-prefix", default=launchd.DEFAULT_PREFIX,
                            help="Reverse-DNS prefix of the job labels (default: com.orchestrator).")
        parser.add_argument("--domain", choices=("gui", "user"), default="gui",
                            help="gui/<uid> (default, the login session) or user/<uid>.")
        parser.add_argument("--health-timeout", type=float, default=60.0,
                            help="Seconds to wait for /api/health after loading (default 60).")
        # Tests on Linux drive the real flows against a fake launchctl.
        parser.add_argument("--assume-macos", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *, dry_run: bool, uninstall: bool, restart: bool, port: int | None, workers: int | None,
               label_prefix: str, domain: str, health_timeout: float, assume_macos: bool, **_):
        try:
            if dry_run:
                plan = build_plan(port=port, workers=workers)
                self._print_plan(plan, label_prefix)
                return
            if sys.platform != "darwin" and not assume_macos:
                raise CommandError("launchd is macOS-only. On Linux run: .venv/bin/python manage.py install_systemd "
                                   "(--dry-run works here to show the plists).")
            if uninstall:
                removed = launchd.uninstall(prefix=label_prefix, domain=domain)
                for path in removed:
                    self.stdout.write(f"Removed {path}")
                if not removed:
                    self.stdout.write(f"No {label_prefix} LaunchAgents were installed.")
                return
            plan = build_plan(port=port, workers=workers)
            if restart:
                labels = launchd.restart(plan=plan, prefix=label_prefix, domain=domain, health_timeout=health_timeout)
                self.stdout.write(self.style.SUCCESS(f"Restarted {', '.join(labels)}; /api/health passes."))
                return
            if ensure_env_file(plan.env_file):
                self.stdout.write(f"Created {plan.env_file} (mode 0600) from deploy/.env.production.")
            self._warn_missing(plan)
            launchd.install(plan=plan, prefix=label_prefix, domain=domain, health_timeout=health_timeout,
                            report=self.stdout.write)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(
            f"Orchestrator runs at http://127.0.0.1:{plan.port}/ with {len(plan.workers)} worker(s); "
            f"/api/health passes. Logs: {plan.logs_dir}"))

    def _print_plan(self, plan, prefix: str) -> None:
        directory = launchd.launch_agents_dir()
        for label, data in launchd.render_plists(plan, prefix=prefix).items():
            self.stdout.write(f"<!-- {directory / (label + '.plist')} -->")
            self.stdout.write(data.decode("utf-8"))
        self._warn_missing(plan)

    def _warn_missing(self, plan) -> None:
        for line in missing_tool_warnings(plan):
            self.stderr.write(line)


def missing_tool_warnings(plan) -> list[str]:
    """One line per tool the services will not find, and per setting they will not see."""
    lines = [f"Warning: {name} is set in this shell but not in {plan.env_file}: the services will not see it. "
             "Put it in the env file." for name in shell_only_settings(plan.env_file)]
    hints = {
        "claude": f"install Claude Code, or set CLAUDE_BIN to its absolute path in {plan.env_file}",
        "node": "install Node.js if your claude is the npm package (a node script)",
        "git": "install git: agent changes are committed with it (AUTO_COMMIT)",
    }
    return lines + [f"Warning: {tool} was not found on PATH, so the services will not find it: {hints[tool]}; "
                    "then install again." for tool, found in plan.tools.items() if found is None]
