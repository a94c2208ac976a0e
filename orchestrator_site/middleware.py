"""Request filters that run before anything else answers."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from orchestrator_site.api_errors import error_body

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class HostHeaderMiddleware:
    """Refuse any Host not in ALLOWED_HOSTS (DNS-rebinding defence), static files included.

    It must come first: whitenoise answers static files before Django ever checks the Host.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            request.get_host()
        except DisallowedHost:
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("Bad host", "DISALLOWED_HOST",
                                               "This Host header is not allowed. Use the address in ALLOWED_HOSTS."),
                                    status=400)
            return HttpResponseBadRequest("Bad Request: this Host header is not allowed.", content_type="text/plain")
        return self.get_response(request)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class ForeignOriginMiddleware:
    """Refuse unsafe requests whose Origin is neither ours nor in CORS_ORIGINS, even with a token."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.allowed = {_origin_of(origin) for origin in settings.CORS_ORIGINS}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = request.headers.get("Origin")
        if request.method in UNSAFE_METHODS and origin is not None:
            own = f"{request.scheme}://{request.get_host()}".lower()
            if origin.lower() != own and _origin_of(origin) not in self.allowed:
                return JsonResponse(error_body("Foreign origin", "FOREIGN_ORIGIN",
                                               "Requests from this origin are not allowed. "
                                               "Add it to CORS_ORIGINS if you trust it."),
                                    status=403)
        return self.get_response(request)
