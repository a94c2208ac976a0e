from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from executions.models import Execution
from orchestrator_site.viewsets import StrictSerializer

ROW_FIELDS = ["id", "agent", "agent_name", "status", "trigger", "task_preview", "model", "created_at", "started_at",
              "finished_at", "duration_ms", "total_cost_usd", "input_tokens", "output_tokens", "cache_read_tokens",
              "cache_creation_tokens", "num_turns", "is_error", "exit_code", "truncated", "commit_sha"]


class ExecutionRowSerializer(serializers.ModelSerializer):
    """A list row: no big text (the task is cut to 200 characters)."""

    agent = serializers.CharField(source="agent.folder", read_only=True)
    agent_name = serializers.CharField(source="agent.name", read_only=True)
    task_preview = serializers.SerializerMethodField()
    total_cost_usd = serializers.FloatField(read_only=True, allow_null=True,
                                            help_text="The CLI's API-equivalent cost figure, in USD.")

    class Meta:
        model = Execution
        fields = ROW_FIELDS
        read_only_fields = fields

    def get_task_preview(self, execution: Execution) -> str:
        # The list annotates the first 200 characters and defers the full task.
        head = getattr(execution, "task_head", None)
        return head if head is not None else execution.task_preview


class ExecutionOptionsSerializer(serializers.Serializer):
    model = serializers.CharField()
    max_turns = serializers.IntegerField(allow_null=True)
    timeout = serializers.IntegerField()


class ExecutionDetailSerializer(ExecutionRowSerializer):
    options = serializers.SerializerMethodField()

    class Meta(ExecutionRowSerializer.Meta):
        fields = [*ROW_FIELDS, "task", "result", "errors", "subtype", "session_id", "error_message",
                  "permission_denials", "argv", "worker_host", "pid", "heartbeat_at", "prompt_revision", "options",
                  "resume_session_id", "last_seq", "triggered_by", "cancel_requested_at", "output_bytes"]
        read_only_fields = fields

    @extend_schema_field(ExecutionOptionsSerializer)
    def get_options(self, execution: Execution) -> dict[str, object]:
        return {"model": execution.model, "max_turns": execution.max_turns, "timeout": execution.timeout}


class RunRequestSerializer(StrictSerializer):
    """The body of POST /api/agents/{folder}/run/. Shapes here; ranges and rules in the service."""

    task = serializers.CharField(trim_whitespace=False, allow_blank=True)
    model = serializers.CharField(required=False, allow_blank=True, max_length=100)
    max_turns = serializers.IntegerField(required=False, allow_null=True)
    timeout = serializers.IntegerField(required=False, allow_null=True)
    resume_session_id = serializers.CharField(required=False, allow_blank=True, max_length=64)


class EventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    type = serializers.CharField()
    payload = serializers.JSONField()
    at = serializers.DateTimeField()


class EventPageSerializer(serializers.Serializer):
    results = EventSerializer(many=True)
    last_seq = serializers.IntegerField()
    status = serializers.CharField()
    finished = serializers.BooleanField()


class UsageRowSerializer(serializers.Serializer):
    date = serializers.DateField()
    agent = serializers.CharField()
    runs = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    cost_usd = serializers.FloatField(help_text="The CLI's API-equivalent cost figure, in USD.")
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    cache_read_tokens = serializers.IntegerField()
    cache_creation_tokens = serializers.IntegerField()


class UsageTotalsSerializer(serializers.Serializer):
    runs = serializers.IntegerField()
    cost_usd = serializers.FloatField()
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()


class UsageSerializer(serializers.Serializer):
    """The shape of GET /api/stats/usage/ (for the schema)."""

    days = serializers.IntegerField()
    since = serializers.DateField()
    cost_label = serializers.CharField()
    rows = UsageRowSerializer(many=True)
    totals = UsageTotalsSerializer()
