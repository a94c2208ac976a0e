"""The Django task the db_worker runs for each queued execution."""

from __future__ import annotations

from django.tasks import task

from executions import services


@task()
def run_execution_task(execution_id: int) -> list[int]:
    """Run the execution when it is its agent's turn (and the agent's later queued runs after it).

    Returns the ids run; empty when another worker was already running this agent."""
    return services.run_queued(execution_id=execution_id)
