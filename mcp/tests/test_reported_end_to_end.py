"""A real run of the (fake) Claude CLI reports its MCP servers in system/init; the list shows
that next to our own probe, so a user sees both views of the same server."""

from __future__ import annotations

import subprocess

import pytest

from conftest import FAKES, PYTHON, REPO
from mcp.models import McpServer
from mcp.services import discover_servers
from mcp.tests.conftest import fake_entry


@pytest.mark.django_db(transaction=True)
def test_the_last_runs_report_and_our_probe_agree(service_env, make_agent, write_mcp_json, staff_client):
    make_agent("devops")
    write_mcp_json("devops", {"mcpServers": {
        "local-tools": fake_entry("--tools", "echo"),
        "remote": {"type": "http", "url": "http://127.0.0.1:9/mcp"},
    }})
    discover_servers()
    env = {**service_env, "CLAUDE_BIN": str(FAKES / "claude")}
    done = subprocess.run([PYTHON, str(REPO / "manage.py"), "run_agent", "devops", "[[fake:mcp]] list your tools"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr

    for name in ("local-tools", "remote"):
        staff_client.post(f"/api/mcp-servers/{McpServer.objects.get(name=name).pk}/check/")
    rows = {row["name"]: row for row in staff_client.get("/api/mcp-servers/?agent=devops").json()}

    assert (rows["local-tools"]["reported_status"], rows["local-tools"]["status"]) == ("connected", "ok")
    assert rows["local-tools"]["tools"] == ["echo"]
    assert (rows["remote"]["reported_status"], rows["remote"]["status"]) == ("failed", "error")
    assert rows["remote"]["last_error"] == "initialize failed: POST http://127.0.0.1:9/mcp: connection refused"
