"""Host header, foreign origins, CORS, CSRF, parsers, rate limits, and errors that leak nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from agents.models import Agent
from orchestrator_site.api_errors import exception_handler, server_error
from tests.assertions import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def static_client(settings):
    # Let whitenoise find the admin's files without a collectstatic run; the client is made after
    # the settings change, so its middleware sees them.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    return Client()


@pytest.mark.parametrize("path", ["/", "/agents/devops", "/api/health", "/api/agents/", "/admin/login/",
                                  "/static/admin/css/base.css"])
def test_a_foreign_host_header_is_refused_everywhere(static_client, path):
    response = static_client.get(path, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Access-Control-Allow-Origin" not in response


def test_static_files_are_served_to_our_own_host_without_a_wildcard_origin(static_client):
    response = static_client.get("/static/admin/css/base.css", HTTP_HOST="127.0.0.1:5111",
                                 HTTP_ORIGIN="http://evil.example")
    assert response.status_code == 200
    assert response.get("Access-Control-Allow-Origin") is None


def test_a_foreign_host_gets_the_error_shape_on_the_api(static_client):
    assert_error(static_client.get("/api/agents/", HTTP_HOST="evil.example"), 400, "DISALLOWED_HOST")


def test_a_foreign_origin_cannot_write_even_with_a_valid_token(staff_client, agents_root):
    response = staff_client.post("/api/agents/", {"folder": "x", "prompt": "p"}, format="json",
                                 HTTP_ORIGIN="http://evil.example")
    assert_error(response, 403, "FOREIGN_ORIGIN")
    response = staff_client.post("/api/agents/", {"folder": "x", "prompt": "p"}, format="json", HTTP_ORIGIN="null")
    assert_error(response, 403, "FOREIGN_ORIGIN")
    assert not (agents_root / "x").exists()
    assert not Agent.objects.exists()


def test_our_own_origin_and_configured_origins_may_write(staff_user, settings, agents_root):
    settings.CORS_ORIGINS = ["http://localhost:5173"]
    client = APIClient()
    client.force_authenticate(staff_user)
    own = client.post("/api/agents/", {"folder": "own", "prompt": "p"}, format="json",
                      HTTP_ORIGIN="http://testserver")
    assert own.status_code == 201, own.content
    vite = client.post("/api/agents/", {"folder": "vite", "prompt": "p"}, format="json",
                       HTTP_ORIGIN="http://localhost:5173")
    assert vite.status_code == 201, vite.content


def test_cors_headers_go_only_to_configured_origins(reader_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:5173"]
    allowed = reader_client.get("/api/agents/", HTTP_ORIGIN="http://localhost:5173")
    assert allowed["Access-Control-Allow-Origin"] == "http://localhost:5173"
    foreign = reader_client.get("/api/agents/", HTTP_ORIGIN="http://evil.example")
    assert "Access-Control-Allow-Origin" not in foreign


def test_a_session_write_without_the_csrf_token_is_refused(staff_user, agents_root):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.post("/api/agents/", {"folder": "x", "prompt": "p"}, format="json")
    assert_error(response, 403, "PERMISSION_DENIED")
    assert "CSRF" in response.json()["message"]
    assert not (agents_root / "x").exists()


def test_only_json_bodies_are_parsed(staff_client, agents_root):
    response = staff_client.post("/api/agents/", {"folder": "x", "prompt": "p"}, format="multipart")
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert not (agents_root / "x").exists()


def test_mutations_are_rate_limited_with_retry_after(staff_client, settings, agents_root):
    settings.RATELIMIT_MUTATIONS = "2/m"
    for folder in ("one", "two"):
        assert staff_client.post("/api/agents/", {"folder": folder, "prompt": "p"}, format="json").status_code == 201
    response = staff_client.post("/api/agents/", {"folder": "three", "prompt": "p"}, format="json")
    assert_error(response, 429, "RATE_LIMITED")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert not (agents_root / "three").exists()
    # Reads are not counted.
    assert staff_client.get("/api/agents/").status_code == 200


def test_unknown_api_paths_answer_in_the_error_shape(reader_client):
    assert_error(reader_client.get("/api/nothing-here/"), 404, "NOT_FOUND")
    assert_error(reader_client.get("/api/agents/devops/nothing/"), 404, "NOT_FOUND")


def test_an_unexpected_error_leaks_no_detail(rf):
    request = rf.get("/api/agents/")
    secret = "token=abc123 at /home/someone/.orchestrator/secret_key"
    response = exception_handler(RuntimeError(secret), {"view": None, "request": request})
    assert response.status_code == 500
    assert response.data == {"error": "Server error", "code": "SERVER_ERROR",
                             "message": "Something went wrong on the server. It has been logged; try again."}
    page = server_error(rf.get("/api/agents/"))
    assert page.status_code == 500
    assert b"SERVER_ERROR" in page.content
    assert b"Traceback" not in page.content


def test_responses_carry_no_settings_or_paths(reader_client, make_agent, settings):
    make_agent("devops")
    for path in ("/api/agents/", "/api/agents/devops/", "/api/agents/nobody/", "/api/health"):
        text = reader_client.get(path).content.decode()
        assert str(settings.AGENTS_ROOT) not in text
        assert str(settings.ORCHESTRATOR_HOME) not in text
        assert settings.SECRET_KEY not in text
