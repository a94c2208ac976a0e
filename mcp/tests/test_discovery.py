"""Discovery finds what Claude Code loads, per agent, from the three scopes, with its precedence."""

from __future__ import annotations

import pytest

from agents.services import sync_agents
from mcp.models import McpServer
from mcp.services import config_problems, discover_servers

pytestmark = pytest.mark.django_db


def rows():
    return {(server.agent.folder if server.agent else None, server.scope, server.name): server
            for server in McpServer.objects.select_related("agent")}


def test_it_finds_project_local_and_user_entries_with_local_winning(make_agent, agents_root, write_mcp_json,
                                                                      write_claude_json):
    make_agent("devops")
    make_agent("writer")
    write_mcp_json("devops", {"mcpServers": {
        "shared": {"command": "npx", "args": ["-y", "a"]},
        "docs": {"type": "http", "url": "https://docs.example/mcp", "headers": {"Authorization": "Bearer t0ken"}},
        "clash": {"command": "project-clash"},
    }})
    write_claude_json({
        "mcpServers": {"shared": {"type": "sse", "url": "http://127.0.0.1:9/sse"}, "global": {"command": "g"}},
        "projects": {str(agents_root / "devops"): {"mcpServers": {"clash": {"command": "local-clash",
                                                                            "env": {"KEY": "v"}}}}},
    })

    report = discover_servers()

    found = rows()
    assert set(found) == {
        ("devops", "project", "shared"), ("devops", "project", "docs"), ("devops", "project", "clash"),
        ("devops", "local", "clash"), (None, "user", "shared"), (None, "user", "global"),
    }
    assert report.created == 6 and report.problems == []
    assert found[("devops", "local", "clash")].effective is True
    assert found[("devops", "project", "clash")].effective is False
    assert found[("devops", "project", "shared")].effective is True
    # The user entry "shared" is overridden in devops only, so writer still uses it.
    assert found[(None, "user", "shared")].overridden_in == ["devops"]
    assert found[(None, "user", "shared")].effective is True
    docs = found[("devops", "project", "docs")]
    assert (docs.transport, docs.url, docs.header_names, docs.source) == (
        "http", "https://docs.example/mcp", ["Authorization"], "devops/.mcp.json")
    assert found[("devops", "local", "clash")].env_names == ["KEY"]
    assert found[("devops", "local", "clash")].source == "$CLAUDE_CONFIG_DIR/.claude.json"


def test_it_never_stores_env_or_header_values(make_agent, write_mcp_json):
    make_agent("devops")
    write_mcp_json("devops", {"mcpServers": {
        "a": {"command": "x", "env": {"API_KEY": "sk-very-secret-1"}},
        "b": {"type": "http", "url": "https://h.example/mcp", "headers": {"X-Token": "very-secret-2"}},
    }})
    discover_servers()
    stored = repr(list(McpServer.objects.values()))
    assert "API_KEY" in stored and "X-Token" in stored
    assert "very-secret" not in stored


def test_it_reports_a_malformed_mcp_json_and_leaves_it_alone(make_agent, write_mcp_json, write_claude_json):
    make_agent("devops")
    make_agent("writer")
    broken = '{"mcpServers": {"a": {"command": "x"},}\n'
    path = write_mcp_json("devops", broken)
    write_mcp_json("writer", {"mcpServers": {"ok": {"command": "y"}}})
    write_claude_json({"mcpServers": {"u": {"command": "z"}}})

    report = discover_servers()

    assert path.read_text() == broken
    assert set(rows()) == {("writer", "project", "ok"), (None, "user", "u")}
    [problem] = report.problems
    assert problem.agent == "devops" and problem.source == "devops/.mcp.json"
    assert "is not valid JSON (line 1" in problem.message
    assert [p.as_dict() for p in config_problems()] == [problem.as_dict()]


def test_it_reports_a_malformed_claude_json_without_crashing(make_agent, claude_home, write_mcp_json):
    make_agent("devops")
    write_mcp_json("devops", {"mcpServers": {"ok": {"command": "y"}}})
    (claude_home / ".claude.json").write_text("{not json", encoding="utf-8")

    report = discover_servers()

    assert (claude_home / ".claude.json").read_text() == "{not json"
    assert set(rows()) == {("devops", "project", "ok")}
    assert [(p.agent, p.source) for p in report.problems] == [(None, "$CLAUDE_CONFIG_DIR/.claude.json")]
    assert "never rewrites it" in report.problems[0].message


def test_it_reports_each_invalid_entry_and_keeps_the_valid_ones(make_agent, write_mcp_json):
    make_agent("devops")
    write_mcp_json("devops", {"mcpServers": {
        "good": {"command": "x"},
        "no-command": {"args": ["a"]},
        "bad-args": {"command": "x", "args": "a b"},
        "no-type": {"url": "http://127.0.0.1/mcp"},
        "ws": {"type": "ws", "url": "ws://x"},
    }})
    report = discover_servers()
    assert set(rows()) == {("devops", "project", "good")}
    messages = sorted(problem.message for problem in report.problems)
    assert messages == [
        """server 'bad-args' "args" must be a list of strings.""",
        """server 'no-command' a stdio server needs a "command".""",
        """server 'no-type' has a url but no "type": set "type": "http" (or "sse").""",
        """server 'ws' "type" 'ws' is not one of stdio, http, sse.""",
    ]


def test_it_removes_vanished_entries_and_resets_a_changed_one(make_agent, write_mcp_json):
    make_agent("devops")
    write_mcp_json("devops", {"mcpServers": {"a": {"command": "x"}, "b": {"command": "y"}}})
    discover_servers()
    McpServer.objects.filter(name="a").update(status="ok", tools=["t"], latency_ms=5)
    McpServer.objects.filter(name="b").update(status="ok", tools=["t"])

    write_mcp_json("devops", {"mcpServers": {"a": {"command": "x", "args": ["--new"]}}})
    report = discover_servers()

    [a] = McpServer.objects.all()
    assert (report.updated, report.removed) == (1, 1)
    assert (a.name, a.args, a.status, a.tools, a.latency_ms) == ("a", ["--new"], "unknown", [], None)


def test_it_keeps_a_probe_result_when_nothing_changed(make_agent, write_mcp_json):
    make_agent("devops")
    write_mcp_json("devops", {"mcpServers": {"a": {"command": "x"}}})
    discover_servers()
    McpServer.objects.update(status="ok", tools=["t"])
    assert discover_servers().updated == 0
    assert McpServer.objects.get().status == "ok"


def test_agent_sync_runs_discovery(agents_root, write_mcp_json):
    (agents_root / "devops").mkdir()
    (agents_root / "devops" / "CLAUDE.md").write_text("# DevOps\n", encoding="utf-8")
    write_mcp_json("devops", {"mcpServers": {"a": {"command": "x"}}})
    sync_agents()
    assert set(rows()) == {("devops", "project", "a")}


def test_a_deleted_agent_takes_its_project_servers_with_it(make_agent, write_mcp_json, write_claude_json):
    agent = make_agent("devops")
    write_mcp_json("devops", {"mcpServers": {"a": {"command": "x"}}})
    write_claude_json({"mcpServers": {"a": {"command": "u"}}})
    discover_servers()
    assert rows()[(None, "user", "a")].effective is False

    agent.is_missing = True
    agent.save()
    discover_servers()
    assert set(rows()) == {(None, "user", "a")}
