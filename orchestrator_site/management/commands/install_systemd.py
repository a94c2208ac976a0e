"""Install, restart or remove the Orchestrator systemd user units (Linux)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from orchestrator_site import systemd
from orchestrator_site.deployment import build_plan, ensure_env_file
from orchestrator_site.errors import ServiceError
from orchestrator_site.management.commands.install_launchd import missing_tool_warnings, port_number, worker_count


class Command(BaseCommand):
    help = ("Write ~/.config/systemd/user/orchestrator-api.service and orchestrator-worker@.service, "
            "enable and start the api and one worker instance per worker, then wait for /api/health. "
            "--dry-run prints the units; --restart and --uninstall act on installed ones.")

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--dry-run", action="store_true", help="Print the units and change nothing.")
        action.add_argument("--uninstall", action="store_true", help="Stop and disable the units and delete them.")
        action.add_argument("--restart", action="store_true", help="Restart the installed units.")
        parser.add_argument("--port", type=port_number, help="Port of the API (default: PORT, 5111).")
        parser.add_argument("--workers", type=worker_count,
                            help="Worker instances (default: MAX_CONCURRENT_EXECUTIONS).")
        parser.add_argument("--health-timeout", type=float, default=60.0,
                            help="Seconds to wait for /api/health after starting (default 60).")

    def handle(self, *, dry_run: bool, uninstall: bool, restart: bool, port: int | None, workers: int | None,
               health_timeout: float, **_):
        try:
            plan = None if uninstall else build_plan(port=port, workers=workers)
            if dry_run:
                for name, text in systemd.render_units(plan).items():
                    self.stdout.write(f"# {systemd.unit_dir() / name}")
                    self.stdout.write(text)
                self.stdout.write(f"# instances: {', '.join(systemd.instance_units(len(plan.workers)))}")
                for line in missing_tool_warnings(plan):
                    self.stderr.write(line)
                return
            if sys.platform == "darwin":
                raise CommandError("systemd is Linux-only. On macOS run: .venv/bin/python manage.py install_launchd")
            if uninstall:
                removed = systemd.uninstall()
                for path in removed:
                    self.stdout.write(f"Removed {path}")
                if not removed:
                    self.stdout.write("No Orchestrator units were installed.")
                return
            if restart:
                units = systemd.restart(plan=plan, health_timeout=health_timeout)
                self.stdout.write(self.style.SUCCESS(f"Restarted {', '.join(units)}; /api/health passes."))
                return
            if ensure_env_file(plan.env_file):
                self.stdout.write(f"Created {plan.env_file} (mode 0600) from deploy/.env.production.")
            for line in missing_tool_warnings(plan):
                self.stderr.write(line)
            systemd.install(plan=plan, health_timeout=health_timeout, report=self.stdout.write)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(
            f"Orchestrator runs at http://127.0.0.1:{plan.port}/ with {len(plan.workers)} worker(s); "
            f"/api/health passes. Logs: {plan.logs_dir} and `journalctl --user -u 'orchestrator-*'`."))
        if not systemd.lingering():
            self.stdout.write("To keep it running after you log out (and start it at boot): "
                              "loginctl enable-linger $USER")
