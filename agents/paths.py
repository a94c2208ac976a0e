"""The one gate between a folder name from outside and the disk."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from agents.models import FOLDER_MAX_LENGTH, FOLDER_PATTERN
from orchestrator_site.errors import InvalidInput

_FOLDER = re.compile(FOLDER_PATTERN)
PROMPT_FILE = "CLAUDE.md"


def agents_root() -> Path:
    return Path(settings.AGENTS_ROOT).resolve()


def is_valid_folder(folder: object) -> bool:
    return isinstance(folder, str) and len(folder) <= FOLDER_MAX_LENGTH and _FOLDER.fullmatch(folder) is not None


def safe_agent_path(folder: str) -> Path:
    """The resolved path of `folder` under AGENTS_ROOT.

    Raises InvalidInput for a name outside `^[a-zA-Z0-9-]+$` or one that resolves (through a
    symlink, say) anywhere but to itself directly inside AGENTS_ROOT. The folder need not exist.
    """
    if not is_valid_folder(folder):
        raise InvalidInput("Folder names use only letters, digits and hyphens (at most 64).",
                           fields={"folder": ["Use only letters, digits and hyphens (at most 64)."]})
    root = agents_root()
    path = (root / folder).resolve()
    if not path.is_relative_to(root) or path.parent != root or path.name != folder:
        raise InvalidInput("This folder resolves outside AGENTS_ROOT and cannot be used.",
                           fields={"folder": ["Resolves outside AGENTS_ROOT (a symlink?)."]})
    return path


def safe_agent_file(folder: str, name: str) -> Path:
    """A file directly inside the agent folder, refusing symlinks that leave it."""
    base = safe_agent_path(folder)
    path = (base / name).resolve()
    if not path.is_relative_to(base):
        raise InvalidInput(f"{name} in this agent resolves outside its folder and cannot be used.")
    return path
