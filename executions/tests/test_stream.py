"""GET /api/executions/{id}/stream/: Server-Sent Events in order, resumable, ending with the run."""

from __future__ import annotations

import json

import pytest

from executions import services
from executions.models import Execution, ExecutionEvent
from tests.assertions import assert_error


def parse_sse(body: bytes) -> list[dict]:
    """SSE messages as dicts of their fields (comments become {"comment": ...})."""
    messages = []
    for block in body.decode().split("\n\n"):
        if not block.strip():
            continue
        message: dict = {}
        for line in block.split("\n"):
            if line.startswith(":"):
                message["comment"] = line[1:].strip()
                continue
            name, _, value = line.partition(": ")
            message[name] = value
        messages.append(message)
    return messages


def stream(client, execution_id: int, **headers) -> list[dict]:
    """The messages of a stream after its opening `: connected` comment."""
    response = client.get(f"/api/executions/{execution_id}/stream/", HTTP_ACCEPT="text/event-stream", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/event-stream"
    opening, *messages = parse_sse(b"".join(response.streaming_content))
    assert opening == {"comment": "connected"}
    return messages


def finished_execution(agent, events: int = 4) -> Execution:
    execution = Execution.objects.create(agent=agent, task="t", status=Execution.Status.SUCCEEDED, timeout=60,
                                         last_seq=events)
    for seq in range(1, events + 1):
        ExecutionEvent.objects.create(execution=execution, seq=seq, type="assistant", payload={"n": seq})
    return execution


@pytest.mark.django_db
def test_it_streams_every_event_in_order_then_an_end_message(reader_client, make_agent):
    execution = finished_execution(make_agent("devops"))
    messages = stream(reader_client, execution.pk)

    assert [message.get("id") for message in messages] == ["1", "2", "3", "4", None]
    assert all(message["event"] == "message" for message in messages[:4])
    first = json.loads(messages[0]["data"])
    assert set(first) == {"seq", "type", "payload", "at"}
    assert first["payload"] == {"n": 1}
    assert messages[-1] == {"event": "end", "data": '{"status": "succeeded"}'}


@pytest.mark.django_db
def test_it_resumes_after_the_last_event_id(reader_client, make_agent):
    execution = finished_execution(make_agent("devops"))

    assert [m.get("id") for m in stream(reader_client, execution.pk, HTTP_LAST_EVENT_ID="2")] == ["3", "4", None]
    response = reader_client.get(f"/api/executions/{execution.pk}/stream/?after=3")
    assert [m.get("id") for m in parse_sse(b"".join(response.streaming_content))] == [None, "4", None]


@pytest.mark.django_db
def test_it_refuses_a_bad_last_event_id(reader_client, make_agent):
    execution = finished_execution(make_agent("devops"))
    assert_error(reader_client.get(f"/api/executions/{execution.pk}/stream/", HTTP_LAST_EVENT_ID="x"), 400,
                 "VALIDATION_ERROR")
    assert_error(reader_client.get("/api/executions/999/stream/", HTTP_ACCEPT="text/event-stream"), 404, "NOT_FOUND")


@pytest.mark.django_db(transaction=True)
def test_it_streams_a_live_run_until_it_ends(reader_client, worker, make_agent):
    execution = services.start_execution(agent=make_agent("devops"), task="[[fake:slow events=5 delay=0.1]]")
    messages = stream(reader_client, execution.pk)

    events = [json.loads(message["data"]) for message in messages if message.get("event") == "message"]
    assert [event["seq"] for event in events] == list(range(1, len(events) + 1))
    assert [event["type"] for event in events].count("assistant") == 5
    assert events[-1]["type"] == "result"
    assert messages[-1] == {"event": "end", "data": '{"status": "succeeded"}'}
