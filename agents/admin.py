from django.contrib import admin

from agents.models import Agent


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["folder", "name", "enabled", "is_missing", "deleted_at", "updated_at"]
    list_filter = ["enabled", "is_missing", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["folder", "name", "description"]
    readonly_fields = ["folder", "name", "description", "is_missing", "created_at", "updated_at", "synced_at",
                       "deleted_at", "trash_name"]
    fields = ["folder", "name", "description", "enabled", "model", "permission_mode", "allowed_tools",
              "disallowed_tools", *readonly_fields[3:]]

    def has_add_permission(self, request) -> bool:
        # Agents are folders on disk: create them through the API or by hand, then sync.
        return False
