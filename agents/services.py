"""Agents on disk: every read and write of an agent folder goes through here.

Services take keyword-only arguments, return model instances, and raise the domain errors of
`orchestrator_site.errors`; the API, the admin and the commands all call them.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from agents import gitops
from agents.models import Agent
from agents.paths import PROMPT_FILE, agents_root, is_valid_folder, safe_agent_file, safe_agent_path
from agents.prompt import MAX_PROMPT_BYTES, description_of, title_of, with_title
from orchestrator_site.errors import ConfirmationRequired, Conflict, InvalidInput, NotFound

logger = logging.getLogger(__name__)

EXAMPLES_DIR = Path(settings.BASE_DIR) / "examples" / "agents"


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    seeded: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"created": self.created, "updated": self.updated, "missing": self.missing, "seeded": self.seeded}


def atomic_write(path: Path, text: str) -> None:
    """Replace `path` with `text` in one rename, so a reader never sees half a file."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(temp, path.stat().st_mode & 0o777)
        else:
            os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _check_prompt(prompt: str) -> None:
    if len(prompt.encode("utf-8")) > MAX_PROMPT_BYTES:
        raise InvalidInput(f"The prompt is larger than {MAX_PROMPT_BYTES // 1024} KiB.",
                           fields={"prompt": [f"At most {MAX_PROMPT_BYTES // 1024} KiB."]})
    if "\x00" in prompt:
        raise InvalidInput("The prompt contains a NUL character.", fields={"prompt": ["Contains a NUL character."]})


def agent_dir(agent: Agent) -> Path:
    return safe_agent_path(agent.folder)


def prompt_path(agent: Agent) -> Path:
    return safe_agent_file(agent.folder, PROMPT_FILE)


def read_prompt(agent: Agent) -> str | None:
    """The CLAUDE.md text, or None when the folder or file is gone."""
    try:
        return prompt_path(agent).read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, NotADirectoryError):
        return None


def prompt_revision(agent: Agent) -> str | None:
    """Git sha of the CLAUDE.md in force ("+dirty" when edited since), or None outside git."""
    try:
        return gitops.file_revision(prompt_path(agent))
    except gitops.GitError:
        logger.warning("Could not read the git revision of %s", agent.folder)
        return None


def get_agent(folder: str) -> Agent:
    """The visible agent for `folder`; raises NotFound."""
    if not is_valid_folder(folder):
        raise NotFound(f"No agent '{folder[:64]}'. Folder names use letters, digits and hyphens.")
    try:
        return Agent.objects.visible().get(folder=folder)
    except Agent.DoesNotExist:
        raise NotFound(f"No agent '{folder}'. Create it, or run sync if you made the folder by hand.") from None


def _commit(agent_path: Path, message: str) -> str | None:
    if not settings.AUTO_COMMIT:
        return None
    try:
        return gitops.commit_folder(agent_path, message)
    except gitops.GitError as exc:
        # The edit is on disk either way; a commit failure must not turn it into an error.
        logger.warning("Auto-commit of %s failed: %s", agent_path.name, exc)
        return None


def _apply_prompt_facts(agent: Agent, prompt: str) -> None:
    agent.name = title_of(prompt) or agent.folder
    agent.description = description_of(prompt)


def create_agent(*, folder: str, prompt: str, name: str | None = None) -> Agent:
    """Make `folder` with its CLAUDE.md and index it. Raises InvalidInput, Conflict."""
    path = safe_agent_path(folder)
    _check_prompt(prompt)
    if name:
        prompt = with_title(prompt, name)
    existing = Agent.objects.filter(folder=folder).first()
    if existing is not None and existing.deleted_at is None:
        raise Conflict(f"An agent '{folder}' already exists. Pick another folder name.", code="AGENT_EXISTS",
                       title="Agent exists")
    root = agents_root()
    if not root.is_dir():
        raise InvalidInput("AGENTS_ROOT does not exist. Create it or point AGENTS_ROOT at your agents.")
    try:
        path.mkdir()
    except FileExistsError:
        raise Conflict(f"A folder '{folder}' is already in AGENTS_ROOT. Run sync to index it.",
                       code="FOLDER_EXISTS", title="Folder exists") from None
    try:
        atomic_write(path / PROMPT_FILE, prompt)
        with transaction.atomic():
            agent = existing or Agent(folder=folder)
            _apply_prompt_facts(agent, prompt)
            agent.enabled = True
            agent.is_missing = False
            agent.deleted_at = None
            agent.trash_name = ""
            agent.synced_at = timezone.now()
            agent.save()
    except IntegrityError:
        shutil.rmtree(path, ignore_errors=True)
        raise Conflict(f"An agent '{folder}' was just created by someone else.", code="AGENT_EXISTS",
                       title="Agent exists") from None
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    _commit(path, f"Create agent {folder}")
    return agent


def prompt_digest(text: str | None) -> str | None:
    """sha256 of a CLAUDE.md text: what an editor sends back to say which version it changed."""
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


@contextmanager
def _prompt_lock(agent: Agent) -> Iterator[None]:
    """One prompt rewrite at a time per agent, across threads and processes (compare, then write)."""
    locks = Path(settings.ORCHESTRATOR_HOME) / "locks"
    locks.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(locks / f"agent-{agent.folder}.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def update_agent(*, agent: Agent, name: str | None = None, prompt: str | None = None,
                 enabled: bool | None = None, model: str | None = None, permission_mode: str | None = None,
                 allowed_tools: list[str] | None = None, disallowed_tools: list[str] | None = None,
                 base_prompt_sha256: str | None = None) -> Agent:
    """Edit an agent; a new name or prompt rewrites CLAUDE.md atomically and is committed.

    With `base_prompt_sha256` (the digest of the text the editor started from) a rewrite is refused
    with Conflict PROMPT_CHANGED when CLAUDE.md has changed since, so no one's edit is lost."""
    if prompt is not None:
        _check_prompt(prompt)
    rewrite = name is not None or prompt is not None
    with _prompt_lock(agent) if rewrite else nullcontext():
        if rewrite:
            current = read_prompt(agent)
            if current is None:
                raise Conflict(f"The folder of '{agent.folder}' is missing from AGENTS_ROOT; restore it or delete "
                               "the agent.", code="AGENT_MISSING", title="Agent folder missing")
            if base_prompt_sha256 is not None and base_prompt_sha256 != prompt_digest(current):
                raise Conflict("CLAUDE.md changed since you opened it (saved by someone else, or edited on disk). "
                               "Reload to see the new text, then make your change again.",
                               code="PROMPT_CHANGED", title="Prompt changed")
            text = prompt if prompt is not None else current
            if name:
                text = with_title(text, name)
            if text != current:
                atomic_write(prompt_path(agent), text)
            _apply_prompt_facts(agent, text)
        for attribute, value in (("enabled", enabled), ("model", model), ("permission_mode", permission_mode),
                                 ("allowed_tools", allowed_tools), ("disallowed_tools", disallowed_tools)):
            if value is not None:
                setattr(agent, attribute, value)
        agent.save()
    if rewrite:
        _commit(agent_dir(agent), f"Edit agent {agent.folder}")
    return agent


def delete_agent(*, agent: Agent, confirm: object) -> Agent:
    """Move the folder to $ORCHESTRATOR_HOME/trash/<folder>-<timestamp>/ and hide the agent.

    Raises ConfirmationRequired unless `confirm` is exactly the folder name. History stays.
    """
    if confirm != agent.folder:
        raise ConfirmationRequired(f'To delete this agent, send the body {{"confirm": "{agent.folder}"}}.')
    path = agent_dir(agent)
    trash = Path(settings.TRASH_DIR)
    trash.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
    trash_name = f"{agent.folder}-{stamp}"
    if path.exists():
        shutil.move(str(path), str(trash / trash_name))
        _commit(path, f"Delete agent {agent.folder} (moved to the trash)")
    agent.deleted_at = timezone.now()
    agent.trash_name = trash_name
    agent.enabled = False
    agent.save()
    return agent


def _agent_folders(root: Path) -> dict[str, Path]:
    """Folders directly under `root` that look like agents and stay inside it."""
    found: dict[str, Path] = {}
    for entry in sorted(root.iterdir()):
        if not is_valid_folder(entry.name) or not entry.is_dir():
            continue
        try:
            path = safe_agent_path(entry.name)
            prompt = safe_agent_file(entry.name, PROMPT_FILE)
        except InvalidInput:
            logger.warning("Skipping %s: it resolves outside AGENTS_ROOT", entry.name)
            continue
        if prompt.is_file():
            found[entry.name] = path
    return found


def seed_examples() -> list[str]:
    """Fill an empty (or absent) AGENTS_ROOT with examples/agents/, once; git-init it when asked."""
    root = Path(settings.AGENTS_ROOT)
    if not settings.AGENTS_SEED_EXAMPLES or not EXAMPLES_DIR.is_dir():
        return []
    if root.exists() and any(root.iterdir()):
        return []
    root.mkdir(parents=True, exist_ok=True)
    seeded = []
    for example in sorted(EXAMPLES_DIR.iterdir()):
        if example.is_dir() and is_valid_folder(example.name):
            shutil.copytree(example, root / example.name)
            seeded.append(example.name)
    if settings.AGENTS_GIT_INIT and gitops.repo_root(root) is None:
        try:
            gitops.init_repo(root)
        except gitops.GitError as exc:
            logger.warning("Could not make AGENTS_ROOT a git repository: %s", exc)
    return seeded


def sync_agents() -> SyncReport:
    """Index AGENTS_ROOT: new folders appear, vanished ones are marked missing (never deleted).

    Seeds the examples first when AGENTS_ROOT is empty, and runs AGENT_SYNC_HOOKS afterwards.
    """
    report = SyncReport(seeded=seed_examples())
    root = agents_root()
    folders = _agent_folders(root) if root.is_dir() else {}
    now = timezone.now()
    known = {agent.folder: agent for agent in Agent.objects.all()}
    for folder, path in folders.items():
        text = (path / PROMPT_FILE).read_text(encoding="utf-8", errors="replace")
        agent = known.get(folder)
        if agent is None:
            agent = Agent(folder=folder, synced_at=now)
            _apply_prompt_facts(agent, text)
            agent.save()
            report.created.append(folder)
            continue
        before = (agent.name, agent.description, agent.is_missing, agent.deleted_at)
        _apply_prompt_facts(agent, text)
        agent.is_missing = False
        if agent.deleted_at is not None:
            # Put back by hand after a delete: it is an agent again.
            agent.deleted_at = None
            agent.trash_name = ""
        agent.synced_at = now
        agent.save()
        if before != (agent.name, agent.description, agent.is_missing, agent.deleted_at):
            report.updated.append(folder)
    for folder, agent in known.items():
        if folder not in folders and not agent.is_missing and agent.deleted_at is None:
            agent.is_missing = True
            agent.synced_at = now
            agent.save(update_fields=["is_missing", "synced_at", "updated_at"])
            report.missing.append(folder)
    for hook in settings.AGENT_SYNC_HOOKS:
        try:
            import_string(hook)()
        except Exception:
            logger.exception("Agent sync hook %s failed", hook)
    return report
