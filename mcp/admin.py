from django.contrib import admin

from mcp.models import McpServer


@admin.register(McpServer)
class McpServerAdmin(admin.ModelAdmin):
    """Read-only: entries live in .mcp.json / ~/.claude.json; edit them there or through the API."""

    list_display = ["name", "agent", "scope", "transport", "effective", "status", "checked_at", "latency_ms"]
    list_filter = ["scope", "transport", "status", "effective"]
    search_fields = ["name", "agent__folder", "command", "url", "server_name"]
    list_select_related = ["agent"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
