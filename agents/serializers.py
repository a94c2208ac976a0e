from __future__ import annotations

from django.core.validators import RegexValidator
from rest_framework import serializers

from agents.models import FOLDER_MAX_LENGTH, Agent, folder_validator, model_validator, tool_rule_validator
from agents.prompt import MAX_PROMPT_BYTES
from orchestrator_site.viewsets import StrictSerializer, TextField

_PROMPT_CHARS = MAX_PROMPT_BYTES


class AgentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agent
        fields = ["folder", "name", "description", "enabled", "is_missing", "model", "permission_mode",
                  "allowed_tools", "disallowed_tools", "created_at", "updated_at", "synced_at"]
        read_only_fields = fields


class AgentDetailSerializer(AgentSerializer):
    prompt = serializers.CharField(read_only=True, allow_null=True)
    prompt_revision = serializers.CharField(read_only=True, allow_null=True)
    prompt_sha256 = serializers.CharField(read_only=True, allow_null=True)

    class Meta(AgentSerializer.Meta):
        fields = [*AgentSerializer.Meta.fields, "prompt", "prompt_revision", "prompt_sha256"]
        read_only_fields = fields


class AgentCreateSerializer(StrictSerializer):
    folder = TextField(max_length=FOLDER_MAX_LENGTH, validators=[folder_validator], trim_whitespace=False)
    name = TextField(max_length=200, required=False, allow_blank=True)
    prompt = TextField(max_length=_PROMPT_CHARS, trim_whitespace=False)


class AgentUpdateSerializer(StrictSerializer):
    name = TextField(max_length=200, required=False)
    prompt = TextField(max_length=_PROMPT_CHARS, required=False, trim_whitespace=False)
    enabled = serializers.BooleanField(required=False)
    model = TextField(max_length=100, required=False, allow_blank=True, validators=[model_validator])
    permission_mode = serializers.ChoiceField(choices=Agent.PermissionMode.choices, required=False, allow_blank=True)
    allowed_tools = serializers.ListField(child=TextField(validators=[tool_rule_validator]),
                                          max_length=100, required=False)
    disallowed_tools = serializers.ListField(child=TextField(validators=[tool_rule_validator]),
                                             max_length=100, required=False)
    # The prompt_sha256 the editor loaded: a rewrite is refused (409) if CLAUDE.md changed since.
    base_prompt_sha256 = TextField(required=False, validators=[RegexValidator(r"^[0-9a-f]{64}$",
                                                                               "Send the prompt_sha256 you loaded.")])

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not set(attrs) - {"base_prompt_sha256"}:
            raise serializers.ValidationError({"non_field_errors": ["Send at least one field to change."]})
        return attrs


class DeleteConfirmationSerializer(StrictSerializer):
    """The body of a DELETE: {"confirm": "<the exact name>"}; the service checks that it matches."""

    confirm = TextField(required=False, allow_blank=True, trim_whitespace=False, max_length=200)
