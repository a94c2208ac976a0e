"""The admin shows MCP servers read-only and can run a real check."""

from __future__ import annotations

import pytest

from mcp.models import McpServer
from mcp.services import discover_servers
from mcp.tests.conftest import fake_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_with_server(client, django_user_model, make_agent, write_mcp_json):
    make_agent("devops")
    write_mcp_json("devops", {"mcpServers": {"fake": fake_entry("--tools", "one,two",
                                                                env={"KEY": "admin-secret-value"})}})
    discover_servers()
    admin = django_user_model.objects.create_superuser("ada-admin", "ada@example.com", "admin-pass-123")
    client.force_login(admin)
    return client


def test_the_list_shows_servers_without_secret_values(admin_client_with_server):
    response = admin_client_with_server.get("/admin/mcp/mcpserver/")
    assert response.status_code == 200
    assert b"fake" in response.content
    assert b"admin-secret-value" not in response.content


def test_the_check_action_probes_for_real(admin_client_with_server):
    server = McpServer.objects.get()
    response = admin_client_with_server.post("/admin/mcp/mcpserver/", {
        "action": "check_selected", "_selected_action": [server.pk]}, follow=True)
    assert response.status_code == 200
    assert b"ok (2 tools)" in response.content
    assert McpServer.objects.get().tools == ["one", "two"]
