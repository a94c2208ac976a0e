"""MCP servers: edits of an agent's `.mcp.json` and live probes; discovery lives in `discovery.py`.

Called by the API, the admin, `check_mcp` and the agent sync hook alike. Keyword-only
arguments, model instances back, domain errors from `orchestrator_site.errors` out.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from agents import gitops
from agents.models import Agent
from agents.paths import agents_root, safe_agent_path
from agents.services import atomic_write
from mcp import jsonedit
from mcp.config import (
    MAX_CLAUDE_FILE_BYTES,
    MAX_PROJECT_FILE_BYTES,
    ConfigFileError,
    Entry,
    MissingVariables,
    claude_config_path,
    entry_json,
    expand_entry,
    parse_entry,
    parse_servers,
    project_display,
)
from mcp.discovery import (
    DiscoveryReport,
    config_problems,
    discover_locked,
    discover_servers,
    local_container,
    mcp_lock,
    project_file,
    read_json_object_or_empty,
)
from mcp.models import McpServer
from mcp.probe import ProbeError, ProbeResult, Redactor, handshake
from mcp.remote import SseChannel, StreamableHttpChannel
from mcp.stdio import StdioChannel, base_environment
from orchestrator_site.errors import ConfirmationRequired, Conflict, InvalidInput, NotFound

__all__ = ["DiscoveryReport", "add_server", "check_server", "config_problems", "discover_servers", "get_server",
           "probe_entry", "remove_server"]

logger = logging.getLogger(__name__)

Scope = McpServer.Scope
# A probe claim older than the deadline plus this belongs to a process that died mid-probe.
CLAIM_SLACK = timedelta(seconds=30)


# -- editing .mcp.json -------------------------------------------------------------------------

_READ_ONLY_MESSAGE = ("{scope} scope servers live in ~/.claude.json, which belongs to Claude Code: change them "
                      "with `claude mcp {verb} -s {scope} ...` in the agent's folder. The Orchestrator edits only "
                      "the project scope (<agent>/.mcp.json).")


def _refuse_scope(scope: str, verb: str) -> None:
    if scope != Scope.PROJECT:
        raise Conflict(_READ_ONLY_MESSAGE.format(scope=scope, verb=verb), code="SCOPE_READ_ONLY",
                       title="Managed by Claude Code")


def _read_project_text(agent: Agent, path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    source = project_display(agent.folder)
    try:
        read_json_object_or_empty(path, limit=MAX_PROJECT_FILE_BYTES)
    except ConfigFileError as exc:
        raise Conflict(f"{source} {exc}. Fix it by hand first; the Orchestrator does not rewrite a file it cannot "
                       "read.", code="CONFIG_INVALID", title="Configuration file invalid") from None
    return data.decode("utf-8")


def _commit(agent: Agent, message: str) -> None:
    if not settings.AUTO_COMMIT:
        return
    try:
        gitops.commit_folder(safe_agent_path(agent.folder), message)
    except gitops.GitError as exc:
        # The edit is on disk either way; a failed commit must not turn it into an error.
        logger.warning("Auto-commit of %s failed: %s", agent.folder, exc)


def add_server(*, agent: Agent, name: str, transport: str, command: str = "", args: list[str] | None = None,
               env: dict[str, str] | None = None, url: str = "", headers: dict[str, str] | None = None,
               scope: str = Scope.PROJECT) -> McpServer:
    """Add an entry to the agent's .mcp.json (atomically, every other byte kept), commit it, and
    return its row. Raises Conflict for another scope, a duplicate name or an unreadable file."""
    _refuse_scope(scope, "add")
    if agent.is_missing:
        raise Conflict(f"The folder of '{agent.folder}' is missing from AGENTS_ROOT.", code="AGENT_MISSING",
                       title="Agent folder missing")
    try:
        entry = parse_entry(name, {"type": transport, "command": command, "args": args or [], "env": env or {},
                                   "url": url, "headers": headers or {}} if transport == "stdio" else
                            {"type": transport, "url": url, "headers": headers or {}})
    except ValueError as exc:
        raise InvalidInput(f"This server entry is not valid: {exc}.") from None
    path = project_file(agent)
    with mcp_lock():
        text = _read_project_text(agent, path)
        if text is not None:
            servers = read_json_object_or_empty(path, limit=MAX_PROJECT_FILE_BYTES).get("mcpServers")
            if isinstance(servers, dict) and name in servers:
                raise Conflict(f"{project_display(agent.folder)} already has a server named '{name}'. Remove it "
                               "first or pick another name.", code="SERVER_EXISTS", title="Server exists")
            if servers is not None and not isinstance(servers, dict):
                raise Conflict(f'"mcpServers" in {project_display(agent.folder)} is not an object; fix it by hand.',
                               code="CONFIG_INVALID", title="Configuration file invalid")
            updated = jsonedit.set_server(text, name, entry_json(entry))
        else:
            updated = json.dumps({"mcpServers": {name: entry_json(entry)}}, indent=2) + "\n"
        atomic_write(path, updated)
        _commit(agent, f"Add MCP server {name} to {agent.folder}")
        discover_locked()
    return McpServer.objects.select_related("agent").get(agent=agent, scope=Scope.PROJECT, name=name)


def remove_server(*, server: McpServer, confirm: object) -> McpServer:
    """Remove the entry from the agent's .mcp.json (every other byte kept), commit, and return
    the row as it was. Raises Conflict (scope), ConfirmationRequired, NotFound (already gone)."""
    _refuse_scope(server.scope, "remove")
    if confirm != server.name:
        raise ConfirmationRequired(f'To remove this server, send the body {{"confirm": "{server.name}"}}.')
    agent = server.agent
    if agent is None:
        raise NotFound("This server belongs to no agent.")
    path = project_file(agent)
    with mcp_lock():
        text = _read_project_text(agent, path)
        servers = read_json_object_or_empty(path, limit=MAX_PROJECT_FILE_BYTES).get("mcpServers") if text else None
        if not isinstance(servers, dict) or server.name not in servers:
            discover_locked()
            raise NotFound(f"'{server.name}' is no longer in {project_display(agent.folder)}; the list is refreshed.")
        atomic_write(path, jsonedit.delete_server(text, server.name))
        _commit(agent, f"Remove MCP server {server.name} from {agent.folder}")
        discover_locked()
    return server


# -- probes ------------------------------------------------------------------------------------


def _live_entry(server: McpServer) -> Entry | None:
    """The entry as the file holds it now (with its secrets, which the database never has)."""
    if server.scope == Scope.PROJECT:
        if server.agent is None:
            return None
        try:
            container = read_json_object_or_empty(project_file(server.agent), limit=MAX_PROJECT_FILE_BYTES)
        except (ConfigFileError, InvalidInput):
            return None
    else:
        try:
            claude = read_json_object_or_empty(claude_config_path(), limit=MAX_CLAUDE_FILE_BYTES)
        except ConfigFileError:
            return None
        if server.scope == Scope.USER:
            container = claude
        else:
            projects = claude.get("projects") if isinstance(claude.get("projects"), dict) else {}
            container = local_container(projects, server.agent)
            if not isinstance(container, dict):
                return None
    entries, _ = parse_servers(container)
    return next((entry for entry in entries if entry.name == server.name), None)


def _referenced_values(entry: Entry, environ: Mapping[str, str]) -> list[str]:
    """Values of the environment variables the entry refers to: they may be tokens too."""
    text = " ".join([entry.command, *entry.args, *entry.env.values(), entry.url, *entry.headers.values()])
    names = {match.split(":-")[0] for match in re.findall(r"\$\{([^}]+)\}", text)}
    return [environ[name] for name in names if name in environ]


def cli_environment() -> dict[str, str]:
    """The environment Claude Code runs with (the runner's allow-list plus CLAUDE_ENV_PASSTHROUGH):
    Claude Code expands ${VAR} from it and its stdio servers inherit from it, so a probe that used
    the service's whole environment could pass where the real run fails."""
    try:
        from executions.runner import child_environment
    except ImportError:
        return dict(os.environ)
    return child_environment()


def probe_entry(*, entry: Entry, cwd: Path, timeout: float, environ: Mapping[str, str] | None = None) -> ProbeResult:
    """One real handshake with the server `entry` describes, with variables expanded from
    `environ` (default: what the CLI gets). Never raises: failures are results."""
    environ = cli_environment() if environ is None else environ
    try:
        expanded = expand_entry(entry, environ)
    except MissingVariables as exc:
        return ProbeResult(status="error", error=f"configuration: missing environment variables: {exc} (Claude Code "
                                                 "would not start this server either: set them in the service's "
                                                 "environment and list them in CLAUDE_ENV_PASSTHROUGH, or use "
                                                 "${VAR:-default})")
    redact = Redactor([*entry.secrets(), *expanded.env.values(), *expanded.headers.values(),
                       *_referenced_values(entry, environ)])
    try:
        if entry.transport == McpServer.Transport.STDIO:
            channel = StdioChannel(argv=[expanded.command, *expanded.args], cwd=cwd, redact=redact,
                                   env={**base_environment(environ), **expanded.env})
            return handshake(channel, timeout=timeout, redact=redact, open_step="start")
        kind = StreamableHttpChannel if entry.transport == McpServer.Transport.HTTP else SseChannel
        return handshake(kind(url=expanded.url, headers=expanded.headers, redact=redact), timeout=timeout,
                         redact=redact, open_step="connect")
    except ProbeError as exc:
        return ProbeResult(status="error", error=redact(f"connect failed: {exc}"))


def check_server(*, server: McpServer) -> McpServer:
    """Probe `server` now and store the result. Raises Conflict while another probe of it runs,
    NotFound when its entry has left the configuration (the index is refreshed then)."""
    entry = _live_entry(server)
    if entry is None or entry.fingerprint() != server.fingerprint:
        discover_servers()
        if entry is None:
            raise NotFound(f"'{server.name}' is no longer configured in {server.source}; the list is refreshed.")
        server = McpServer.objects.select_related("agent").get(pk=server.pk)
    timeout = settings.MCP_PROBE_TIMEOUT
    if not server.claim_probe(now=timezone.now(), stale_after=timedelta(seconds=timeout) + CLAIM_SLACK):
        raise Conflict(f"A check of '{server.name}' is already running; its result will be here in a few seconds.",
                       code="CHECK_RUNNING", title="Check running")
    try:
        cwd = safe_agent_path(server.agent.folder) if server.agent else agents_root()
        result = probe_entry(entry=entry, cwd=cwd, timeout=timeout)
    except BaseException:
        server.release_probe()
        raise
    server.finish_probe(status=result.status, checked_at=timezone.now(), latency_ms=result.latency_ms,
                        server_name=result.server_name, server_version=result.server_version,
                        protocol_version=result.protocol_version, tools=result.tools,
                        last_error=result.error[:2000])
    return server


def get_server(pk: object) -> McpServer:
    """The server row `pk`; raises NotFound."""
    try:
        return McpServer.objects.visible().select_related("agent").get(pk=int(str(pk)))
    except (ValueError, McpServer.DoesNotExist):
        raise NotFound("No such MCP server. Sync to refresh the list.") from None
