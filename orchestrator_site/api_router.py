"""Every API viewset, registered on one router: the wiring between apps lives here."""

from rest_framework.routers import DefaultRouter

from agents.views import AgentViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("agents", AgentViewSet, basename="agent")
