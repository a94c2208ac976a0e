"""Which project-scope (.mcp.json) servers Claude Code refuses to start for an agent.

Claude Code asks before it uses a `.mcp.json` server and remembers the answer in
`disabledMcpjsonServers` (refused), `enabledMcpjsonServers` (approved) and
`enableAllProjectMcpServers`, kept in the agent's `.claude/settings.local.json` and
`.claude/settings.json`, the user's settings.json and `~/.claude.json` ->
`projects["<abs agent path>"]`. A refusal in any of them wins over an approval. In `-p` mode a
server nobody answered for (pending) is started anyway (CLAUDE_CLI.md §8), so only a refusal
changes what an agent loads, and the approval keys are not read here. Reads only.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agents.models import Agent
from agents.paths import safe_agent_file
from mcp.config import (
    MAX_PROJECT_FILE_BYTES,
    ConfigFileError,
    Problem,
    claude_config_display,
    read_json_object,
    user_settings_display,
    user_settings_path,
)
from orchestrator_site.errors import InvalidInput

DISABLED_KEY = "disabledMcpjsonServers"
# The agent's own settings files, most specific first: the first file that refuses a server is
# the one the dashboard names.
AGENT_SETTINGS_FILES = (".claude/settings.local.json", ".claude/settings.json")


def refused_names(container: Mapping[str, Any], *, agent: str | None, source: str, problems: list[Problem],
                  where: str = "") -> list[str]:
    """The names `container` lists under disabledMcpjsonServers; a malformed value is a Problem
    (and refuses nothing). `where` names the container in the message (default: the file)."""
    value = container.get(DISABLED_KEY)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        problems.append(Problem(agent, source, f'{where or source}: "{DISABLED_KEY}" must be a list of server '
                                               "names. The Orchestrator cannot tell which .mcp.json servers it "
                                               "switches off until it is fixed (it never rewrites the file)."))
        return []
    return value


def read_settings(path: Path, *, agent: str | None, source: str, problems: list[Problem]) -> dict[str, Any]:
    """The settings object in `path`, {} when there is none or it is unusable (then a Problem)."""
    try:
        return read_json_object(path, limit=MAX_PROJECT_FILE_BYTES) or {}
    except ConfigFileError as exc:
        problems.append(Problem(agent, source, f"{source} {exc}. Claude Code does not apply the settings in it, so "
                                               f"its {DISABLED_KEY} list switches no server off; fix the file (the "
                                               "Orchestrator never rewrites it)."))
        return {}


def user_refusals(problems: list[Problem]) -> dict[str, str]:
    """Server name -> the user settings file that refuses it (for every agent)."""
    source = user_settings_display()
    data = read_settings(user_settings_path(), agent=None, source=source, problems=problems)
    return dict.fromkeys(refused_names(data, agent=None, source=source, problems=problems), source)


def agent_refusals(agent: Agent, *, local_container: Mapping[str, Any] | None, user: Mapping[str, str],
                   problems: list[Problem]) -> dict[str, str]:
    """Server name -> display name of the file that refuses it for `agent`: its settings.local.json,
    its settings.json, its entry in ~/.claude.json (`local_container`), then the user's settings
    (`user`, from `user_refusals`). Bad files are Problems, never raised."""
    refusals: dict[str, str] = {}
    for name in AGENT_SETTINGS_FILES:
        source = f"{agent.folder}/{name}"
        try:
            path = safe_agent_file(agent.folder, name)
        except InvalidInput as exc:
            problems.append(Problem(agent.folder, source, exc.message))
            continue
        data = read_settings(path, agent=agent.folder, source=source, problems=problems)
        for server in refused_names(data, agent=agent.folder, source=source, problems=problems):
            refusals.setdefault(server, source)
    if local_container is not None:
        source = claude_config_display()
        for server in refused_names(local_container, agent=agent.folder, source=source, problems=problems,
                                    where=f"{source}, project entry of {agent.folder}"):
            refusals.setdefault(server, source)
    for server, source in user.items():
        refusals.setdefault(server, source)
    return refusals
