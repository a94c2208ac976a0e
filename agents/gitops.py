"""Git for agent folders: commit one folder's changes, one operation at a time per repository.

Never pushes. Hooks are disabled for our commits: an agent that can write files must not be
able to plant code that the service then runs.
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

AUTHOR_NAME = "Orchestrator"
AUTHOR_EMAIL = "orchestrator@localhost"
_TIMEOUT = 60


class GitError(Exception):
    pass


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/"),
        "LANG": "C",
        "GIT_AUTHOR_NAME": AUTHOR_NAME,
        "GIT_AUTHOR_EMAIL": AUTHOR_EMAIL,
        "GIT_COMMITTER_NAME": AUTHOR_NAME,
        "GIT_COMMITTER_EMAIL": AUTHOR_EMAIL,
        "GIT_TERMINAL_PROMPT": "0",
    }
    argv = ["git", "-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", *args]
    try:
        done = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git {args[0]} could not run: {exc}") from None
    if check and done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise GitError(f"git {args[0]} failed: {last}")
    return done


def repo_root(path: Path) -> Path | None:
    """The top of the work tree holding `path`, or None when it is not in one."""
    if not path.is_dir():
        return None
    done = _git(path, "rev-parse", "--show-toplevel", check=False)
    if done.returncode != 0:
        return None
    return Path(done.stdout.strip())


@contextmanager
def repo_lock(root: Path) -> Iterator[None]:
    """Exclusive per repository, across threads and processes (two runs finishing together
    must not collide on index.lock)."""
    git_dir = Path(_git(root, "rev-parse", "--absolute-git-dir").stdout.strip())
    with open(git_dir / "orchestrator.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def init_repo(root: Path) -> None:
    """Make `root` a repository with one commit of what it holds."""
    _git(root, "init", "--quiet")
    _git(root, "add", "-A")
    _git(root, "commit", "--quiet", "--allow-empty", "-m", "Orchestrator: initial agents")


def commit_folder(folder: Path, message: str) -> str | None:
    """Commit every change under `folder` (and nothing else). Returns the sha, or None when
    `folder` is not in a repository or nothing changed. Raises GitError when git fails."""
    root = repo_root(folder) if folder.exists() else repo_root(folder.parent)
    if root is None:
        return None
    relative = os.path.relpath(folder, root)
    with repo_lock(root):
        _git(root, "add", "-A", "--", relative)
        if _git(root, "diff", "--cached", "--quiet", "--", relative, check=False).returncode == 0:
            return None
        _git(root, "commit", "--quiet", "-m", message, "--", relative)
        return _git(root, "rev-parse", "HEAD").stdout.strip()


def file_revision(path: Path) -> str | None:
    """The sha of the last commit touching `path`, with "+dirty" when it has changed since."""
    root = repo_root(path.parent)
    if root is None:
        return None
    done = _git(root, "log", "-1", "--format=%H", "--", str(path), check=False)
    sha = done.stdout.strip()
    if not sha:
        return None
    dirty = _git(root, "diff", "--quiet", "HEAD", "--", str(path), check=False).returncode != 0
    return f"{sha}+dirty" if dirty else sha
