"""Session sign-in for the dashboard: login (rate-limited), logout, and who am I."""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.middleware.csrf import get_token
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import CSRFCheck, SessionAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from orchestrator_site.errors import ServiceError
from orchestrator_site.ratelimits import enforce_rate_limit


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class BadCredentials(ServiceError):
    status = 400
    code = "BAD_CREDENTIALS"
    title = "Sign-in failed"


class UserSerializer(serializers.Serializer):
    username = serializers.CharField()
    is_staff = serializers.BooleanField()


def user_payload(user) -> dict:
    return {"username": user.get_username(), "is_staff": user.is_staff}


def _enforce_csrf(request) -> None:
    # DRF's API views are csrf-exempt and SessionAuthentication checks CSRF only for signed-in
    # users; a login form still deserves the check (login CSRF).
    check = CSRFCheck(lambda req: None)
    check.process_request(request)
    reason = check.process_view(request, None, (), {})
    if reason:
        raise ServiceError("Reload the page and try again (the CSRF cookie or header was missing).",
                           code="CSRF_FAILED", title="CSRF check failed")


@extend_schema(request=LoginSerializer, responses=UserSerializer)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def login(request):
    _enforce_csrf(request._request)
    enforce_rate_limit(request._request, group="login", rate=settings.RATELIMIT_LOGIN)
    data = LoginSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    user = auth.authenticate(request._request, username=data.validated_data["username"],
                             password=data.validated_data["password"])
    if user is None or not user.is_active:
        raise BadCredentials("Wrong username or password.")
    auth.login(request._request, user)
    get_token(request._request)
    return Response(user_payload(user))


@extend_schema(request=None, responses=inline_serializer("SignedOut", {"signed_out": serializers.BooleanField()}))
@api_view(["POST"])
@authentication_classes([SessionAuthentication])
@permission_classes([IsAuthenticated])
def logout(request):
    auth.logout(request._request)
    return Response({"signed_out": True})


@extend_schema(responses=UserSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request):
    get_token(request._request)
    return Response(user_payload(request.user))
