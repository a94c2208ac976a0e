"""Read-side summaries of executions: usage per day and agent, and what the agent list shows.

Each is a fixed handful of grouped queries, whatever the number of agents or runs.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, F, Max, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from executions.models import Execution
from orchestrator_site.errors import InvalidInput

MAX_DAYS = 365


def usage(*, days: int = 7, today: datetime.date | None = None) -> dict[str, object]:
    """Runs, runs by status, cost (the CLI's API-equivalent figure) and tokens per day and agent,
    for the last `days` days including today (UTC). Raises InvalidInput outside 1..365."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days must be 1..{MAX_DAYS}.", fields={"days": [f"Use 1..{MAX_DAYS}."]})
    today = today or timezone.now().date()
    since = today - datetime.timedelta(days=days - 1)
    start = datetime.datetime.combine(since, datetime.time.min, tzinfo=datetime.UTC)
    grouped = (
        Execution.objects.filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at"), folder=F("agent__folder"))
        .values("day", "folder", "status")
        .annotate(runs=Count("id"), cost=Sum("total_cost_usd"), input_tokens=Sum("input_tokens"),
                  output_tokens=Sum("output_tokens"), cache_read=Sum("cache_read_tokens"),
                  cache_creation=Sum("cache_creation_tokens"))
        .order_by("day", "folder", "status")
    )
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for group in grouped:
        day = group["day"].isoformat()
        row = rows.setdefault((day, group["folder"]), {
            "date": day, "agent": group["folder"], "runs": 0, "by_status": {}, "cost_usd": 0.0,
            "input_tokens": 0, "output_tokens": 0, "cache_read_tokens": 0, "cache_creation_tokens": 0})
        row["runs"] += group["runs"]
        row["by_status"][group["status"]] = group["runs"]
        row["cost_usd"] += group["cost"] or 0.0
        row["input_tokens"] += group["input_tokens"] or 0
        row["output_tokens"] += group["output_tokens"] or 0
        row["cache_read_tokens"] += group["cache_read"] or 0
        row["cache_creation_tokens"] += group["cache_creation"] or 0
    ordered = [rows[key] for key in sorted(rows)]
    for row in ordered:
        row["cost_usd"] = round(row["cost_usd"], 6)
    totals = {
        "runs": sum(row["runs"] for row in ordered),
        "cost_usd": round(sum(row["cost_usd"] for row in ordered), 6),
        "input_tokens": sum(row["input_tokens"] for row in ordered),
        "output_tokens": sum(row["output_tokens"] for row in ordered),
    }
    return {"days": days, "since": since.isoformat(), "cost_label": "API-equivalent cost reported by the CLI (USD)",
            "rows": ordered, "totals": totals}


def agent_summaries(agent_ids: list[int]) -> dict[int, dict[str, object]]:
    """For each agent id: last_execution, running, queued and stats_7d, in four queries."""
    summaries: dict[int, dict[str, object]] = {
        agent_id: {"last_execution": None, "running": 0, "queued": 0,
                   "stats_7d": {"runs": 0, "succeeded": 0, "success_rate": None, "cost_usd": 0.0}}
        for agent_id in agent_ids}
    if not agent_ids:
        return summaries
    executions = Execution.objects.filter(agent_id__in=agent_ids)
    latest = executions.values("agent_id").annotate(last=Max("id")).values_list("last", flat=True)
    for last in Execution.objects.filter(pk__in=list(latest)).values(
            "id", "agent_id", "status", "created_at", "finished_at", "total_cost_usd"):
        agent_id = last.pop("agent_id")
        summaries[agent_id]["last_execution"] = last
    for group in executions.active().values("agent_id", "status").annotate(n=Count("id")):
        summaries[group["agent_id"]][group["status"]] = group["n"]
    week = timezone.now() - datetime.timedelta(days=7)
    finished: dict[int, int] = defaultdict(int)
    for group in executions.filter(created_at__gte=week).values("agent_id", "status").annotate(
            n=Count("id"), cost=Sum("total_cost_usd")):
        stats = summaries[group["agent_id"]]["stats_7d"]
        stats["runs"] += group["n"]
        stats["cost_usd"] = round(stats["cost_usd"] + (group["cost"] or 0.0), 6)
        if group["status"] == Execution.Status.SUCCEEDED:
            stats["succeeded"] += group["n"]
        if group["status"] not in Execution.ACTIVE:
            finished[group["agent_id"]] += group["n"]
    for agent_id, count in finished.items():
        stats = summaries[agent_id]["stats_7d"]
        stats["success_rate"] = round(stats["succeeded"] / count, 4) if count else None
    return summaries
