from __future__ import annotations

import re
from urllib.parse import urlsplit

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents.models import FOLDER_MAX_LENGTH
from mcp.models import NAME_MAX_LENGTH, NAME_PATTERN, McpServer
from orchestrator_site.viewsets import StrictSerializer

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
MAX_ARGS = 100
MAX_PAIRS = 50
MAX_TEXT = 4000


class McpServerSerializer(serializers.ModelSerializer):
    """A server row. Context: `agent` (the Agent the list is for, or None) and `reported`
    ({agent id: Reported}); effective and reported_status are relative to that agent."""

    agent = serializers.SerializerMethodField()
    effective = serializers.SerializerMethodField()
    disabled_by = serializers.SerializerMethodField()
    managed = serializers.BooleanField(source="is_managed", read_only=True)
    checking = serializers.SerializerMethodField()
    reported_status = serializers.SerializerMethodField()
    reported_at = serializers.SerializerMethodField()

    class Meta:
        model = McpServer
        fields = ["id", "agent", "name", "scope", "transport", "command", "args", "url", "env_names", "header_names",
                  "source", "effective", "disabled_by", "overridden_in", "managed", "status", "checked_at",
                  "latency_ms", "server_name", "server_version", "protocol_version", "tools", "last_error", "checking",
                  "reported_status", "reported_at", "discovered_at"]
        read_only_fields = fields

    def get_agent(self, server: McpServer) -> str | None:
        return server.agent.folder if server.agent_id else None

    def _viewer(self, server: McpServer):
        """The agent whose point of view applies: the row's own, or the list's for user rows."""
        return server.agent if server.agent_id else self.context.get("agent")

    def get_effective(self, server: McpServer) -> bool:
        viewer = self.context.get("agent")
        if server.agent_id is None and viewer is not None:
            return viewer.folder not in server.overridden_in
        return server.effective

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_disabled_by(self, server: McpServer) -> str | None:
        return server.disabled_by or None

    def get_checking(self, server: McpServer) -> bool:
        return server.probing_since is not None

    def _report(self, server: McpServer):
        viewer = self._viewer(server)
        if viewer is None or not self.get_effective(server):
            return None
        return self.context.get("reported", {}).get(viewer.pk)

    def get_reported_status(self, server: McpServer) -> str | None:
        report = self._report(server)
        return report.status_of(server.name, server.scope) if report else None

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_reported_at(self, server: McpServer) -> str | None:
        report = self._report(server)
        if report is None or report.status_of(server.name, server.scope) is None:
            return None
        return serializers.DateTimeField().to_representation(report.at)


class TextField(serializers.CharField):
    """A string, and only a string: DRF's CharField turns 1 or true into "1"/"True"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TextRegexField(serializers.RegexField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def _check_text(value: str, what: str) -> str:
    if "\x00" in value:
        raise serializers.ValidationError(f"{what} contains a NUL character.")
    return value


class McpServerCreateSerializer(StrictSerializer):
    agent = TextField(max_length=FOLDER_MAX_LENGTH)
    name = TextRegexField(NAME_PATTERN, max_length=NAME_MAX_LENGTH,
                                  error_messages={"invalid": "Use only letters, digits, '_' and '-'."})
    transport = serializers.ChoiceField(choices=McpServer.Transport.choices)
    scope = serializers.ChoiceField(choices=McpServer.Scope.choices, required=False, default="project")
    command = TextField(max_length=1000, required=False, trim_whitespace=False)
    args = serializers.ListField(child=TextField(max_length=MAX_TEXT, allow_blank=True,
                                                             trim_whitespace=False),
                                 max_length=MAX_ARGS, required=False)
    env = serializers.DictField(child=TextField(max_length=MAX_TEXT, allow_blank=True,
                                                            trim_whitespace=False), required=False)
    url = TextField(max_length=2000, required=False)
    headers = serializers.DictField(child=TextField(max_length=MAX_TEXT, allow_blank=True,
                                                                trim_whitespace=False), required=False)

    def validate_command(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("Give the program to run, e.g. npx or /usr/local/bin/server.")
        return _check_text(value, "The command")

    def validate_args(self, value: list[str]) -> list[str]:
        return [_check_text(arg, "An argument") for arg in value]

    def validate_env(self, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_PAIRS:
            raise serializers.ValidationError(f"At most {MAX_PAIRS} variables.")
        for name, text in value.items():
            if not ENV_NAME.fullmatch(name):
                raise serializers.ValidationError(f"{name[:40]!r} is not an environment variable name.")
            _check_text(text, "A value")
        return value

    def validate_headers(self, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_PAIRS:
            raise serializers.ValidationError(f"At most {MAX_PAIRS} headers.")
        for name, text in value.items():
            if not HEADER_NAME.fullmatch(name):
                raise serializers.ValidationError(f"{name[:40]!r} is not an HTTP header name.")
            if any(char in text for char in "\r\n\x00"):
                raise serializers.ValidationError(f"The value of {name[:40]} contains a line break or NUL.")
        return value

    def validate_url(self, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc or any(c.isspace() for c in value):
            raise serializers.ValidationError("Use an http:// or https:// address.")
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs["transport"] == McpServer.Transport.STDIO:
            wrong = [key for key in ("url", "headers") if key in attrs]
            if "command" not in attrs:
                raise serializers.ValidationError({"command": ["A stdio server needs a command."]})
        else:
            wrong = [key for key in ("command", "args", "env") if key in attrs]
            if "url" not in attrs:
                raise serializers.ValidationError({"url": [f"A {attrs['transport']} server needs a url."]})
        if wrong:
            raise serializers.ValidationError({key: [f"Not used by a {attrs['transport']} server."] for key in wrong})
        return attrs


class ConfirmSerializer(StrictSerializer):
    confirm = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=200)


class ProblemSerializer(serializers.Serializer):
    agent = serializers.CharField(allow_null=True)
    source = serializers.CharField()
    message = serializers.CharField()
