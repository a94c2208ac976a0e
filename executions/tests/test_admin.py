"""The executions admin: read-only, filterable, events inline, actions through the services."""

from __future__ import annotations

import pytest

from executions.models import Execution, ExecutionEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(username="ada-admin", password="admin-pass-123")
    client.force_login(user)
    return client


def test_it_lists_and_shows_executions_read_only_with_events(admin_client, make_agent):
    execution = Execution.objects.create(agent=make_agent("devops"), task="Rotate the logs", timeout=60,
                                         status=Execution.Status.SUCCEEDED)
    ExecutionEvent.objects.create(execution=execution, seq=1, type="system/init", payload={"model": "m"})

    listing = admin_client.get("/admin/executions/execution/?status__exact=succeeded&q=Rotate")
    assert listing.status_code == 200
    assert b"Rotate the logs" in listing.content
    page = admin_client.get(f"/admin/executions/execution/{execution.pk}/change/")
    assert page.status_code == 200
    assert b"system/init" in page.content
    assert b'name="_save"' not in page.content
    assert admin_client.get("/admin/executions/execution/add/").status_code == 403


def test_it_runs_again_and_cancels_through_admin_actions(admin_client, make_agent):
    execution = Execution.objects.create(agent=make_agent("devops"), task="Again", timeout=60,
                                         status=Execution.Status.FAILED)
    admin_client.post("/admin/executions/execution/", {"action": "run_again", "_selected_action": [execution.pk]})

    again = Execution.objects.exclude(pk=execution.pk).get()
    assert (again.task, again.trigger, again.status) == ("Again", "admin", "queued")
    admin_client.post("/admin/executions/execution/", {"action": "cancel", "_selected_action": [again.pk]})
    again.refresh_from_db()
    assert again.status == Execution.Status.CANCELLED
