"""manage.py check_mcp [--agent FOLDER]: discover, then probe every (or one agent's) MCP server."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from agents.services import get_agent
from mcp import services
from mcp.models import McpServer
from orchestrator_site.errors import ServiceError


class Command(BaseCommand):
    help = "Probe MCP servers (initialize + tools/list) and print a table. Exits 1 when any check failed."

    def add_arguments(self, parser):
        parser.add_argument("--agent", help="Only this agent's servers (and the user scope servers it uses).")

    def handle(self, *, agent: str | None, **_):
        services.discover_servers()
        servers = McpServer.objects.select_related("agent")
        if agent is not None:
            try:
                owner = get_agent(agent)
            except ServiceError as exc:
                raise CommandError(exc.message) from None
            # What this agent really loads: its effective entries and the user ones it does not override.
            servers = [server for server in servers.filter(Q(agent=owner, effective=True) | Q(agent__isnull=True))
                       if server.agent_id or owner.folder not in server.overridden_in]
        rows = [("AGENT", "NAME", "SCOPE", "TRANSPORT", "STATUS", "MS", "TOOLS", "ERROR")]
        failed = 0
        for server in servers:
            self.stderr.write(f"checking {server}...")
            try:
                server = services.check_server(server=server)
                status, latency, tools, error = (server.status, str(server.latency_ms or ""), str(len(server.tools)),
                                                 server.last_error)
            except ServiceError as exc:
                status, latency, tools, error = "skipped", "", "", exc.message
            if status != McpServer.Status.OK:
                failed += 1
            rows.append((server.agent.folder if server.agent_id else "(user)", server.name, server.scope,
                         server.transport, status, latency, tools, error[:120]))
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
                              + "  " + row[-1])
        if len(rows) == 1:
            self.stdout.write("No MCP servers configured.")
        if failed:
            raise CommandError(f"{failed} of {len(rows) - 1} MCP servers failed the check.")
