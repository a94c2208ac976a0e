"""Executions API: run an agent, list/inspect runs, read or stream their events, cancel, export, usage."""

from __future__ import annotations

import csv
import datetime
import json
import time
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Q, QuerySet
from django.db.models.functions import Substr
from django.http import StreamingHttpResponse
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from agents.views import AgentViewSet
from executions import services, stats
from executions.models import Execution, ExecutionEvent
from executions.serializers import (
    ROW_FIELDS,
    EventPageSerializer,
    ExecutionDetailSerializer,
    ExecutionRowSerializer,
    RunRequestSerializer,
    UsageSerializer,
)
from orchestrator_site.errors import InvalidInput, NotFound
from orchestrator_site.ratelimits import enforce_rate_limit
from orchestrator_site.viewsets import ApiViewSet

EVENTS_PAGE_MAX = 1000
SSE_POLL_SECONDS = 0.05
SSE_KEEPALIVE_SECONDS = 15.0

# Big columns a list row never needs.
_HEAVY = ("task", "result", "argv", "errors", "permission_denials")


def _parse(value: str) -> tuple[datetime.datetime | None, datetime.date | None]:
    try:
        return parse_datetime(value), parse_date(value)
    except ValueError:  # Well-formed but impossible, e.g. month 13.
        return None, None


def _when(value: str, name: str, *, end: bool) -> datetime.datetime:
    moment, day = _parse(value)
    if moment is None:
        if day is None:
            raise InvalidInput(f"{name} must be an ISO date or datetime.",
                               fields={name: ["Use YYYY-MM-DD or ISO 8601."]})
        moment = datetime.datetime.combine(day + datetime.timedelta(days=1) if end else day, datetime.time.min)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def filter_executions(queryset: QuerySet[Execution], params: dict[str, str]) -> QuerySet[Execution]:
    """Apply ?agent=&status=a,b&since=&until=&q= ; raises InvalidInput on a bad value."""
    if params.get("agent"):
        queryset = queryset.filter(agent__folder=params["agent"])
    if params.get("status"):
        wanted = [value.strip() for value in params["status"].split(",") if value.strip()]
        unknown = sorted(set(wanted) - set(Execution.Status.values))
        if unknown:
            raise InvalidInput(f"Unknown status {', '.join(unknown)}.",
                               fields={"status": [f"Use {', '.join(Execution.Status.values)}."]})
        queryset = queryset.filter(status__in=wanted)
    if params.get("since"):
        queryset = queryset.filter(created_at__gte=_when(params["since"], "since", end=False))
    if params.get("until"):
        until = params["until"]
        # A bare date means "through that day"; a datetime is exact.
        moment = _when(until, "until", end=True)
        exact = _parse(until)[0] is not None
        queryset = queryset.filter(created_at__lte=moment) if exact else queryset.filter(created_at__lt=moment)
    if params.get("q"):
        text = params["q"][:200]
        queryset = queryset.filter(Q(task__icontains=text) | Q(result__icontains=text))
    return queryset


def _int_param(params: dict[str, str], name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number.", fields={name: ["A whole number."]}) from None
    if not minimum <= value <= maximum:
        raise InvalidInput(f"{name} must be {minimum}..{maximum}.", fields={name: [f"Use {minimum}..{maximum}."]})
    return value


class EventStreamRenderer(renderers.BaseRenderer):
    """Lets DRF accept `Accept: text/event-stream`; errors before the stream still render as JSON."""

    media_type = "text/event-stream"
    format = "sse"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return json.dumps(data).encode()


def _sse_events(execution_id: int, after: int) -> Iterator[bytes]:
    """SSE messages of the execution's events after `after`, until it has ended and all are sent."""
    # A comment at once, so the response headers go out now and the client knows it is connected.
    yield b": connected\n\n"
    last_sent = time.monotonic()
    while True:
        events = list(ExecutionEvent.objects.filter(execution_id=execution_id, seq__gt=after).order_by("seq")[:500])
        for event in events:
            after = event.seq
            yield f"id: {event.seq}\nevent: message\ndata: {json.dumps(event.as_dict())}\n\n".encode()
        if events:
            last_sent = time.monotonic()
            continue
        state = Execution.objects.filter(pk=execution_id).values_list("status", flat=True).first()
        if state is None or state not in Execution.ACTIVE:
            # The final status is written after the last event: anything stored is visible now.
            if not ExecutionEvent.objects.filter(execution_id=execution_id, seq__gt=after).exists():
                yield f"event: end\ndata: {json.dumps({'status': state})}\n\n".encode()
                return
            continue
        if time.monotonic() - last_sent >= SSE_KEEPALIVE_SECONDS:
            last_sent = time.monotonic()
            yield b": keepalive\n\n"
        time.sleep(SSE_POLL_SECONDS)


class _CsvBuffer:
    def write(self, value: str) -> str:
        return value


class ExecutionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Runs of agents, newest first. Reads for any signed-in user; cancel for staff."""

    queryset = Execution.objects.select_related("agent")
    serializer_class = ExecutionRowSerializer

    def get_queryset(self) -> QuerySet[Execution]:
        queryset = super().get_queryset()
        if self.action in ("list", "export"):
            queryset = filter_executions(queryset, self.request.query_params).defer(*_HEAVY).annotate(
                task_head=Substr("task", 1, 200))
        return queryset.order_by("-created_at", "-id")

    def get_serializer_class(self):
        return ExecutionRowSerializer if self.action in ("list", "export") else ExecutionDetailSerializer

    def get_object(self) -> Execution:
        try:
            pk = int(self.kwargs["pk"])
        except ValueError:
            raise NotFound("No such execution: ids are whole numbers.") from None
        execution = Execution.objects.select_related("agent").filter(pk=pk).first()
        if execution is None:
            raise NotFound(f"No execution {pk}.")
        return execution

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if self.action == "stream":
            # An error before the stream starts is the usual JSON error, whatever the Accept header.
            self.request.accepted_renderer = renderers.JSONRenderer()
            self.request.accepted_media_type = "application/json"
        return response

    @extend_schema(parameters=[OpenApiParameter("after", int), OpenApiParameter("limit", int)],
                   responses=EventPageSerializer)
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str) -> Response:
        execution = self.get_object()
        after = _int_param(request.query_params, "after", 0, minimum=0, maximum=2**31)
        limit = _int_param(request.query_params, "limit", 500, minimum=1, maximum=EVENTS_PAGE_MAX)
        # Status first: a run seen finished here has all its events stored already.
        execution.refresh_from_db(fields=["status", "last_seq"])
        events = execution.events.filter(seq__gt=after).order_by("seq")[:limit]
        return Response({"results": [event.as_dict() for event in events], "last_seq": execution.last_seq,
                         "status": execution.status, "finished": execution.finished})

    @extend_schema(parameters=[OpenApiParameter("after", int)], responses={(200, "text/event-stream"): str})
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, EventStreamRenderer])
    def stream(self, request: Request, pk: str) -> StreamingHttpResponse:
        execution = self.get_object()
        after = request.headers.get("Last-Event-ID") or request.query_params.get("after") or "0"
        after_seq = _int_param({"after": after}, "after", 0, minimum=0, maximum=2**31)
        response = StreamingHttpResponse(_sse_events(execution.pk, after_seq), content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        return response

    @extend_schema(request=None, responses=ExecutionDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        execution = services.cancel_execution(execution=self.get_object())
        return Response(ExecutionDetailSerializer(execution).data)

    @extend_schema(responses={(200, "text/csv"): str})
    @action(detail=False, methods=["get"])
    def export(self, request: Request) -> StreamingHttpResponse:
        queryset = self.get_queryset()
        writer = csv.writer(_CsvBuffer())

        def rows() -> Iterator[str]:
            yield writer.writerow(ROW_FIELDS)
            for execution in queryset.iterator(chunk_size=500):
                data = ExecutionRowSerializer(execution).data
                yield writer.writerow(["" if data[name] is None else data[name] for name in ROW_FIELDS])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="executions.csv"'
        return response


class UsageStatsViewSet(viewsets.ViewSet):
    """GET /api/stats/usage/?days=N: per day and agent (cost is the CLI's API-equivalent figure)."""

    @extend_schema(parameters=[OpenApiParameter("days", int)], responses=UsageSerializer)
    def list(self, request: Request) -> Response:
        days = _int_param(request.query_params, "days", 7, minimum=1, maximum=stats.MAX_DAYS)
        return Response(stats.usage(days=days))


class AgentWithExecutionsViewSet(AgentViewSet):
    """The agents API plus what executions know: last run, running/queued counts, 7-day stats,
    and POST /api/agents/{folder}/run/. (agents cannot import executions, so it lives here.)"""

    def list(self, request: Request, *args, **kwargs) -> Response:
        response = super().list(request, *args, **kwargs)
        folders = [row["folder"] for row in response.data]
        ids = dict(self.get_queryset().filter(folder__in=folders).values_list("folder", "id"))
        summaries = stats.agent_summaries(list(ids.values()))
        response.data = [{**row, **summaries[ids[row["folder"]]]} for row in response.data]
        return response

    def detail_payload(self, agent) -> dict:
        return {**super().detail_payload(agent), **stats.agent_summaries([agent.pk])[agent.pk]}

    @extend_schema(request=RunRequestSerializer, responses={202: ExecutionDetailSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request: Request, folder: str) -> Response:
        enforce_rate_limit(request._request, group="runs", rate=settings.RATELIMIT_RUNS)
        agent = self.get_object()
        data = RunRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        execution = services.start_execution(agent=agent, trigger=Execution.Trigger.API,
                                             triggered_by=request.user.get_username(), **data.validated_data)
        return Response(ExecutionDetailSerializer(execution).data, status=status.HTTP_202_ACCEPTED)
