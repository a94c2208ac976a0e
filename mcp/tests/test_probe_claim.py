"""Two probes of one server never run at once: the claim is a conditional UPDATE."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mcp.models import McpServer

pytestmark = pytest.mark.django_db


def make_server() -> McpServer:
    return McpServer.objects.create(name="s", scope="user", transport="stdio", command="x", source="~/.claude.json")


def test_the_second_claim_loses_until_the_first_finishes():
    now = timezone.now()
    first, second = make_server(), None
    second = McpServer.objects.get(pk=first.pk)
    assert first.claim_probe(now=now, stale_after=timedelta(seconds=40)) is True
    assert second.claim_probe(now=now, stale_after=timedelta(seconds=40)) is False
    first.finish_probe(status="ok", checked_at=now, latency_ms=3, server_name="n", server_version="1",
                       protocol_version="2025-11-25", tools=["t"], last_error="")
    assert second.claim_probe(now=now, stale_after=timedelta(seconds=40)) is True


def test_a_claim_left_by_a_dead_process_is_taken_over_and_its_late_result_dropped():
    now = timezone.now()
    dead = make_server()
    assert dead.claim_probe(now=now - timedelta(minutes=5), stale_after=timedelta(seconds=40))
    alive = McpServer.objects.get(pk=dead.pk)
    assert alive.claim_probe(now=now, stale_after=timedelta(seconds=40)) is True
    dead.finish_probe(status="error", checked_at=now, latency_ms=None, server_name="", server_version="",
                      protocol_version="", tools=[], last_error="late")
    stored = McpServer.objects.get(pk=dead.pk)
    assert (stored.status, stored.last_error, stored.probing_since) == ("unknown", "", alive.probing_since)
