"""What Claude Code itself said about each MCP server in the agent's latest run.

The `system/init` event of a run lists `mcp_servers: [{name, status, source?}]`. It lives in
the executions app; mcp may read it (mcp -> executions -> agents), agents never.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DatabaseError
from django.db.models import OuterRef, Subquery

from agents.models import Agent

logger = logging.getLogger(__name__)

INIT_EVENT = "system/init"


@dataclass(frozen=True)
class Reported:
    servers: dict[str, dict[str, Any]]
    at: datetime

    def status_of(self, name: str, scope: str) -> str | None:
        server = self.servers.get(name)
        if server is None:
            return None
        source = server.get("source")
        # 2.1.332 names the scope; an entry of another scope with the same name is not this one.
        if isinstance(source, str) and source in {"project", "local", "user"} and source != scope:
            return None
        status = server.get("status")
        return status[:40] if isinstance(status, str) else None


def latest_reports(agent_ids: Iterable[int]) -> dict[int, Reported]:
    """agent id -> the mcp_servers of its most recent run that reached system/init (two queries)."""
    ids = sorted(set(agent_ids))
    if not ids:
        return {}
    try:
        from executions.models import ExecutionEvent
    except ImportError:
        return {}
    latest = (ExecutionEvent.objects.filter(type=INIT_EVENT, execution__agent_id=OuterRef("pk"))
              .order_by("-execution__created_at", "-execution_id", "-seq").values("pk")[:1])
    try:
        pairs = Agent.objects.filter(pk__in=ids).annotate(init_id=Subquery(latest)).values_list("pk", "init_id")
        by_event = {init_id: agent_id for agent_id, init_id in pairs if init_id is not None}
        events = ExecutionEvent.objects.filter(pk__in=by_event).values_list("pk", "payload", "at")
        reports: dict[int, Reported] = {}
        for pk, payload, at in events:
            listed = payload.get("mcp_servers") if isinstance(payload, dict) else None
            servers = {item["name"]: item for item in listed or []
                       if isinstance(item, dict) and isinstance(item.get("name"), str)}
            reports[by_event[pk]] = Reported(servers=servers, at=at)
        return reports
    except DatabaseError:
        logger.warning("Could not read the last system/init events (are the executions migrations applied?)")
        return {}
