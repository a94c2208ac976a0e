"""Discovery: which MCP server entries each agent really loads, read from the three scopes.

Reads only (`scan`), then makes the McpServer rows match (`discover_servers`). A bad file is a
Problem the user can read, never a crash, and never rewritten.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.models import Agent
from agents.paths import safe_agent_file, safe_agent_path
from mcp.approval import agent_refusals, user_refusals
from mcp.config import (
    MAX_CLAUDE_FILE_BYTES,
    MAX_PROJECT_FILE_BYTES,
    PROJECT_FILE,
    ConfigFileError,
    Entry,
    Problem,
    claude_config_display,
    claude_config_path,
    parse_servers,
    project_display,
    read_json_object,
)
from mcp.models import McpServer
from orchestrator_site.errors import InvalidInput

Scope = McpServer.Scope


@dataclass
class Found:
    """One entry found on disk, with where it came from."""

    agent: Agent | None
    scope: str
    entry: Entry
    source: str
    effective: bool = True
    overridden_in: list[str] = field(default_factory=list)
    # Project entries: the settings file whose disabledMcpjsonServers switches it off.
    disabled_by: str = ""

    @property
    def key(self) -> tuple[int | None, str, str]:
        return (self.agent.pk if self.agent else None, self.scope, self.entry.name)


@dataclass
class Scan:
    found: list[Found] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class DiscoveryReport:
    servers: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"servers": self.servers, "created": self.created, "updated": self.updated, "removed": self.removed,
                "problems": [problem.as_dict() for problem in self.problems]}


@contextmanager
def mcp_lock() -> Iterator[None]:
    """One discovery or .mcp.json edit at a time on this host, across gunicorn threads and
    processes: a read-modify-write of a file must not interleave with another."""
    path = Path(settings.ORCHESTRATOR_HOME) / "mcp.lock"
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- reading the files ------------------------------------------------------------------------


def _read_claude_config(problems: list[Problem]) -> dict[str, Any]:
    display = claude_config_display()
    try:
        data = read_json_object_or_empty(claude_config_path(), limit=MAX_CLAUDE_FILE_BYTES)
    except ConfigFileError as exc:
        problems.append(Problem(None, display, f"{display} {exc}. Claude Code loads no user or local MCP servers "
                                               "from it; fix the file (the Orchestrator never rewrites it)."))
        return {}
    return data


def read_json_object_or_empty(path: Path, *, limit: int) -> dict[str, Any]:
    return read_json_object(path, limit=limit) or {}


def project_file(agent: Agent) -> Path:
    return safe_agent_file(agent.folder, PROJECT_FILE)


def local_container(projects: Mapping[str, Any], agent: Agent) -> Any:
    """The `projects` member of ~/.claude.json for this agent's folder: Claude Code keys it by
    the absolute path it ran in, which may be the resolved or the configured one."""
    candidates = [str(safe_agent_path(agent.folder)), str(Path(settings.AGENTS_ROOT) / agent.folder)]
    for key in candidates:
        if key in projects:
            return projects[key]
    return None


def scan() -> Scan:
    """Every entry of every scope for every visible agent, and every problem met on the way.
    Reads only; never raises for a bad file. A project entry is effective unless a local one of
    its name wins or a settings file refuses it (then a user one of its name is in force)."""
    result = Scan()
    claude = _read_claude_config(result.problems)
    display = claude_config_display()
    user_entries, messages = parse_servers(claude)
    result.problems += [Problem(None, display, f"User scope: {message}.") for message in messages]
    projects = claude.get("projects") if isinstance(claude.get("projects"), dict) else {}
    agents = list(Agent.objects.visible().filter(is_missing=False))
    overrides: dict[str, list[str]] = {entry.name: [] for entry in user_entries}
    refused_by_user = user_refusals(result.problems)

    for agent in agents:
        try:
            path = project_file(agent)
        except InvalidInput as exc:
            result.problems.append(Problem(agent.folder, project_display(agent.folder), exc.message))
            continue
        source = project_display(agent.folder)
        try:
            project = read_json_object_or_empty(path, limit=MAX_PROJECT_FILE_BYTES)
        except ConfigFileError as exc:
            result.problems.append(Problem(agent.folder, source, f"{source} {exc}. Claude Code loads no servers "
                                                                 "from it until it is fixed."))
            project = {}
        project_entries, messages = parse_servers(project)
        result.problems += [Problem(agent.folder, source, f"{message}.") for message in messages]

        local_entries: list[Entry] = []
        container = local_container(projects, agent)
        refusals = agent_refusals(agent, local_container=container if isinstance(container, dict) else None,
                                  user=refused_by_user, problems=result.problems) if project_entries else {}
        if container is not None:
            if isinstance(container, dict):
                local_entries, messages = parse_servers(container)
                result.problems += [Problem(agent.folder, display, f"Local scope of {agent.folder}: {message}.")
                                    for message in messages]
            else:
                result.problems.append(Problem(agent.folder, display,
                                               f"Local scope of {agent.folder}: the project entry is not an object."))

        local_names = {entry.name for entry in local_entries}
        project_names = {entry.name for entry in project_entries if entry.name not in refusals}
        result.found += [Found(agent, Scope.LOCAL, entry, display) for entry in local_entries]
        result.found += [Found(agent, Scope.PROJECT, entry, source, disabled_by=refusals.get(entry.name, ""),
                               effective=entry.name not in local_names and entry.name not in refusals)
                         for entry in project_entries]
        for name in overrides:
            if name in local_names or name in project_names:
                overrides[name].append(agent.folder)

    for entry in user_entries:
        shadowed = overrides[entry.name]
        result.found.append(Found(None, Scope.USER, entry, display, effective=len(shadowed) < len(agents),
                                  overridden_in=shadowed))
    return result


def config_problems() -> list[Problem]:
    """What is wrong with the configuration files right now (read live, not from the index)."""
    return scan().problems


# -- discovery ---------------------------------------------------------------------------------


def discover_servers() -> DiscoveryReport:
    """Make the McpServer rows match the files: new entries appear, changed ones are updated
    (an old probe result is dropped when the entry changed), vanished ones go. Runs at start-up,
    after agent sync and on POST /api/mcp-servers/sync/."""
    with mcp_lock():
        return discover_locked()


def discover_locked() -> DiscoveryReport:
    found = scan()
    report = DiscoveryReport(problems=found.problems, servers=len(found.found))
    for attempt in range(2):
        try:
            with transaction.atomic():
                _apply(found, report)
            break
        except IntegrityError:
            # Another host discovered the same entry at the same moment: the second pass sees it.
            if attempt:
                raise
            report.created = report.updated = report.removed = 0
    return report


def _apply(found: Scan, report: DiscoveryReport) -> None:
    now = timezone.now()
    existing = {(row.agent_id, row.scope, row.name): row
                for row in McpServer.objects.order_by("pk").select_for_update()}
    for item in found.found:
        entry = item.entry
        fingerprint = entry.fingerprint()
        values = {
            "transport": entry.transport, "command": entry.command, "args": list(entry.args), "url": entry.url,
            "env_names": entry.env_names, "header_names": entry.header_names, "source": item.source,
            "effective": item.effective, "overridden_in": item.overridden_in, "disabled_by": item.disabled_by,
            "fingerprint": fingerprint,
        }
        row = existing.pop(item.key, None)
        if row is None:
            McpServer.objects.create(agent=item.agent, scope=item.scope, name=entry.name, discovered_at=now,
                                     **values)
            report.created += 1
            continue
        changed = {key: value for key, value in values.items() if getattr(row, key) != value}
        if not changed:
            continue
        if "fingerprint" in changed:
            changed.update(status=McpServer.Status.UNKNOWN, checked_at=None, latency_ms=None, server_name="",
                           server_version="", protocol_version="", tools=[], last_error="")
        changed["discovered_at"] = now
        McpServer.objects.filter(pk=row.pk).update(**changed)
        report.updated += 1
    if existing:
        McpServer.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
        report.removed = len(existing)
