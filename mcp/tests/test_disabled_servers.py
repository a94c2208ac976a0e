"""A .mcp.json server that Claude Code's settings switch off (disabledMcpjsonServers) is not one
the agent loads: discovery says which file refuses it, and a namesake of another scope takes over."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from mcp.models import McpServer
from mcp.services import config_problems, discover_servers

pytestmark = pytest.mark.django_db

SEARCH = {"mcpServers": {"search": {"command": "project-search"}, "notes": {"command": "project-notes"}}}


def rows():
    return {(server.agent.folder if server.agent else None, server.scope, server.name): server
            for server in McpServer.objects.select_related("agent")}


def write_json(path: Path, data: dict | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def devops(make_agent, write_mcp_json):
    agent = make_agent("devops")
    write_mcp_json("devops", SEARCH)
    return agent


@pytest.fixture
def refuse(agents_root, claude_home, write_claude_json) -> Callable[[str, dict], None]:
    """Write `settings` into one of the four places Claude Code keeps project-server answers."""

    def write(place: str, settings: dict) -> None:
        if place == "agent settings":
            write_json(agents_root / "devops" / ".claude" / "settings.json", settings)
        elif place == "agent local settings":
            write_json(agents_root / "devops" / ".claude" / "settings.local.json", settings)
        elif place == "user settings":
            write_json(claude_home / "settings.json", settings)
        else:
            write_claude_json({"projects": {str(agents_root / "devops"): {"mcpServers": {}, **settings}}})

    return write


@pytest.mark.parametrize(("place", "display"), [
    ("agent settings", "devops/.claude/settings.json"),
    ("agent local settings", "devops/.claude/settings.local.json"),
    ("user settings", "$CLAUDE_CONFIG_DIR/settings.json"),
    ("claude.json project entry", "$CLAUDE_CONFIG_DIR/.claude.json"),
])
def test_it_marks_a_refused_project_server_as_not_loaded(devops, refuse, place, display):
    refuse(place, {"disabledMcpjsonServers": ["search"]})

    report = discover_servers()

    found = rows()
    assert report.problems == []
    assert (found[("devops", "project", "search")].effective, found[("devops", "project", "search")].disabled_by) == (
        False, display)
    assert (found[("devops", "project", "notes")].effective, found[("devops", "project", "notes")].disabled_by) == (
        True, "")


def test_a_pending_server_stays_effective_because_print_mode_starts_it_anyway(devops, refuse, agents_root):
    # Nobody answered for "search": not approved, not refused. -p still starts it.
    refuse("claude.json project entry", {"enabledMcpjsonServers": ["notes"], "disabledMcpjsonServers": [],
                                         "enableAllProjectMcpServers": False})
    write_json(agents_root / "devops" / ".claude" / "settings.json", {"permissions": {"allow": ["Read"]}})

    discover_servers()

    found = rows()
    assert [(found[key].effective, found[key].disabled_by) for key in
            [("devops", "project", "search"), ("devops", "project", "notes")]] == [(True, ""), (True, "")]


def test_a_refusal_wins_over_an_approval_elsewhere(devops, refuse, claude_home):
    write_json(claude_home / "settings.json", {"enableAllProjectMcpServers": True, "enabledMcpjsonServers": ["search"]})
    refuse("agent local settings", {"disabledMcpjsonServers": ["search"]})

    discover_servers()

    assert rows()[("devops", "project", "search")].disabled_by == "devops/.claude/settings.local.json"


def test_the_most_specific_refusing_file_is_named(devops, refuse, claude_home):
    refuse("agent settings", {"disabledMcpjsonServers": ["search"]})
    write_json(claude_home / "settings.json", {"disabledMcpjsonServers": ["search", "notes"]})

    discover_servers()

    found = rows()
    assert found[("devops", "project", "search")].disabled_by == "devops/.claude/settings.json"
    assert found[("devops", "project", "notes")].disabled_by == "$CLAUDE_CONFIG_DIR/settings.json"


def test_a_user_scope_namesake_is_in_force_when_the_project_one_is_refused(devops, make_agent, agents_root,
                                                                        write_mcp_json, write_claude_json):
    make_agent("writer")
    write_mcp_json("writer", {"mcpServers": {"search": {"command": "writer-search"}}})
    write_claude_json({"mcpServers": {"search": {"command": "user-search"}},
                       "projects": {str(agents_root / "devops"): {"disabledMcpjsonServers": ["search"]}}})

    discover_servers()

    found = rows()
    assert found[("devops", "project", "search")].effective is False
    # writer's own project entry still shadows the user one; devops falls back to it.
    assert found[(None, "user", "search")].overridden_in == ["writer"]
    assert found[(None, "user", "search")].effective is True


def test_a_local_namesake_wins_and_the_project_one_still_says_it_is_refused(devops, agents_root, write_claude_json):
    write_claude_json({"mcpServers": {"search": {"command": "user-search"}},
                       "projects": {str(agents_root / "devops"): {
                           "mcpServers": {"search": {"command": "local-search"}},
                           "disabledMcpjsonServers": ["search"]}}})

    discover_servers()

    found = rows()
    assert found[("devops", "local", "search")].effective is True
    assert (found[("devops", "project", "search")].effective, found[("devops", "project", "search")].disabled_by) == (
        False, "$CLAUDE_CONFIG_DIR/.claude.json")
    assert found[(None, "user", "search")].overridden_in == ["devops"]


def test_it_reads_the_user_settings_from_dot_claude_when_no_config_dir_is_set(devops, tmp_path, monkeypatch,
                                                                              settings):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    settings.CLAUDE_CONFIG_DIR = home
    write_json(home / ".claude" / "settings.json", {"disabledMcpjsonServers": ["search"]})
    # Claude Code reads no settings.json from ~ itself.
    write_json(home / "settings.json", {"disabledMcpjsonServers": ["notes"]})

    discover_servers()

    found = rows()
    assert found[("devops", "project", "search")].disabled_by == "~/.claude/settings.json"
    assert found[("devops", "project", "notes")].effective is True


def test_lifting_a_refusal_brings_the_server_back_and_keeps_its_probe_result(devops, refuse, agents_root):
    refuse("agent settings", {"disabledMcpjsonServers": ["search"]})
    discover_servers()
    McpServer.objects.filter(name="search").update(status="ok", tools=["find"])

    refuse("agent settings", {"disabledMcpjsonServers": []})
    report = discover_servers()

    search = rows()[("devops", "project", "search")]
    assert report.updated == 1
    assert (search.effective, search.disabled_by, search.status, search.tools) == (True, "", "ok", ["find"])


def test_a_malformed_settings_file_is_a_problem_and_left_alone(devops, agents_root, claude_home):
    broken = '{"disabledMcpjsonServers": ["search"],}\n'
    agent_file = write_json(agents_root / "devops" / ".claude" / "settings.json", broken)
    user_file = write_json(claude_home / "settings.json", "[1, 2]")

    report = discover_servers()

    assert agent_file.read_text() == broken and user_file.read_text() == "[1, 2]"
    found = rows()
    assert found[("devops", "project", "search")].effective is True
    assert sorted((p.agent, p.source) for p in report.problems if p.agent) == [
        ("devops", "devops/.claude/settings.json")]
    [agent_problem] = [p for p in report.problems if p.agent]
    [user_problem] = [p for p in report.problems if p.agent is None]
    assert agent_problem.message.startswith("devops/.claude/settings.json is not valid JSON (line 1")
    assert "never rewrites it" in agent_problem.message
    assert user_problem.source == "$CLAUDE_CONFIG_DIR/settings.json"
    assert user_problem.message.startswith("$CLAUDE_CONFIG_DIR/settings.json must hold a JSON object. Claude Code "
                                           "does not apply the settings in it")
    assert [p.as_dict() for p in config_problems()] == [p.as_dict() for p in report.problems]


def test_a_refusal_list_of_the_wrong_shape_is_a_problem(devops, refuse):
    refuse("claude.json project entry", {"disabledMcpjsonServers": "search"})

    report = discover_servers()

    assert rows()[("devops", "project", "search")].effective is True
    [problem] = report.problems
    assert problem.as_dict() == {
        "agent": "devops", "source": "$CLAUDE_CONFIG_DIR/.claude.json",
        "message": '$CLAUDE_CONFIG_DIR/.claude.json, project entry of devops: "disabledMcpjsonServers" must be a '
                   "list of server names. The Orchestrator cannot tell which .mcp.json servers it switches off until "
                   "it is fixed (it never rewrites the file).",
    }


def test_the_api_shows_which_file_disables_a_server(reader_client, devops, write_claude_json, agents_root):
    write_claude_json({"mcpServers": {"search": {"command": "user-search"}},
                       "projects": {str(agents_root / "devops"): {"disabledMcpjsonServers": ["search"]}}})
    discover_servers()

    body = reader_client.get("/api/mcp-servers/?agent=devops").json()

    assert sorted((s["name"], s["scope"], s["effective"], s["disabled_by"]) for s in body) == [
        ("notes", "project", True, None),
        ("search", "project", False, "$CLAUDE_CONFIG_DIR/.claude.json"),
        ("search", "user", True, None),
    ]
    search = next(s for s in body if s["scope"] == "project" and s["name"] == "search")
    single = reader_client.get(f"/api/mcp-servers/{search['id']}/").json()
    assert single == search
    assert reader_client.get("/api/mcp-servers/problems/?agent=devops").json() == []
