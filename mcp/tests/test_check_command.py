"""manage.py check_mcp: probes every (or one agent's) server and prints a table."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from mcp.models import McpServer
from mcp.tests.conftest import fake_entry

pytestmark = pytest.mark.django_db


def test_it_probes_and_prints_a_table(make_agent, write_mcp_json):
    make_agent("devops")
    write_mcp_json("devops", {"mcpServers": {"fake": fake_entry("--tools", "a,b,c")}})
    out = StringIO()
    call_command("check_mcp", stdout=out, stderr=StringIO())
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["AGENT", "NAME", "SCOPE", "TRANSPORT", "STATUS", "MS", "TOOLS", "ERROR"]
    cells = lines[1].split()
    assert (cells[:5], cells[6]) == (["devops", "fake", "project", "stdio", "ok"], "3")
    assert McpServer.objects.get().status == "ok"


def test_it_fails_when_a_server_fails_and_limits_to_one_agent(make_agent, write_mcp_json, write_claude_json):
    make_agent("devops")
    make_agent("writer")
    write_mcp_json("devops", {"mcpServers": {"broken": fake_entry("--mode", "exit")}})
    write_mcp_json("writer", {"mcpServers": {"fine": fake_entry()}})
    write_claude_json({"mcpServers": {"fine": {"command": "shadowed-for-writer"}}})

    out = StringIO()
    call_command("check_mcp", "--agent", "writer", stdout=out, stderr=StringIO())
    assert [line.split()[1] for line in out.getvalue().splitlines()[1:]] == ["fine"]

    # devops loads its broken server and the user scope one, whose command does not exist.
    out = StringIO()
    with pytest.raises(CommandError, match="2 of 2 MCP servers failed the check"):
        call_command("check_mcp", "--agent", "devops", stdout=out, stderr=StringIO())
    rows = {line.split()[1]: line for line in out.getvalue().splitlines()[1:]}
    assert "initialize failed: the server exited with code 3" in rows["broken"]
    assert "start failed: command not found: shadowed-for-writer" in rows["fine"]


def test_an_unknown_agent_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No agent 'ghost'"):
        call_command("check_mcp", "--agent", "ghost", stdout=StringIO(), stderr=StringIO())
