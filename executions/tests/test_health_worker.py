"""/api/health "worker": ok while a db_worker's heartbeat is fresh, else down."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from executions.models import WorkerHeartbeat
from executions.tests.conftest import wait_for

pytestmark = pytest.mark.django_db


def worker_check(client) -> str:
    return client.get("/api/health").json()["checks"]["worker"]


def test_it_reports_the_worker_down_without_a_fresh_heartbeat(anon_client):
    assert worker_check(anon_client) == "down"
    WorkerHeartbeat.objects.create(worker_id="old", host="h", pid=1,
                                   seen_at=timezone.now() - datetime.timedelta(minutes=5))
    assert worker_check(anon_client) == "down"


def test_it_reports_the_worker_ok_with_a_fresh_heartbeat(anon_client):
    WorkerHeartbeat.objects.create(worker_id="w", host="h", pid=1)
    assert worker_check(anon_client) == "ok"


@pytest.mark.django_db(transaction=True)
def test_it_sees_a_real_worker_come_and_go(anon_client, worker):
    wait_for(lambda: worker_check(anon_client) == "ok", timeout=20, message="the worker heartbeat")
    worker.stop()
    assert worker_check(anon_client) == "down"
