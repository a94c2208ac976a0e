from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from agents import services
from agents.models import Agent
from agents.serializers import (
    AgentCreateSerializer,
    AgentDetailSerializer,
    AgentSerializer,
    AgentUpdateSerializer,
    DeleteConfirmationSerializer,
)
from orchestrator_site.viewsets import ApiViewSet


class AgentViewSet(mixins.ListModelMixin, ApiViewSet):
    """Agents under AGENTS_ROOT. Reads for any signed-in user, writes for staff."""

    queryset = Agent.objects.visible()
    serializer_class = AgentSerializer
    lookup_field = "folder"
    lookup_value_regex = "[^/]+"
    pagination_class = None

    def get_object(self) -> Agent:
        return services.get_agent(self.kwargs["folder"])

    def detail_payload(self, agent: Agent) -> dict:
        agent.prompt = services.read_prompt(agent)
        agent.prompt_revision = services.prompt_revision(agent)
        agent.prompt_sha256 = services.prompt_digest(agent.prompt)
        return AgentDetailSerializer(agent, context=self.get_serializer_context()).data

    def retrieve(self, request, folder: str):
        return Response(self.detail_payload(self.get_object()))

    @extend_schema(request=AgentCreateSerializer, responses={201: AgentDetailSerializer})
    def create(self, request):
        data = AgentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agent = services.create_agent(**data.validated_data)
        return Response(self.detail_payload(agent), status=status.HTTP_201_CREATED)

    @extend_schema(request=AgentUpdateSerializer, responses={200: AgentDetailSerializer})
    def partial_update(self, request, folder: str):
        agent = self.get_object()
        data = AgentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agent = services.update_agent(agent=agent, **data.validated_data)
        return Response(self.detail_payload(agent))

    @extend_schema(request=DeleteConfirmationSerializer, responses={200: AgentSerializer})
    def destroy(self, request, folder: str):
        agent = self.get_object()
        data = DeleteConfirmationSerializer(data=request.data if request.data else {})
        data.is_valid(raise_exception=True)
        agent = services.delete_agent(agent=agent, confirm=data.validated_data.get("confirm"))
        body = AgentSerializer(agent).data
        body["trash"] = agent.trash_name
        return Response(body)

    @extend_schema(request=None)
    @action(detail=False, methods=["post"])
    def sync(self, request):
        return Response(services.sync_agents().as_dict())
