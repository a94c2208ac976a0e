"""The base every API viewset builds on: strict input, rate-limited writes, services do the work."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from orchestrator_site.ratelimits import RateLimitedMutationsMixin


class TextField(serializers.CharField):
    """A CharField that takes only JSON strings (DRF's own turns 42 into "42")."""

    default_error_messages = {"not_text": "Send a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know, so a typo is an error instead of silently ignored."""

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields)) if isinstance(self.initial_data, dict) else []
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().validate(attrs)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        return super().to_internal_value(data)


class ApiViewSet(RateLimitedMutationsMixin, viewsets.GenericViewSet):
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
