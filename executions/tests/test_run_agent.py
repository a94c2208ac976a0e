"""`manage.py run_agent`: runs now with live progress, records the run, exit code tells success."""

from __future__ import annotations

import io
import json
import subprocess

import pytest
from django.core.management import CommandError, call_command

from conftest import PYTHON, REPO
from executions.models import Execution


def run_agent(env, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, str(REPO / "manage.py"), "run_agent", *args], cwd=REPO, env=env, input=stdin,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.django_db(transaction=True)
def test_it_runs_a_task_from_stdin_with_live_progress_and_exits_0(worker_env, make_agent):
    make_agent("devops")
    done = run_agent(worker_env, "devops", "-", stdin="Check the disk, -p --help $(id)\n")

    assert done.returncode == 0, done.stderr
    assert "I'll check the working directory first." in done.stdout
    assert "→ Bash" in done.stdout
    execution = Execution.objects.get()
    assert execution.task == "Check the disk, -p --help $(id)\n"
    assert execution.trigger == Execution.Trigger.CLI
    assert execution.status == Execution.Status.SUCCEEDED
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith(f"#{execution.pk} succeeded · $")
    assert "(API-equivalent)" in last and "in /" in last and "turns" in last


@pytest.mark.django_db(transaction=True)
def test_it_exits_non_zero_when_the_run_fails(worker_env, make_agent):
    make_agent("devops")
    done = run_agent(worker_env, "devops", "[[fake:no-result]]")

    assert done.returncode == 1
    assert "ended failed" in done.stderr
    assert "Traceback" not in done.stderr
    assert Execution.objects.get().status == Execution.Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_it_gives_one_line_errors_for_a_missing_agent_or_cli(worker_env, make_agent, tmp_path):
    done = run_agent(worker_env, "nobody", "hello")
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0
    assert "No agent 'nobody'" in done.stderr

    make_agent("devops")
    done = run_agent({**worker_env, "CLAUDE_BIN": str(tmp_path / "nope")}, "devops", "hello")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "was not found" in done.stderr


@pytest.mark.django_db
def test_it_prints_the_finished_execution_as_json(make_agent, fake_claude):
    make_agent("devops")
    out = io.StringIO()
    call_command("run_agent", "devops", "Check the disk", "--json", "--max-turns", "5", stdout=out)

    body = json.loads(out.getvalue())
    assert body["status"] == "succeeded"
    assert body["options"]["max_turns"] == 5
    assert body["result"] == "Done: the task is complete."


@pytest.mark.django_db
def test_it_only_queues_with_enqueue(make_agent, fake_claude, django_capture_on_commit_callbacks):
    make_agent("devops")
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_agent", "devops", "Later", "--enqueue", stdout=out)

    execution = Execution.objects.get()
    assert execution.status == Execution.Status.QUEUED
    assert execution.task_id
    assert out.getvalue().strip() == f"Queued execution #{execution.pk} for devops."


@pytest.mark.django_db
def test_it_refuses_an_empty_task(make_agent, fake_claude):
    make_agent("devops")
    with pytest.raises(CommandError, match="non-empty"):
        call_command("run_agent", "devops", "  ")
    assert Execution.objects.count() == 0
