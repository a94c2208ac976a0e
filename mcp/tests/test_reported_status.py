"""reported_status: what Claude Code said about a server in the system/init event of the
agent's most recent run, shown next to our own probe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from executions.models import Execution, ExecutionEvent
from mcp.services import discover_servers

pytestmark = pytest.mark.django_db


def run_with_init(agent, servers: list[dict], *, minutes_ago: int) -> Execution:
    created = timezone.now() - timedelta(minutes=minutes_ago)
    execution = Execution.objects.create(agent=agent, task="t", timeout=60, status="succeeded", created_at=created)
    ExecutionEvent.objects.create(execution=execution, seq=1, type="system/init", at=created,
                                  payload={"type": "system", "subtype": "init", "mcp_servers": servers})
    return execution


def listed(client, folder: str) -> dict[tuple[str, str], dict]:
    return {(row["name"], row["scope"]): row for row in client.get(f"/api/mcp-servers/?agent={folder}").json()}


def test_it_shows_the_status_from_the_latest_runs_init_event(reader_client, make_agent, write_mcp_json,
                                                             write_claude_json):
    devops = make_agent("devops")
    write_mcp_json("devops", {"mcpServers": {"github": {"command": "g"}, "docs": {"command": "d"}}})
    write_claude_json({"mcpServers": {"notes": {"command": "n"}, "github": {"command": "user-g"}}})
    discover_servers()
    run_with_init(devops, [{"name": "github", "status": "connected"}], minutes_ago=10)
    latest = run_with_init(devops, [{"name": "github", "status": "failed", "source": "project"},
                                    {"name": "notes", "status": "needs-auth", "source": "user"}], minutes_ago=1)
    # A newer run still queued has no init event yet: the last report stands.
    Execution.objects.create(agent=devops, task="t", timeout=60)

    rows = listed(reader_client, "devops")

    assert rows[("github", "project")]["reported_status"] == "failed"
    assert rows[("github", "project")]["reported_at"] is not None
    assert rows[("notes", "user")]["reported_status"] == "needs-auth"
    # Not loaded by Claude Code (the project entry wins) or not mentioned: nothing reported.
    assert rows[("github", "user")]["reported_status"] is None
    assert rows[("docs", "project")]["reported_status"] is None
    assert latest.events.count() == 1


def test_it_reports_nothing_before_any_run(reader_client, make_agent, write_mcp_json):
    make_agent("devops")
    write_mcp_json("devops", {"mcpServers": {"github": {"command": "g"}}})
    discover_servers()
    row = listed(reader_client, "devops")[("github", "project")]
    assert (row["reported_status"], row["reported_at"]) == (None, None)
