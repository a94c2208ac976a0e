"""The one error shape of the API, and the one place that produces it.

    {"error": "Short title", "code": "UPPER_SNAKE", "message": "what to do", "fields": {...}}

`fields` appears only for validation errors. Nothing here ever echoes a traceback, a path,
a setting or a secret: unexpected exceptions are logged and answered with a fixed text.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django_ratelimit.exceptions import Ratelimited
from rest_framework import exceptions as drf
from rest_framework.response import Response

from orchestrator_site.errors import ServiceError, TooManyRequests

logger = logging.getLogger(__name__)


def error_body(title: str, code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": title, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    return body


def _flatten(detail: Any) -> Any:
    """DRF's ErrorDetail tree as plain strings."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(value) for value in detail]
    return str(detail)


def _validation_message(fields: Any) -> str:
    if isinstance(fields, dict) and fields:
        name, problems = next(iter(fields.items()))
        first = problems[0] if isinstance(problems, list) and problems else problems
        if isinstance(first, dict):
            return "Some fields are invalid: see fields."
        if name == "non_field_errors":
            return str(first)
        return f"{name}: {first}"
    if isinstance(fields, list) and fields:
        return str(fields[0])
    return "The request is invalid."


_DRF_ERRORS: list[tuple[type[Exception], str, str, str]] = [
    (drf.NotAuthenticated, "Not authenticated", "NOT_AUTHENTICATED",
     "Sign in, or send an API token as 'Authorization: Token <key>'."),
    (drf.AuthenticationFailed, "Authentication failed", "AUTHENTICATION_FAILED",
     "The credentials or token were not accepted. Sign in again or create a new token."),
    (drf.NotFound, "Not found", "NOT_FOUND", "Nothing exists at this address."),
    (drf.MethodNotAllowed, "Method not allowed", "METHOD_NOT_ALLOWED", ""),
    (drf.NotAcceptable, "Not acceptable", "NOT_ACCEPTABLE", "Ask for application/json."),
    (drf.UnsupportedMediaType, "Unsupported media type", "UNSUPPORTED_MEDIA_TYPE",
     "Send the request body as JSON with 'Content-Type: application/json'."),
    (drf.ParseError, "Malformed request", "PARSE_ERROR", "The request body is not valid JSON."),
]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: every exception raised in a view becomes the error shape."""
    if isinstance(exc, TooManyRequests):
        return Response(error_body(exc.title, exc.code, exc.message), status=429,
                        headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, ServiceError):
        return Response(error_body(exc.title, exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, Ratelimited):
        return Response(error_body("Too many requests", "RATE_LIMITED", "Slow down and try again in a minute."),
                        status=429, headers={"Retry-After": "60"})
    if isinstance(exc, drf.ValidationError):
        fields = _flatten(exc.detail)
        if not isinstance(fields, dict):
            fields = {"non_field_errors": fields if isinstance(fields, list) else [fields]}
        return Response(error_body("Invalid input", "VALIDATION_ERROR", _validation_message(fields), fields),
                        status=400)
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    if isinstance(exc, drf.Throttled):
        wait = int(exc.wait or 60)
        return Response(error_body("Too many requests", "RATE_LIMITED", f"Try again in {wait} seconds."),
                        status=429, headers={"Retry-After": str(wait)})
    if isinstance(exc, drf.PermissionDenied):
        detail = str(exc.detail)
        if detail == str(drf.PermissionDenied.default_detail):
            detail = "You do not have permission to do this."
        return Response(error_body("Permission denied", "PERMISSION_DENIED", detail), status=403)
    for kind, title, code, message in _DRF_ERRORS:
        if isinstance(exc, kind):
            headers = {}
            if isinstance(exc, drf.APIException):
                auth_header = getattr(exc, "auth_header", None)
                if auth_header:
                    headers["WWW-Authenticate"] = auth_header
            if isinstance(exc, drf.MethodNotAllowed):
                message = f"{context['request'].method} is not allowed here."
            return Response(error_body(title, code, message), status=exc.status_code, headers=headers)
    if isinstance(exc, drf.APIException):
        return Response(error_body("Request failed", "REQUEST_FAILED", "The request could not be completed."),
                        status=exc.status_code)
    logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
    return Response(error_body("Server error", "SERVER_ERROR",
                               "Something went wrong on the server. It has been logged; try again."),
                    status=500)


def _json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None):
    if _json(request):
        return JsonResponse(error_body("Not found", "NOT_FOUND", "Nothing exists at this address."), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def server_error(request: HttpRequest):
    if _json(request):
        return JsonResponse(error_body("Server error", "SERVER_ERROR",
                                       "Something went wrong on the server. It has been logged; try again."),
                            status=500)
    from django.views.defaults import server_error as default

    return default(request)


def bad_request(request: HttpRequest, exception: Exception | None = None):
    if _json(request):
        return JsonResponse(error_body("Bad request", "BAD_REQUEST", "The request was refused."), status=400)
    from django.views.defaults import bad_request as default

    return default(request, exception)


def permission_denied(request: HttpRequest, exception: Exception | None = None):
    if isinstance(exception, Ratelimited):
        return ratelimited_view(request, exception)
    if _json(request):
        return JsonResponse(error_body("Permission denied", "PERMISSION_DENIED",
                                       "You do not have permission to do this."), status=403)
    from django.views.defaults import permission_denied as default

    return default(request, exception)


def csrf_failure(request: HttpRequest, reason: str = ""):
    return JsonResponse(error_body("CSRF check failed", "CSRF_FAILED",
                                   "Reload the page and try again (the CSRF cookie or header was missing)."),
                        status=403)


def ratelimited_view(request: HttpRequest, exception: Exception | None = None):
    response = JsonResponse(error_body("Too many requests", "RATE_LIMITED", "Slow down and try again in a minute."),
                            status=429)
    response["Retry-After"] = "60"
    return response
