"""The executions API: run, list, detail, events, cancel, export, usage, and the agent list extension."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone

from executions.models import Execution, ExecutionEvent
from tests.assertions import assert_error

pytestmark = pytest.mark.django_db


def make_execution(agent, *, status=Execution.Status.SUCCEEDED, task="Check the disk", **fields) -> Execution:
    return Execution.objects.create(agent=agent, task=task, status=status, timeout=600, **fields)


# -- POST /api/agents/{folder}/run/ ---------------------------------------------------------


def test_it_queues_a_run_and_answers_202_with_the_detail(staff_client, make_agent, fake_claude,
                                                         django_capture_on_commit_callbacks):
    make_agent("devops")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/api/agents/devops/run/", {"task": "Check the disk", "max_turns": 3,
                                                                 "timeout": 30}, format="json")

    assert response.status_code == 202, response.content
    body = response.json()
    execution = Execution.objects.get()
    assert body["id"] == execution.pk
    assert body["status"] == "queued"
    assert body["agent"] == "devops"
    assert body["trigger"] == "api"
    assert body["task"] == "Check the disk"
    assert body["options"] == {"model": "", "max_turns": 3, "timeout": 30}
    assert body["argv"] == [str(fake_claude), "--print", "--output-format", "stream-json", "--verbose",
                            "--max-turns", "3"]
    assert execution.triggered_by == "sam-staff"
    # Enqueued for the workers once the transaction committed.
    assert execution.task_id


@pytest.mark.parametrize(("body", "field"), [
    ({"task": ""}, "task"),
    ({"task": "   "}, "task"),
    ({"task": "x" * 100_001}, "task"),
    ({"task": "ok", "max_turns": 0}, "max_turns"),
    ({"task": "ok", "max_turns": 201}, "max_turns"),
    ({"task": "ok", "timeout": 0}, "timeout"),
    ({"task": "ok", "timeout": 601}, "timeout"),
    ({"task": "ok", "model": "--dangerously-skip-permissions"}, "model"),
    ({"task": "ok", "resume_session_id": "--fork-session"}, "resume_session_id"),
    ({"task": "ok", "shell": "rm -rf /"}, "shell"),
    ({}, "task"),
])
def test_it_refuses_bad_run_requests_and_queues_nothing(staff_client, make_agent, settings, body, field):
    settings.EXECUTION_TIMEOUT = 600
    make_agent("devops")
    response = staff_client.post("/api/agents/devops/run/", body, format="json")

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in error["fields"]
    assert Execution.objects.count() == 0


def test_it_refuses_to_run_a_disabled_agent(staff_client, make_agent):
    make_agent("devops", enabled=False)
    assert_error(staff_client.post("/api/agents/devops/run/", {"task": "ok"}, format="json"), 400, "AGENT_DISABLED")
    assert Execution.objects.count() == 0


def test_it_refuses_to_run_an_agent_whose_folder_is_gone(staff_client, make_agent, agents_root):
    make_agent("devops")
    (agents_root / "devops" / "CLAUDE.md").unlink()
    (agents_root / "devops").rmdir()
    assert_error(staff_client.post("/api/agents/devops/run/", {"task": "ok"}, format="json"), 400, "AGENT_MISSING")
    assert Execution.objects.count() == 0


def test_it_answers_404_for_an_unknown_agent(staff_client):
    assert_error(staff_client.post("/api/agents/nobody/run/", {"task": "ok"}, format="json"), 404, "NOT_FOUND")


def test_it_answers_429_queue_full_past_the_limit(staff_client, make_agent, settings):
    settings.MAX_QUEUED_EXECUTIONS = 2
    agent = make_agent("devops")
    make_execution(agent, status=Execution.Status.RUNNING)
    make_execution(agent, status=Execution.Status.QUEUED)
    make_execution(agent, status=Execution.Status.SUCCEEDED)

    response = staff_client.post("/api/agents/devops/run/", {"task": "ok"}, format="json")
    assert_error(response, 429, "QUEUE_FULL")
    assert Execution.objects.count() == 3


def test_it_lets_only_staff_run_agents(reader_client, anon_client, make_agent):
    make_agent("devops")
    assert reader_client.post("/api/agents/devops/run/", {"task": "ok"}, format="json").status_code == 403
    assert anon_client.post("/api/agents/devops/run/", {"task": "ok"}, format="json").status_code == 401
    assert Execution.objects.count() == 0


# -- list, detail, filters ------------------------------------------------------------------


def test_it_lists_rows_newest_first_without_big_text(reader_client, make_agent):
    agent = make_agent("devops")
    older = make_execution(agent, task="a" * 500, result="r" * 1000, total_cost_usd=0.5, input_tokens=10)
    newer = make_execution(agent, status=Execution.Status.FAILED)

    body = reader_client.get("/api/executions/").json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [newer.pk, older.pk]
    row = body["results"][1]
    assert set(row) == {"id", "agent", "agent_name", "status", "trigger", "task_preview", "model", "created_at",
                        "started_at", "finished_at", "duration_ms", "total_cost_usd", "input_tokens", "output_tokens",
                        "cache_read_tokens", "cache_creation_tokens", "num_turns", "is_error", "exit_code",
                        "truncated", "commit_sha"}
    assert row["task_preview"] == "a" * 200
    assert row["agent"] == "devops"
    assert row["agent_name"] == "Devops"
    assert row["total_cost_usd"] == 0.5


def test_it_filters_by_agent_status_dates_and_text(reader_client, make_agent):
    devops, writer = make_agent("devops"), make_agent("writer")
    old = make_execution(devops, task="rotate logs", created_at=timezone.now() - datetime.timedelta(days=10))
    failed = make_execution(devops, status=Execution.Status.FAILED, result="disk full on /var")
    other = make_execution(writer, status=Execution.Status.CANCELLED, task="write the release notes")

    def ids(query: str) -> list[int]:
        response = reader_client.get(f"/api/executions/?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("agent=devops") == [failed.pk, old.pk]
    assert ids("status=failed,cancelled") == [other.pk, failed.pk]
    since = (timezone.now() - datetime.timedelta(days=1)).date().isoformat()
    assert ids(f"since={since}") == [other.pk, failed.pk]
    assert ids(f"until={(timezone.now() - datetime.timedelta(days=5)).date().isoformat()}") == [old.pk]
    assert ids("q=DISK FULL") == [failed.pk]
    assert ids("q=release") == [other.pk]
    assert ids("page_size=1&page=2") == [failed.pk]


@pytest.mark.parametrize("query", ["status=bogus", "since=yesterday", "until=2026-13-45"])
def test_it_refuses_bad_filters(reader_client, query):
    assert_error(reader_client.get(f"/api/executions/?{query}"), 400, "VALIDATION_ERROR")


def test_it_keeps_the_list_query_count_flat(reader_client, make_agent, django_assert_max_num_queries):
    for folder in ("a1", "a2", "a3"):
        agent = make_agent(folder)
        for _ in range(5):
            make_execution(agent)
    with django_assert_max_num_queries(6):
        response = reader_client.get("/api/executions/")
    assert response.json()["count"] == 15


def test_it_shows_the_detail_of_one_execution(reader_client, make_agent):
    execution = make_execution(make_agent("devops"), result="All good", errors=["e1"], argv=["claude", "--print"],
                               session_id="s-1", max_turns=4)
    body = reader_client.get(f"/api/executions/{execution.pk}/").json()

    assert body["result"] == "All good"
    assert body["errors"] == ["e1"]
    assert body["argv"] == ["claude", "--print"]
    assert body["options"] == {"model": "", "max_turns": 4, "timeout": 600}
    assert body["session_id"] == "s-1"
    for name in ("task", "subtype", "error_message", "permission_denials", "worker_host", "pid", "heartbeat_at",
                 "prompt_revision", "resume_session_id", "last_seq"):
        assert name in body


def test_it_answers_404_for_an_unknown_execution(reader_client):
    assert_error(reader_client.get("/api/executions/999/"), 404, "NOT_FOUND")
    assert_error(reader_client.get("/api/executions/abc/"), 404, "NOT_FOUND")


def test_it_needs_sign_in_to_read_executions(anon_client, make_agent):
    execution = make_execution(make_agent("devops"))
    for path in ("/api/executions/", f"/api/executions/{execution.pk}/", f"/api/executions/{execution.pk}/events/",
                 "/api/executions/export/", "/api/stats/usage/", f"/api/executions/{execution.pk}/stream/"):
        assert anon_client.get(path).status_code == 401, path


# -- events ---------------------------------------------------------------------------------


def test_it_pages_events_after_a_sequence_number(reader_client, make_agent):
    execution = make_execution(make_agent("devops"), last_seq=5)
    for seq in range(1, 6):
        ExecutionEvent.objects.create(execution=execution, seq=seq, type="assistant", payload={"n": seq})

    body = reader_client.get(f"/api/executions/{execution.pk}/events/?after=2&limit=2").json()
    assert [event["seq"] for event in body["results"]] == [3, 4]
    assert body["results"][0]["payload"] == {"n": 3}
    assert body["results"][0]["type"] == "assistant"
    assert body["last_seq"] == 5
    assert body["status"] == "succeeded"
    assert body["finished"] is True


@pytest.mark.parametrize("query", ["after=-1", "after=x", "limit=0", "limit=5000"])
def test_it_refuses_bad_event_pages(reader_client, make_agent, query):
    execution = make_execution(make_agent("devops"))
    assert_error(reader_client.get(f"/api/executions/{execution.pk}/events/?{query}"), 400, "VALIDATION_ERROR")


# -- cancel ---------------------------------------------------------------------------------


def test_it_cancels_a_queued_run_at_once(staff_client, make_agent):
    execution = make_execution(make_agent("devops"), status=Execution.Status.QUEUED)
    response = staff_client.post(f"/api/executions/{execution.pk}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    execution.refresh_from_db()
    assert execution.status == Execution.Status.CANCELLED
    assert execution.finished_at is not None


def test_it_asks_a_running_run_to_stop(staff_client, make_agent):
    execution = make_execution(make_agent("devops"), status=Execution.Status.RUNNING)
    response = staff_client.post(f"/api/executions/{execution.pk}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "running"
    assert response.json()["cancel_requested_at"] is not None


def test_it_refuses_to_cancel_a_finished_run(staff_client, make_agent):
    execution = make_execution(make_agent("devops"))
    assert_error(staff_client.post(f"/api/executions/{execution.pk}/cancel/"), 409, "NOT_CANCELLABLE")


def test_it_lets_only_staff_cancel(reader_client, anon_client, make_agent):
    execution = make_execution(make_agent("devops"), status=Execution.Status.QUEUED)
    assert reader_client.post(f"/api/executions/{execution.pk}/cancel/").status_code == 403
    assert anon_client.post(f"/api/executions/{execution.pk}/cancel/").status_code == 401
    execution.refresh_from_db()
    assert execution.status == Execution.Status.QUEUED


# -- export ---------------------------------------------------------------------------------


def test_it_exports_the_filtered_set_as_csv(reader_client, make_agent):
    agent = make_agent("devops")
    make_execution(agent, task="first, with a comma", total_cost_usd=0.25)
    make_execution(agent, status=Execution.Status.FAILED)
    response = reader_client.get("/api/executions/export/?status=succeeded")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    assert rows[0]["task_preview"] == "first, with a comma"
    assert rows[0]["total_cost_usd"] == "0.25"
    assert rows[0]["agent"] == "devops"


def test_it_refuses_a_bad_export_filter(reader_client):
    assert_error(reader_client.get("/api/executions/export/?status=nope"), 400, "VALIDATION_ERROR")


def test_it_answers_404_when_cancelling_an_unknown_execution(staff_client):
    assert_error(staff_client.post("/api/executions/12345/cancel/"), 404, "NOT_FOUND")


# -- usage ----------------------------------------------------------------------------------


def test_it_sums_usage_per_day_and_agent(reader_client, make_agent):
    devops, writer = make_agent("devops"), make_agent("writer")
    make_execution(devops, total_cost_usd=0.5, input_tokens=100, output_tokens=10)
    make_execution(devops, status=Execution.Status.FAILED, total_cost_usd=0.25, input_tokens=50, output_tokens=5)
    make_execution(writer, total_cost_usd=1.0, input_tokens=1, output_tokens=1, cache_read_tokens=7)
    make_execution(writer, created_at=timezone.now() - datetime.timedelta(days=30))

    body = reader_client.get("/api/stats/usage/?days=7").json()
    today = timezone.now().date().isoformat()
    assert body["days"] == 7
    assert body["since"] == (timezone.now().date() - datetime.timedelta(days=6)).isoformat()
    assert body["rows"] == [
        {"date": today, "agent": "devops", "runs": 2, "by_status": {"failed": 1, "succeeded": 1}, "cost_usd": 0.75,
         "input_tokens": 150, "output_tokens": 15, "cache_read_tokens": 0, "cache_creation_tokens": 0},
        {"date": today, "agent": "writer", "runs": 1, "by_status": {"succeeded": 1}, "cost_usd": 1.0,
         "input_tokens": 1, "output_tokens": 1, "cache_read_tokens": 7, "cache_creation_tokens": 0},
    ]
    assert body["totals"] == {"runs": 3, "cost_usd": 1.75, "input_tokens": 151, "output_tokens": 16}


@pytest.mark.parametrize("days", ["0", "366", "week"])
def test_it_refuses_bad_usage_ranges(reader_client, days):
    assert_error(reader_client.get(f"/api/stats/usage/?days={days}"), 400, "VALIDATION_ERROR")


# -- the agent list extension ---------------------------------------------------------------


def test_it_shows_each_agents_last_run_counts_and_week(reader_client, make_agent, django_assert_max_num_queries):
    devops = make_agent("devops")
    make_agent("idle")
    make_execution(devops, total_cost_usd=0.5)
    make_execution(devops, status=Execution.Status.FAILED, total_cost_usd=0.25)
    make_execution(devops, status=Execution.Status.RUNNING)
    last = make_execution(devops, status=Execution.Status.QUEUED)
    for index in range(5):
        make_agent(f"more-{index}")

    with django_assert_max_num_queries(8):
        response = reader_client.get("/api/agents/")
    rows = {row["folder"]: row for row in response.json()}
    assert rows["devops"]["last_execution"]["id"] == last.pk
    assert rows["devops"]["last_execution"]["status"] == "queued"
    assert rows["devops"]["running"] == 1
    assert rows["devops"]["queued"] == 1
    assert rows["devops"]["stats_7d"] == {"runs": 4, "succeeded": 1, "success_rate": 0.5, "cost_usd": 0.75}
    assert rows["idle"]["last_execution"] is None
    assert rows["idle"]["stats_7d"] == {"runs": 0, "succeeded": 0, "success_rate": None, "cost_usd": 0.0}

    detail = reader_client.get("/api/agents/devops/").json()
    assert detail["running"] == 1
    assert detail["prompt"].startswith("# Devops")
