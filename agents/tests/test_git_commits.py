"""Agent create and prompt edits are committed to git when AGENTS_ROOT is a repository."""

from __future__ import annotations

import subprocess
import threading

import pytest

from agents import gitops
from agents.services import seed_examples, sync_agents

pytestmark = pytest.mark.django_db


def git(root, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def repo(agents_root):
    gitops.init_repo(agents_root)
    return agents_root


def test_it_commits_a_created_agent_as_orchestrator(staff_client, repo):
    staff_client.post("/api/agents/", {"folder": "devops", "prompt": "# DevOps\n"}, format="json")
    assert git(repo, "log", "-1", "--format=%an|%s") == "Orchestrator|Create agent devops"
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == "devops/CLAUDE.md"


def test_it_commits_a_prompt_edit_and_reports_the_new_revision(staff_client, repo):
    first = staff_client.post("/api/agents/", {"folder": "devops", "prompt": "# DevOps\n"}, format="json").json()
    edited = staff_client.patch("/api/agents/devops/", {"prompt": "# DevOps\n\nMore.\n"}, format="json").json()
    assert first["prompt_revision"] != edited["prompt_revision"]
    assert edited["prompt_revision"] == git(repo, "rev-parse", "HEAD")
    assert git(repo, "log", "-1", "--format=%s") == "Edit agent devops"


def test_it_marks_a_prompt_changed_by_hand_as_dirty(staff_client, repo):
    staff_client.post("/api/agents/", {"folder": "devops", "prompt": "# DevOps\n"}, format="json")
    (repo / "devops" / "CLAUDE.md").write_text("# DevOps\n\nEdited in vim.\n")
    assert staff_client.get("/api/agents/devops/").json()["prompt_revision"].endswith("+dirty")


def test_it_commits_only_the_agent_folder(staff_client, repo):
    (repo / "unrelated.txt").write_text("not ours")
    staff_client.post("/api/agents/", {"folder": "devops", "prompt": "# DevOps\n"}, format="json")
    assert git(repo, "status", "--porcelain") == "?? unrelated.txt"


def test_it_leaves_no_commit_when_auto_commit_is_off(staff_client, repo, settings):
    settings.AUTO_COMMIT = False
    staff_client.post("/api/agents/", {"folder": "devops", "prompt": "# DevOps\n"}, format="json")
    assert git(repo, "log", "--format=%s") == "Orchestrator: initial agents"


def test_it_commits_the_delete(staff_client, repo):
    staff_client.post("/api/agents/", {"folder": "devops", "prompt": "# DevOps\n"}, format="json")
    staff_client.delete("/api/agents/devops/", {"confirm": "devops"}, format="json")
    assert git(repo, "log", "-1", "--format=%s") == "Delete agent devops (moved to the trash)"
    assert git(repo, "status", "--porcelain") == ""


def test_two_commits_at_once_do_not_collide_on_the_index_lock(repo):
    for name in ("one", "two", "three", "four"):
        (repo / name).mkdir()
        (repo / name / "CLAUDE.md").write_text(f"# {name}\n")
    shas, errors = [], []

    def commit(name):
        try:
            shas.append(gitops.commit_folder(repo / name, f"Run of {name}"))
        except gitops.GitError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=commit, args=(name,)) for name in ("one", "two", "three", "four")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(shas)) == 4
    assert git(repo, "status", "--porcelain") == ""


def test_it_seeds_an_empty_root_with_examples_in_a_new_repository(agents_root, settings):
    settings.AGENTS_SEED_EXAMPLES = True
    report = sync_agents()
    assert report.seeded == ["devops-engineer", "qa-engineer", "tech-writer"]
    assert report.created == report.seeded
    assert "DevOps Engineer" in (agents_root / "devops-engineer" / "CLAUDE.md").read_text()
    assert git(agents_root, "log", "--format=%s") == "Orchestrator: initial agents"


def test_it_never_seeds_a_root_that_holds_anything(agents_root, settings):
    settings.AGENTS_SEED_EXAMPLES = True
    (agents_root / "mine").mkdir()
    assert seed_examples() == []
    assert sorted(p.name for p in agents_root.iterdir()) == ["mine"]
