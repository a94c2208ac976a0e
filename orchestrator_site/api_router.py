"""Every API viewset, registered on one router: the wiring between apps lives here."""

from rest_framework.routers import DefaultRouter

from agents.views import AgentViewSet
from mcp.views import McpServerViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("agents", AgentViewSet, basename="agent")
router.register("mcp-servers", McpServerViewSet, basename="mcp-server")
