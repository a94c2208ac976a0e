"""Domain errors shared by every app's services.

Services raise these (never DRF exceptions); `api_errors.exception_handler` turns each one
into the single error shape, and commands turn them into `CommandError`.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 400
    code = "BAD_REQUEST"
    title = "Bad request"

    def __init__(self, message: str, *, fields: dict[str, Any] | None = None, code: str | None = None,
                 title: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields
        if code is not None:
            self.code = code
        if title is not None:
            self.title = title


class InvalidInput(ServiceError):
    status = 400
    code = "VALIDATION_ERROR"
    title = "Invalid input"


class ConfirmationRequired(ServiceError):
    status = 400
    code = "CONFIRMATION_REQUIRED"
    title = "Confirmation required"


class NotFound(ServiceError):
    status = 404
    code = "NOT_FOUND"
    title = "Not found"


class Conflict(ServiceError):
    status = 409
    code = "CONFLICT"
    title = "Conflict"


class TooManyRequests(ServiceError):
    status = 429
    code = "RATE_LIMITED"
    title = "Too many requests"

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class Unavailable(ServiceError):
    status = 503
    code = "UNAVAILABLE"
    title = "Service unavailable"
