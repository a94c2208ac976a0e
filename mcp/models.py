"""MCP servers as Claude Code sees them: one row per configured entry, per scope.

The configuration files are the truth (`<agent>/.mcp.json`, `~/.claude.json`); rows are an
index of them refreshed by discovery, plus what the last probe found. Env and header values
are never stored: only their names.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone

NAME_PATTERN = r"^[a-zA-Z0-9_-]+$"
NAME_MAX_LENGTH = 100


class McpServerQuerySet(models.QuerySet):
    def visible(self) -> McpServerQuerySet:
        """User scope rows and those of agents not deleted (until discovery drops theirs)."""
        return self.filter(Q(agent__isnull=True) | Q(agent__deleted_at__isnull=True))


class McpServer(models.Model):
    class Scope(models.TextChoices):
        PROJECT = "project", "project (<agent>/.mcp.json)"
        LOCAL = "local", "local (~/.claude.json, this agent's folder)"
        USER = "user", "user (~/.claude.json, every agent)"

    class Transport(models.TextChoices):
        STDIO = "stdio", "stdio"
        HTTP = "http", "streamable HTTP"
        SSE = "sse", "HTTP + SSE"

    class Status(models.TextChoices):
        UNKNOWN = "unknown", "not checked"
        OK = "ok", "ok"
        ERROR = "error", "error"
        NEEDS_AUTH = "needs_auth", "needs authentication"

    # Null for user scope: those entries belong to every agent.
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="mcp_servers")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    transport = models.CharField(max_length=16, choices=Transport.choices)
    command = models.TextField(blank=True)
    args = models.JSONField(default=list, blank=True)
    url = models.TextField(blank=True)
    env_names = models.JSONField(default=list, blank=True)
    header_names = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=300, help_text="Display name of the file the entry lives in.")
    # Project and local rows: whether the agent really uses this entry (local > project > user).
    effective = models.BooleanField(default=True)
    # User rows: folders of the agents whose project or local entry of the same name wins.
    overridden_in = models.JSONField(default=list, blank=True)
    # Project rows: display name of the settings file whose disabledMcpjsonServers lists this
    # entry, so Claude Code does not start it (then `effective` is false); blank when none does.
    disabled_by = models.CharField(max_length=300, blank=True)
    # Non-secret digest of the entry; a change resets the probe result, which no longer applies.
    fingerprint = models.CharField(max_length=64, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UNKNOWN)
    checked_at = models.DateTimeField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    server_name = models.CharField(max_length=200, blank=True)
    server_version = models.CharField(max_length=100, blank=True)
    protocol_version = models.CharField(max_length=40, blank=True)
    tools = models.JSONField(default=list, blank=True)
    last_error = models.TextField(blank=True)
    # Set while a probe runs: the claim that keeps two probes of one server apart, across
    # threads, gunicorn workers and hosts.
    probing_since = models.DateTimeField(null=True, blank=True)

    discovered_at = models.DateTimeField(default=timezone.now)

    objects = McpServerQuerySet.as_manager()

    class Meta:
        ordering = ["agent__folder", "name", "scope"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "scope", "name"], condition=Q(agent__isnull=False),
                                    name="mcp_server_unique_per_agent_scope"),
            models.UniqueConstraint(fields=["scope", "name"], condition=Q(agent__isnull=True),
                                    name="mcp_server_unique_user_scope"),
        ]

    def __str__(self) -> str:
        owner = self.agent.folder if self.agent_id else "user"
        return f"{owner}:{self.name} ({self.scope})"

    @property
    def is_managed(self) -> bool:
        """Only project entries (the agent's .mcp.json) are ours to change; local and user
        entries live in ~/.claude.json, which belongs to Claude Code."""
        return self.scope == self.Scope.PROJECT

    def claim_probe(self, *, now: datetime, stale_after: timedelta) -> bool:
        """Mark a probe as running. False while another probe of this server holds the claim
        (a claim older than `stale_after` belongs to a process that died and is taken over)."""
        won = McpServer.objects.filter(
            Q(probing_since__isnull=True) | Q(probing_since__lt=now - stale_after), pk=self.pk,
        ).update(probing_since=now)
        if won:
            self.probing_since = now
        return won == 1

    def finish_probe(self, *, status: str, checked_at: datetime, latency_ms: int | None, server_name: str,
                     server_version: str, protocol_version: str, tools: list[str], last_error: str) -> None:
        """Store a probe result and release the claim taken by `claim_probe`."""
        values = {
            "status": status, "checked_at": checked_at, "latency_ms": latency_ms, "server_name": server_name,
            "server_version": server_version, "protocol_version": protocol_version, "tools": tools,
            "last_error": last_error, "probing_since": None,
        }
        McpServer.objects.filter(pk=self.pk, probing_since=self.probing_since).update(**values)
        for key, value in values.items():
            setattr(self, key, value)

    def release_probe(self) -> None:
        """Drop the claim without a result (the probe could not start)."""
        McpServer.objects.filter(pk=self.pk, probing_since=self.probing_since).update(probing_since=None)
        self.probing_since = None
