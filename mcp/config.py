"""Where Claude Code keeps MCP server entries, and what a valid entry looks like.

Scopes (see docs CLAUDE_CLI.md §8): project `<agent>/.mcp.json` -> `mcpServers`; local
`~/.claude.json` -> `projects["<abs agent path>"].mcpServers`; user `~/.claude.json` ->
`mcpServers`. `~` is `$CLAUDE_CONFIG_DIR` when that is set, as for the CLI. Nothing here
writes ~/.claude.json: it belongs to Claude Code.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from mcp.models import NAME_MAX_LENGTH, NAME_PATTERN

PROJECT_FILE = ".mcp.json"
CLAUDE_FILE = ".claude.json"
SETTINGS_FILE = "settings.json"
MAX_PROJECT_FILE_BYTES = 1024 * 1024
# ~/.claude.json also holds Claude Code's history and caches: it can be big.
MAX_CLAUDE_FILE_BYTES = 64 * 1024 * 1024
_NAME = re.compile(NAME_PATTERN)
_VARIABLE = re.compile(r"\$\{([^}]+)\}")
TRANSPORTS = ("stdio", "http", "sse")


@dataclass(frozen=True)
class Entry:
    """One server entry as written in a file (values unexpanded, secrets included: never store
    or return `env`/`headers` values)."""

    name: str
    transport: str
    command: str = ""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    url: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def env_names(self) -> list[str]:
        return sorted(self.env)

    @property
    def header_names(self) -> list[str]:
        return sorted(self.headers)

    def fingerprint(self) -> str:
        """A digest of the non-secret parts: when it changes, an old probe result is stale."""
        public = [self.transport, self.command, list(self.args), self.url, self.env_names, self.header_names]
        return hashlib.sha256(json.dumps(public).encode()).hexdigest()

    def secrets(self) -> list[str]:
        return [*self.env.values(), *self.headers.values()]


@dataclass(frozen=True)
class Problem:
    """A configuration file (or one entry in it) Claude Code cannot use, in words for the user."""

    agent: str | None
    source: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"agent": self.agent, "source": self.source, "message": self.message}


class ConfigFileError(Exception):
    """The file exists but is not usable JSON; the message says why (never its content)."""


def claude_config_path() -> Path:
    return Path(settings.CLAUDE_CONFIG_DIR) / CLAUDE_FILE


def claude_config_display() -> str:
    configured = Path(settings.CLAUDE_CONFIG_DIR)
    return "~/.claude.json" if configured == Path.home() else "$CLAUDE_CONFIG_DIR/.claude.json"


def user_settings_path() -> Path:
    """The user's settings.json. Claude Code keeps it in its config dir: `$CLAUDE_CONFIG_DIR`
    when that is set, else `~/.claude/` (while ~/.claude.json sits in `~` itself)."""
    configured = Path(settings.CLAUDE_CONFIG_DIR)
    return configured / ".claude" / SETTINGS_FILE if configured == Path.home() else configured / SETTINGS_FILE


def user_settings_display() -> str:
    configured = Path(settings.CLAUDE_CONFIG_DIR)
    return "~/.claude/settings.json" if configured == Path.home() else "$CLAUDE_CONFIG_DIR/settings.json"


def project_display(folder: str) -> str:
    return f"{folder}/{PROJECT_FILE}"


def read_json_object(path: Path, *, limit: int) -> dict[str, Any] | None:
    """The JSON object in `path`, None when there is no file. Raises ConfigFileError."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise ConfigFileError(f"cannot be read ({exc.strerror})") from None
    if len(data) > limit:
        raise ConfigFileError(f"is larger than {limit // (1024 * 1024)} MiB")
    try:
        value = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigFileError("is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ConfigFileError(f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(value, dict):
        raise ConfigFileError("must hold a JSON object")
    return value


def _strings(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        raise ValueError(f"{what} must be an object of strings")
    return dict(value)


def parse_entry(name: Any, raw: Any) -> Entry:
    """One `mcpServers` member as an Entry. Raises ValueError with a readable reason."""
    if not isinstance(name, str) or not name or len(name) > NAME_MAX_LENGTH:
        raise ValueError(f"a server name must be 1 to {NAME_MAX_LENGTH} characters")
    if not isinstance(raw, dict):
        raise ValueError("must be a JSON object")
    kind = raw.get("type")
    if kind is None:
        if "url" in raw and "command" not in raw:
            raise ValueError('has a url but no "type": set "type": "http" (or "sse")')
        kind = "stdio"
    if kind not in TRANSPORTS:
        raise ValueError(f'"type" {str(kind)[:20]!r} is not one of {", ".join(TRANSPORTS)}')
    if kind == "stdio":
        command = raw.get("command")
        if not isinstance(command, str) or not command.strip():
            raise ValueError('a stdio server needs a "command"')
        args = raw.get("args", [])
        if not isinstance(args, list) or not all(isinstance(arg, str) for arg in args):
            raise ValueError('"args" must be a list of strings')
        return Entry(name=name, transport=kind, command=command, args=tuple(args),
                     env=_strings(raw.get("env"), '"env"'))
    url = raw.get("url")
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f'a {kind} server needs a "url"')
    return Entry(name=name, transport=kind, url=url, headers=_strings(raw.get("headers"), '"headers"'))


def parse_servers(container: Mapping[str, Any]) -> tuple[list[Entry], list[str]]:
    """The valid entries of `container["mcpServers"]`, and one message per invalid one."""
    servers = container.get("mcpServers")
    if servers is None:
        return [], []
    if not isinstance(servers, dict):
        return [], ['"mcpServers" must be a JSON object']
    entries, messages = [], []
    for name, raw in servers.items():
        try:
            entries.append(parse_entry(name, raw))
        except ValueError as exc:
            messages.append(f"server {str(name)[:NAME_MAX_LENGTH]!r} {exc}")
    return entries, messages


def is_valid_name(name: object) -> bool:
    return isinstance(name, str) and len(name) <= NAME_MAX_LENGTH and _NAME.fullmatch(name) is not None


class MissingVariables(Exception):
    def __init__(self, names: list[str]):
        super().__init__(", ".join(names))
        self.names = names


def expand(text: str, environ: Mapping[str, str], missing: list[str]) -> str:
    """`${VAR}` and `${VAR:-default}` as Claude Code expands them; unset names go to `missing`."""

    def substitute(match: re.Match[str]) -> str:
        name, has_default, default = match.group(1).partition(":-")
        value = environ.get(name)
        if value is not None:
            return value
        if has_default:
            return default
        missing.append(name)
        return match.group(0)

    return _VARIABLE.sub(substitute, text)


@dataclass(frozen=True)
class Expanded:
    command: str
    args: list[str]
    env: dict[str, str]
    url: str
    headers: dict[str, str]


def expand_entry(entry: Entry, environ: Mapping[str, str]) -> Expanded:
    """The entry with variables filled in. Raises MissingVariables (names only)."""
    missing: list[str] = []
    expanded = Expanded(
        command=expand(entry.command, environ, missing),
        args=[expand(arg, environ, missing) for arg in entry.args],
        env={key: expand(value, environ, missing) for key, value in entry.env.items()},
        url=expand(entry.url, environ, missing),
        headers={key: expand(value, environ, missing) for key, value in entry.headers.items()},
    )
    if missing:
        raise MissingVariables(sorted(set(missing)))
    return expanded


def entry_json(entry: Entry) -> dict[str, Any]:
    """The entry as it goes into a .mcp.json."""
    if entry.transport == "stdio":
        body: dict[str, Any] = {"type": "stdio", "command": entry.command, "args": list(entry.args)}
        if entry.env:
            body["env"] = dict(entry.env)
        return body
    body = {"type": entry.transport, "url": entry.url}
    if entry.headers:
        body["headers"] = dict(entry.headers)
    return body
