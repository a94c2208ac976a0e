"""While one check of a server runs, another (from any thread or process) is refused."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from mcp.models import McpServer
from mcp.services import check_server, discover_servers
from mcp.tests.conftest import fake_entry
from tests.assertions import assert_error


@pytest.mark.django_db(transaction=True)
def test_a_second_check_during_a_slow_one_gets_409_and_the_first_completes(make_agent, write_mcp_json,
                                                                          staff_client):
    make_agent("devops")
    write_mcp_json("devops", {"mcpServers": {"slow": fake_entry("--mode", "slow", "--delay", "0.5")}})
    discover_servers()
    server = McpServer.objects.get()
    outcome: dict[str, object] = {}

    def first() -> None:
        try:
            outcome["server"] = check_server(server=McpServer.objects.get(pk=server.pk))
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    deadline = time.monotonic() + 20
    while not McpServer.objects.filter(pk=server.pk, probing_since__isnull=False).exists():
        assert time.monotonic() < deadline, "the first check never claimed the server"
        assert thread.is_alive() or "server" in outcome
        time.sleep(0.02)

    assert_error(staff_client.post(f"/api/mcp-servers/{server.pk}/check/"), 409, "CHECK_RUNNING")
    thread.join(timeout=30)

    assert outcome["server"].status == "ok"
    stored = McpServer.objects.get(pk=server.pk)
    assert (stored.status, stored.probing_since) == ("ok", None)
    assert staff_client.post(f"/api/mcp-servers/{server.pk}/check/").json()["status"] == "ok"
