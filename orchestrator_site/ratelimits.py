"""Rate limits on mutating requests, enforced inside DRF so a refusal gets the error shape."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from rest_framework.permissions import SAFE_METHODS

from orchestrator_site.errors import TooManyRequests


def _key(group: str, request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def enforce_rate_limit(request: HttpRequest, *, group: str, rate: str) -> None:
    """Count this request against `group`; raises TooManyRequests past `rate`."""
    usage = get_usage(request, group=group, key=_key, rate=rate, increment=True)
    if usage is not None and usage["should_limit"]:
        retry_after = max(1, int(usage["time_left"]))
        raise TooManyRequests(f"Too many requests: at most {rate}. Try again in {retry_after} seconds.",
                              retry_after=retry_after)


class RateLimitedMutationsMixin:
    """For viewsets: unsafe methods count against RATELIMIT_MUTATIONS, per user."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in SAFE_METHODS:
            enforce_rate_limit(request._request, group="mutations", rate=settings.RATELIMIT_MUTATIONS)
