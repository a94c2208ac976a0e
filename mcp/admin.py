from django.contrib import admin, messages

from mcp import services
from mcp.models import McpServer
from orchestrator_site.errors import ServiceError


@admin.register(McpServer)
class McpServerAdmin(admin.ModelAdmin):
    """Read-only: entries live in .mcp.json / ~/.claude.json; edit them there or through the API.
    The one action runs the same probe as POST /api/mcp-servers/{id}/check/."""

    list_display = ["name", "agent", "scope", "transport", "effective", "disabled_by", "status", "checked_at",
                    "latency_ms"]
    list_filter = ["scope", "transport", "status", "effective"]
    search_fields = ["name", "agent__folder", "command", "url", "server_name"]
    list_select_related = ["agent"]
    actions = ["check_selected"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Check the selected MCP servers now")
    def check_selected(self, request, queryset) -> None:
        for server in queryset.select_related("agent"):
            try:
                checked = services.check_server(server=server)
            except ServiceError as exc:
                self.message_user(request, f"{server}: {exc.message}", messages.WARNING)
                continue
            level = messages.SUCCESS if checked.status == McpServer.Status.OK else messages.ERROR
            detail = f"{len(checked.tools)} tools" if checked.status == McpServer.Status.OK else checked.last_error
            self.message_user(request, f"{server}: {checked.status} ({detail})", level)
