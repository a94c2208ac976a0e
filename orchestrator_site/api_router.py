"""Every API viewset, registered on one router: the wiring between apps lives here."""

from rest_framework.routers import DefaultRouter

from executions.views import AgentWithExecutionsViewSet, ExecutionViewSet, UsageStatsViewSet
from mcp.views import McpServerViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("agents", AgentWithExecutionsViewSet, basename="agent")
router.register("executions", ExecutionViewSet, basename="execution")
router.register("stats/usage", UsageStatsViewSet, basename="usage-stats")
router.register("mcp-servers", McpServerViewSet, basename="mcp-server")
