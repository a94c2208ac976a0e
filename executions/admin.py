"""Read-only admin for executions (an audit log), with actions that go through the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from executions import services
from executions.models import Execution, ExecutionEvent, WorkerHeartbeat
from orchestrator_site.errors import ServiceError

INLINE_EVENTS = 500


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ExecutionEventInline(admin.TabularInline):
    model = ExecutionEvent
    fields = ["seq", "type", "at", "payload"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = f"Events (the first {INLINE_EVENTS}; the API has them all)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExecutionEvent]:
        return super().get_queryset(request).filter(seq__lte=INLINE_EVENTS)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Execution)
class ExecutionAdmin(ReadOnlyAdmin):
    list_display = ["id", "agent", "status", "trigger", "task_preview", "created_at", "duration_ms", "total_cost_usd",
                    "commit_sha"]
    list_filter = ["status", "trigger", "agent", "created_at"]
    search_fields = ["task", "result", "session_id", "commit_sha"]
    date_hierarchy = "created_at"
    list_select_related = ["agent"]
    inlines = [ExecutionEventInline]
    actions = ["run_again", "cancel"]

    @admin.action(description="Run again (same task and options)")
    def run_again(self, request: HttpRequest, queryset: QuerySet[Execution]) -> None:
        for execution in queryset.select_related("agent"):
            try:
                new = services.start_execution(
                    agent=execution.agent, task=execution.task, trigger=Execution.Trigger.ADMIN,
                    triggered_by=request.user.get_username(), model=execution.model, max_turns=execution.max_turns,
                    timeout=execution.timeout)
            except ServiceError as exc:
                self.message_user(request, f"#{execution.pk}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"#{execution.pk} queued again as #{new.pk}.", messages.SUCCESS)

    @admin.action(description="Cancel")
    def cancel(self, request: HttpRequest, queryset: QuerySet[Execution]) -> None:
        for execution in queryset:
            try:
                services.cancel_execution(execution=execution)
            except ServiceError as exc:
                self.message_user(request, f"#{execution.pk}: {exc.message}", messages.WARNING)
            else:
                self.message_user(request, f"#{execution.pk}: cancel requested.", messages.SUCCESS)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # The actions need it; the form itself stays read-only (every field is).
        return request.user.is_staff and obj is None

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [field.name for field in Execution._meta.fields]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["worker_id", "host", "pid", "started_at", "seen_at"]
