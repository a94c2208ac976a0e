"""/api/mcp-servers/: what each agent really loads, managed without touching a file by hand."""

from __future__ import annotations

import json
import subprocess

import pytest

from mcp.models import McpServer
from mcp.services import discover_servers
from mcp.tests.conftest import fake_entry
from tests.assertions import assert_error

pytestmark = pytest.mark.django_db

HAND_WRITTEN = """{
    "mcpServers": {
        "github":   {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                     "env": {"GITHUB_TOKEN": "ghp-secret-value-1"}},
        "docs": {"type": "http", "url": "https://docs.example/mcp",
                 "headers": {"Authorization": "Bearer docs-secret-value-2"}}
    },
    "unknownKey": {"keep": [1, 2, 3]}
}
"""


@pytest.fixture
def devops(make_agent, write_mcp_json):
    agent = make_agent("devops")
    write_mcp_json("devops", HAND_WRITTEN)
    discover_servers()
    return agent


def server_id(name: str, scope: str = "project") -> int:
    return McpServer.objects.get(name=name, scope=scope).pk


def stdio_body(**fields) -> dict:
    return {"agent": "devops", "name": "fake", "transport": "stdio", **fake_entry(), **fields}


# -- authentication and permission ------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/mcp-servers/"), ("get", "/api/mcp-servers/problems/"), ("post", "/api/mcp-servers/"),
    ("post", "/api/mcp-servers/sync/"), ("post", "/api/mcp-servers/{id}/check/"), ("delete", "/api/mcp-servers/{id}/"),
    ("get", "/api/mcp-servers/{id}/"),
])
def test_every_endpoint_refuses_anonymous_callers(anon_client, devops, method, path):
    response = getattr(anon_client, method)(path.format(id=server_id("github")), {}, format="json")
    assert_error(response, 401, "NOT_AUTHENTICATED")


@pytest.mark.parametrize(("method", "path"), [
    ("post", "/api/mcp-servers/"), ("post", "/api/mcp-servers/sync/"), ("post", "/api/mcp-servers/{id}/check/"),
    ("delete", "/api/mcp-servers/{id}/"),
])
def test_a_reader_cannot_change_or_probe_anything(reader_client, devops, agents_root, method, path):
    before = (agents_root / "devops" / ".mcp.json").read_bytes()
    response = getattr(reader_client, method)(path.format(id=server_id("github")),
                                              {**stdio_body(), "confirm": "github"}, format="json")
    assert_error(response, 403, "PERMISSION_DENIED")
    assert (agents_root / "devops" / ".mcp.json").read_bytes() == before
    assert McpServer.objects.get(name="github").checked_at is None


# -- listing ----------------------------------------------------------------------------------

def test_it_lists_servers_with_names_but_never_values_of_secrets(reader_client, devops):
    response = reader_client.get("/api/mcp-servers/?agent=devops")
    assert response.status_code == 200
    body = response.json()
    text = json.dumps(body)
    assert "secret-value" not in text
    github = next(server for server in body if server["name"] == "github")
    assert github == {
        "id": server_id("github"), "agent": "devops", "name": "github", "scope": "project", "transport": "stdio",
        "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "url": "",
        "env_names": ["GITHUB_TOKEN"], "header_names": [], "source": "devops/.mcp.json", "effective": True,
        "disabled_by": None, "overridden_in": [], "managed": True, "status": "unknown", "checked_at": None,
        "latency_ms": None, "server_name": "", "server_version": "", "protocol_version": "", "tools": [],
        "last_error": "", "checking": False, "reported_status": None, "reported_at": None,
        "discovered_at": github["discovered_at"],
    }
    docs = next(server for server in body if server["name"] == "docs")
    assert (docs["transport"], docs["url"], docs["header_names"]) == ("http", "https://docs.example/mcp",
                                                                      ["Authorization"])


def test_the_agent_filter_shows_what_that_agent_loads(reader_client, make_agent, agents_root, write_mcp_json,
                                                      write_claude_json):
    make_agent("devops")
    make_agent("writer")
    write_mcp_json("devops", {"mcpServers": {"search": {"command": "project-search"}}})
    write_claude_json({"mcpServers": {"search": {"command": "user-search"}, "notes": {"command": "n"}},
                       "projects": {str(agents_root / "writer"): {"mcpServers": {"notes": {"command": "mine"}}}}})
    discover_servers()

    def view(folder):
        body = reader_client.get(f"/api/mcp-servers/?agent={folder}").json()
        return sorted((s["name"], s["scope"], s["effective"], s["agent"]) for s in body)

    assert view("devops") == [("notes", "user", True, None), ("search", "project", True, "devops"),
                              ("search", "user", False, None)]
    assert view("writer") == [("notes", "local", True, "writer"), ("notes", "user", False, None),
                              ("search", "user", True, None)]
    assert_error(reader_client.get("/api/mcp-servers/?agent=nobody"), 404, "NOT_FOUND")
    assert_error(reader_client.get("/api/mcp-servers/?agent=../etc"), 404, "NOT_FOUND")


def test_the_list_does_not_grow_queries_with_rows(reader_client, make_agent, write_mcp_json,
                                                  django_assert_max_num_queries):
    for folder in ("a1", "a2", "a3"):
        make_agent(folder)
        write_mcp_json(folder, {"mcpServers": {f"s{i}": {"command": "x"} for i in range(5)}})
    discover_servers()
    with django_assert_max_num_queries(6):
        response = reader_client.get("/api/mcp-servers/")
    assert len(response.json()) == 15


def test_problems_lists_malformed_files(reader_client, make_agent, write_mcp_json):
    make_agent("devops")
    make_agent("writer")
    write_mcp_json("devops", "{oops")
    response = reader_client.get("/api/mcp-servers/problems/")
    assert response.status_code == 200
    [problem] = response.json()
    assert problem["agent"] == "devops" and problem["source"] == "devops/.mcp.json"
    assert problem["message"].startswith("devops/.mcp.json is not valid JSON (line 1, column 2")
    assert reader_client.get("/api/mcp-servers/problems/?agent=writer").json() == []


def test_sync_picks_up_hand_edits(staff_client, devops, write_mcp_json):
    write_mcp_json("devops", {"mcpServers": {"only": {"command": "x"}}})
    response = staff_client.post("/api/mcp-servers/sync/")
    assert response.status_code == 200
    assert response.json() == {"servers": 1, "created": 1, "updated": 0, "removed": 2, "problems": []}
    assert list(McpServer.objects.values_list("name", flat=True)) == ["only"]


# -- adding -----------------------------------------------------------------------------------

def test_it_adds_a_server_keeping_every_other_byte(staff_client, devops, agents_root):
    path = agents_root / "devops" / ".mcp.json"
    response = staff_client.post("/api/mcp-servers/", {
        "agent": "devops", "name": "metrics", "transport": "http", "url": "https://metrics.example/mcp",
        "headers": {"Authorization": "Bearer metrics-secret-value-3"}}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["scope"], body["transport"], body["header_names"], body["source"]) == (
        "metrics", "project", "http", ["Authorization"], "devops/.mcp.json")
    assert "metrics-secret-value-3" not in response.content.decode()
    text = path.read_text()
    # Everything before the new member is exactly what the user wrote.
    cut = HAND_WRITTEN.index('\n    },\n    "unknownKey"')
    assert text.startswith(HAND_WRITTEN[:cut])
    assert text.endswith(HAND_WRITTEN[cut:])
    data = json.loads(text)
    assert data["unknownKey"] == {"keep": [1, 2, 3]}
    assert data["mcpServers"]["metrics"] == {"type": "http", "url": "https://metrics.example/mcp",
                                             "headers": {"Authorization": "Bearer metrics-secret-value-3"}}


def test_adding_then_removing_gives_back_the_same_bytes(staff_client, devops, agents_root):
    path = agents_root / "devops" / ".mcp.json"
    created = staff_client.post("/api/mcp-servers/", stdio_body(env={"A_KEY": "v"}), format="json")
    assert created.status_code == 201, created.content
    removed = staff_client.delete(f"/api/mcp-servers/{created.json()['id']}/", {"confirm": "fake"}, format="json")
    assert removed.status_code == 200
    assert removed.json()["name"] == "fake"
    assert path.read_text() == HAND_WRITTEN
    assert not McpServer.objects.filter(name="fake").exists()


def test_it_creates_the_file_when_the_agent_has_none(staff_client, make_agent, agents_root):
    make_agent("writer")
    response = staff_client.post("/api/mcp-servers/", stdio_body(agent="writer", command="npx", args=["srv"]),
                                 format="json")
    assert response.status_code == 201
    assert json.loads((agents_root / "writer" / ".mcp.json").read_text()) == {
        "mcpServers": {"fake": {"type": "stdio", "command": "npx", "args": ["srv"]}}}


def test_edits_are_committed_to_git(staff_client, devops, agents_root, settings):
    settings.AUTO_COMMIT = True
    subprocess.run(["git", "init", "-q"], cwd=agents_root, check=True)
    staff_client.post("/api/mcp-servers/", stdio_body(), format="json")
    log = subprocess.run(["git", "log", "--format=%s", "--name-only"], cwd=agents_root, capture_output=True,
                         text=True, check=True).stdout
    assert "Add MCP server fake to devops" in log
    assert "devops/.mcp.json" in log


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "bad name!"}, "name"),
    ({"name": ""}, "name"),
    ({"transport": "ws"}, "transport"),
    ({"command": ""}, "command"),
    ({"command": None}, "command"),
    ({"args": "one two"}, "args"),
    ({"args": [1, 2]}, "args"),
    ({"env": {"1BAD": "x"}}, "env"),
    ({"env": ["A=1"]}, "env"),
    ({"url": "http://x/mcp"}, "url"),
    ({"surprise": True}, "surprise"),
    ({"transport": "http", "command": None, "args": None, "url": "ftp://files.example/"}, "url"),
    ({"transport": "http", "command": None, "args": None, "url": "javascript:alert(1)"}, "url"),
    ({"transport": "http", "command": None, "args": None}, "url"),
    ({"transport": "http", "command": None, "args": None, "url": "https://h/mcp", "headers": {"X": "a\r\nB: c"}},
     "headers"),
    ({"transport": "sse", "command": None, "args": None, "url": "https://h/sse", "headers": {"Bad Name": "v"}},
     "headers"),
])
def test_bad_input_is_refused_and_nothing_is_written(staff_client, devops, agents_root, body, field):
    path = agents_root / "devops" / ".mcp.json"
    payload = {key: value for key, value in {**stdio_body(), **body}.items() if value is not None}
    response = staff_client.post("/api/mcp-servers/", payload, format="json")
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in error["fields"]
    assert path.read_text() == HAND_WRITTEN
    assert McpServer.objects.count() == 2


def test_a_duplicate_name_in_the_project_scope_is_a_conflict(staff_client, devops, agents_root):
    response = staff_client.post("/api/mcp-servers/", stdio_body(name="github"), format="json")
    assert_error(response, 409, "SERVER_EXISTS")
    assert (agents_root / "devops" / ".mcp.json").read_text() == HAND_WRITTEN


def test_a_malformed_file_is_never_rewritten(staff_client, make_agent, write_mcp_json):
    make_agent("devops")
    path = write_mcp_json("devops", '{"mcpServers": {"a": 1,}}')
    response = staff_client.post("/api/mcp-servers/", stdio_body(), format="json")
    assert_error(response, 409, "CONFIG_INVALID")
    assert path.read_text() == '{"mcpServers": {"a": 1,}}'


def test_an_unknown_agent_is_not_found(staff_client, db):
    assert_error(staff_client.post("/api/mcp-servers/", stdio_body(agent="ghost"), format="json"), 404, "NOT_FOUND")


@pytest.mark.parametrize("scope", ["user", "local"])
def test_user_and_local_scopes_are_left_to_claude_mcp(staff_client, devops, claude_home, scope):
    response = staff_client.post("/api/mcp-servers/", stdio_body(scope=scope), format="json")
    body = assert_error(response, 409, "SCOPE_READ_ONLY")
    assert f"claude mcp add -s {scope}" in body["message"]
    assert not (claude_home / ".claude.json").exists()


# -- removing ---------------------------------------------------------------------------------

def test_removing_needs_the_name_as_confirmation(staff_client, devops, agents_root):
    for body in ({}, {"confirm": "docs"}, {"confirm": "GITHUB"}):
        response = staff_client.delete(f"/api/mcp-servers/{server_id('github')}/", body, format="json")
        error = assert_error(response, 400, "CONFIRMATION_REQUIRED")
        assert '{"confirm": "github"}' in error["message"]
    assert (agents_root / "devops" / ".mcp.json").read_text() == HAND_WRITTEN


def test_removing_keeps_the_other_entries_byte_for_byte(staff_client, devops, agents_root):
    response = staff_client.delete(f"/api/mcp-servers/{server_id('docs')}/", {"confirm": "docs"}, format="json")
    assert response.status_code == 200
    text = (agents_root / "devops" / ".mcp.json").read_text()
    start = HAND_WRITTEN.index(',\n        "docs"')
    end = HAND_WRITTEN.index('\n    },\n    "unknownKey"')
    assert text == HAND_WRITTEN[:start] + HAND_WRITTEN[end:]


def test_removing_a_user_scope_server_points_to_claude_mcp(staff_client, devops, write_claude_json, claude_home):
    write_claude_json({"mcpServers": {"global": {"command": "g"}}})
    before = (claude_home / ".claude.json").read_bytes()
    discover_servers()
    response = staff_client.delete(f"/api/mcp-servers/{server_id('global', 'user')}/", {"confirm": "global"},
                                   format="json")
    body = assert_error(response, 409, "SCOPE_READ_ONLY")
    assert "claude mcp remove -s user" in body["message"]
    assert (claude_home / ".claude.json").read_bytes() == before


def test_removing_an_entry_already_gone_refreshes_the_list(staff_client, devops, write_mcp_json):
    write_mcp_json("devops", {"mcpServers": {}})
    response = staff_client.delete(f"/api/mcp-servers/{server_id('github')}/", {"confirm": "github"}, format="json")
    assert_error(response, 404, "NOT_FOUND")
    assert McpServer.objects.count() == 0


def test_an_unknown_id_is_not_found(staff_client, db):
    assert_error(staff_client.delete("/api/mcp-servers/999/", {"confirm": "x"}, format="json"), 404, "NOT_FOUND")
    assert_error(staff_client.post("/api/mcp-servers/abc/check/"), 404, "NOT_FOUND")


# -- checking ---------------------------------------------------------------------------------

def test_check_runs_a_real_probe_and_stores_the_result(staff_client, make_agent, write_mcp_json):
    make_agent("devops")
    write_mcp_json("devops", {"mcpServers": {"fake": fake_entry("--tools", "deploy,status",
                                                                env={"DEPLOY_KEY": "deploy-secret-value"})}})
    discover_servers()
    response = staff_client.post(f"/api/mcp-servers/{server_id('fake')}/check/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["tools"], body["server_name"], body["server_version"], body["protocol_version"],
            body["last_error"], body["checking"]) == ("ok", ["deploy", "status"], "fake-mcp", "9.9.9", "2025-11-25",
                                                      "", False)
    assert body["checked_at"] and body["latency_ms"] is not None
    assert "deploy-secret-value" not in response.content.decode()
    assert McpServer.objects.get(name="fake").tools == ["deploy", "status"]


def test_a_failed_check_says_why_without_secrets(staff_client, make_agent, write_mcp_json, settings):
    settings.MCP_PROBE_TIMEOUT = 1
    make_agent("devops")
    write_mcp_json("devops", {"mcpServers": {"fake": fake_entry("--mode", "hang", "--stderr-env", "DB_PASSWORD",
                                                                env={"DB_PASSWORD": "pa55word-secret"})}})
    discover_servers()
    body = staff_client.post(f"/api/mcp-servers/{server_id('fake')}/check/").json()
    assert body["status"] == "error"
    assert body["last_error"] == ("initialize: no answer within 1 s (stderr: starting with "
                                  "DB_PASSWORD=[redacted])")
    assert "pa55word" not in json.dumps(body)


def test_a_second_check_while_one_runs_is_refused(staff_client, devops):
    from django.utils import timezone

    McpServer.objects.filter(name="github").update(probing_since=timezone.now())
    response = staff_client.post(f"/api/mcp-servers/{server_id('github')}/check/")
    assert_error(response, 409, "CHECK_RUNNING")
    assert staff_client.get(f"/api/mcp-servers/{server_id('github')}/").json()["checking"] is True


def test_variables_expand_from_what_the_cli_gets_not_the_whole_service_env(staff_client, make_agent,
                                                                           write_mcp_json, monkeypatch, settings):
    make_agent("devops")
    write_mcp_json("devops", {"mcpServers": {"fake": fake_entry(env={"TOKEN": "${MCP_TEST_TOKEN}"})}})
    discover_servers()
    monkeypatch.setenv("MCP_TEST_TOKEN", "only-in-the-service")
    body = staff_client.post(f"/api/mcp-servers/{server_id('fake')}/check/").json()
    assert body["status"] == "error"
    assert body["last_error"].startswith("configuration: missing environment variables: MCP_TEST_TOKEN")

    settings.CLAUDE_ENV_PASSTHROUGH = ["MCP_TEST_TOKEN"]
    assert staff_client.post(f"/api/mcp-servers/{server_id('fake')}/check/").json()["status"] == "ok"


def test_servers_of_a_deleted_agent_disappear_at_once(staff_client, devops):
    github = server_id("github")
    assert staff_client.delete("/api/agents/devops/", {"confirm": "devops"}, format="json").status_code == 200
    assert staff_client.get("/api/mcp-servers/").json() == []
    assert_error(staff_client.post(f"/api/mcp-servers/{github}/check/"), 404, "NOT_FOUND")
