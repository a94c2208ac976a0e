"""What the web service does once when it starts: index AGENTS_ROOT (and run the sync hooks)."""

from __future__ import annotations

import logging

from django.db import DatabaseError

logger = logging.getLogger(__name__)


def on_start() -> None:
    from agents.services import sync_agents

    try:
        report = sync_agents()
    except DatabaseError:
        logger.warning("Skipping the start-up agent sync: the database is not ready (run migrate).")
        return
    logger.info("Agents synced at start-up: %s", report.as_dict())
