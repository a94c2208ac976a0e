from __future__ import annotations

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from agents.services import get_agent
from mcp import services
from mcp.models import McpServer
from mcp.reported import latest_reports
from mcp.serializers import ConfirmSerializer, McpServerCreateSerializer, McpServerSerializer, ProblemSerializer
from orchestrator_site.viewsets import ApiViewSet

AGENT_PARAMETER = OpenApiParameter("agent", str, description="An agent folder: its servers and the user scope.")


class McpServerViewSet(mixins.ListModelMixin, ApiViewSet):
    """MCP servers as Claude Code loads them per agent. Reads for any signed-in user; adding,
    removing, checking and syncing for staff."""

    queryset = McpServer.objects.visible().select_related("agent")
    serializer_class = McpServerSerializer
    pagination_class = None

    def get_object(self) -> McpServer:
        return services.get_server(self.kwargs["pk"])

    def render(self, servers: list[McpServer], *, agent=None, many: bool = True):
        viewers = {server.agent_id for server in servers if server.agent_id}
        if agent is not None:
            viewers.add(agent.pk)
        context = {**self.get_serializer_context(), "agent": agent, "reported": latest_reports(viewers)}
        return McpServerSerializer(servers if many else servers[0], many=many, context=context).data

    @extend_schema(parameters=[AGENT_PARAMETER])
    def list(self, request):
        queryset = self.get_queryset()
        agent = None
        folder = request.query_params.get("agent")
        if folder is not None:
            agent = get_agent(folder)
            queryset = queryset.filter(Q(agent=agent) | Q(agent__isnull=True))
        return Response(self.render(list(queryset), agent=agent))

    def retrieve(self, request, pk: str):
        return Response(self.render([self.get_object()], many=False))

    @extend_schema(request=McpServerCreateSerializer, responses={201: McpServerSerializer})
    def create(self, request):
        data = McpServerCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        agent = get_agent(fields.pop("agent"))
        server = services.add_server(agent=agent, **fields)
        return Response(self.render([server], many=False), status=status.HTTP_201_CREATED)

    @extend_schema(request=ConfirmSerializer, responses={200: McpServerSerializer})
    def destroy(self, request, pk: str):
        server = self.get_object()
        data = ConfirmSerializer(data=request.data if request.data else {})
        data.is_valid(raise_exception=True)
        body = self.render([server], many=False)
        services.remove_server(server=server, confirm=data.validated_data.get("confirm"))
        return Response(body)

    @extend_schema(request=None, responses={200: McpServerSerializer})
    @action(detail=True, methods=["post"])
    def check(self, request, pk: str):
        server = services.check_server(server=self.get_object())
        return Response(self.render([server], many=False))

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def sync(self, request):
        return Response(services.discover_servers().as_dict())

    @extend_schema(parameters=[AGENT_PARAMETER], responses={200: ProblemSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def problems(self, request):
        problems = services.config_problems()
        folder = request.query_params.get("agent")
        if folder is not None:
            agent = get_agent(folder)
            problems = [problem for problem in problems if problem.agent in {None, agent.folder}]
        return Response([problem.as_dict() for problem in problems])
