"""After a run, the agent folder's changes are committed with an Execution-Id trailer."""

from __future__ import annotations

import subprocess

import pytest

from agents import gitops
from executions import services
from executions.models import Execution
from executions.tests.test_worker import final


def git(root, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def run_now(agent, task: str) -> Execution:
    execution = services.start_execution(agent=agent, task=task, enqueue=False)
    services.run_queued(execution_id=execution.pk)
    execution.refresh_from_db()
    return execution


@pytest.mark.django_db
def test_it_commits_the_agents_changes_with_the_execution_trailer(make_agent, agents_root, fake_claude):
    agent = make_agent("devops")
    make_agent("writer")
    gitops.init_repo(agents_root)
    (agents_root / "writer" / "draft.txt").write_text("not ours to commit\n")
    execution = run_now(agent, "Write the notes\nwith details [[fake:write-file name=notes.txt content=hi]]")

    assert execution.status == Execution.Status.SUCCEEDED
    assert len(execution.commit_sha) == 40
    assert git(agents_root, "rev-parse", "HEAD").strip() == execution.commit_sha
    message = git(agents_root, "log", "-1", "--format=%B")
    assert message.startswith("devops: Write the notes\n")
    assert git(agents_root, "log", "-1", "--format=%(trailers:key=Execution-Id,valueonly)").strip() == str(
        execution.pk)
    assert git(agents_root, "log", "-1", "--format=%an").strip() == "Orchestrator"
    assert git(agents_root, "show", "--name-only", "--format=", "HEAD").split() == ["devops/notes.txt"]
    assert "?? writer/draft.txt" in git(agents_root, "status", "--porcelain")
    assert execution.prompt_revision == git(agents_root, "log", "-1", "--format=%H", "--", "devops/CLAUDE.md").strip()


@pytest.mark.django_db
def test_it_makes_no_commit_when_nothing_changed(make_agent, agents_root, fake_claude):
    agent = make_agent("devops")
    gitops.init_repo(agents_root)
    execution = run_now(agent, "Just look around")

    assert execution.status == Execution.Status.SUCCEEDED
    assert execution.commit_sha == ""


@pytest.mark.django_db
def test_it_records_a_failed_commit_as_an_event_not_a_failed_run(make_agent, agents_root, fake_claude):
    agent = make_agent("devops")
    gitops.init_repo(agents_root)
    (agents_root / ".git" / "index.lock").write_text("")  # someone else's git is "running"
    execution = run_now(agent, "[[fake:write-file name=notes.txt]]")

    assert execution.status == Execution.Status.SUCCEEDED
    assert execution.commit_sha == ""
    notes = [event.payload["message"] for event in execution.events.filter(type="orchestrator")]
    assert any(note.startswith("Auto-commit failed: git add failed") for note in notes), notes


@pytest.mark.django_db
def test_it_commits_nothing_when_auto_commit_is_off(make_agent, agents_root, fake_claude, settings):
    settings.AUTO_COMMIT = False
    agent = make_agent("devops")
    gitops.init_repo(agents_root)
    execution = run_now(agent, "[[fake:write-file name=notes.txt]]")

    assert execution.commit_sha == ""
    assert "?? devops/notes.txt" in git(agents_root, "status", "--porcelain")


@pytest.mark.django_db(transaction=True)
def test_it_commits_two_runs_finishing_together_without_colliding(start_worker, make_agent, agents_root):
    start_worker()
    start_worker()
    agents = [make_agent(folder) for folder in ("one", "two", "three", "four")]
    gitops.init_repo(agents_root)
    runs = [services.start_execution(agent=agent, task=f"[[fake:write-file name=out-{agent.folder}.txt]]")
            for agent in agents]

    shas = {final(execution).commit_sha for execution in runs}
    assert all(execution.status == Execution.Status.SUCCEEDED for execution in runs)
    assert len(shas) == 4 and "" not in shas
    log = git(agents_root, "log", "--format=%(trailers:key=Execution-Id,valueonly)").split()
    assert sorted(log) == sorted(str(execution.pk) for execution in runs)
