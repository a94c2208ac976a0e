"""Session sign-in for the dashboard, API tokens for scripts."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.assertions import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    """A client that checks CSRF like a browser session does."""
    client = APIClient(enforce_csrf_checks=True)
    client.get("/")  # the dashboard page sets the CSRF cookie
    return client


def csrf(client) -> dict[str, str]:
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


def test_it_signs_in_and_out_with_a_session(browser, staff_user):
    response = browser.post("/api/auth/login/", {"username": "sam-staff", "password": "staff-pass-123"},
                            format="json", **csrf(browser))
    assert response.status_code == 200
    assert response.json() == {"username": "sam-staff", "is_staff": True}
    assert browser.get("/api/auth/me/").json() == {"username": "sam-staff", "is_staff": True}
    assert browser.get("/api/agents/").status_code == 200
    assert browser.post("/api/auth/logout/", format="json", **csrf(browser)).status_code == 200
    assert_error(browser.get("/api/auth/me/"), 401, "NOT_AUTHENTICATED")
    assert_error(browser.get("/api/agents/"), 401, "NOT_AUTHENTICATED")


def test_bad_credentials_get_a_clear_message(browser, staff_user):
    response = browser.post("/api/auth/login/", {"username": "sam-staff", "password": "wrong"}, format="json",
                            **csrf(browser))
    body = assert_error(response, 400, "BAD_CREDENTIALS")
    assert body["message"] == "Wrong username or password."


def test_sign_in_needs_the_csrf_token(staff_user):
    client = APIClient(enforce_csrf_checks=True)
    response = client.post("/api/auth/login/", {"username": "sam-staff", "password": "staff-pass-123"},
                           format="json")
    assert_error(response, 400, "CSRF_FAILED")


def test_sign_in_refuses_bad_input(browser):
    body = assert_error(browser.post("/api/auth/login/", {"username": "x"}, format="json", **csrf(browser)), 400,
                        "VALIDATION_ERROR")
    assert "password" in body["fields"]


def test_sign_in_attempts_are_rate_limited(browser, staff_user, settings):
    settings.RATELIMIT_LOGIN = "3/m"
    for _ in range(3):
        browser.post("/api/auth/login/", {"username": "sam-staff", "password": "wrong"}, format="json",
                     **csrf(browser))
    response = browser.post("/api/auth/login/", {"username": "sam-staff", "password": "staff-pass-123"},
                            format="json", **csrf(browser))
    assert_error(response, 429, "RATE_LIMITED")
    assert int(response["Retry-After"]) >= 1


def test_who_am_i_needs_a_session_or_token(anon_client):
    assert_error(anon_client.get("/api/auth/me/"), 401, "NOT_AUTHENTICATED")


def test_drf_create_token_gives_a_working_api_token(staff_user, anon_client):
    out = io.StringIO()
    call_command("drf_create_token", "sam-staff", stdout=out)
    key = out.getvalue().split()[2]
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert anon_client.get("/api/agents/").status_code == 200


def test_ensure_admin_creates_one_admin_once_and_keeps_the_login_private(settings, tmp_path, anon_client):
    settings.ORCHESTRATOR_HOME = tmp_path
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    text = out.getvalue()
    assert "username: admin" in text
    credentials = (tmp_path / "admin-credentials").read_text()
    assert (tmp_path / "admin-credentials").stat().st_mode & 0o777 == 0o600
    token = credentials.split("api token: ")[1].strip()
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon_client.get("/api/agents/").status_code == 200
    again = io.StringIO()
    call_command("ensure_admin", stdout=again)
    assert "exists already" in again.getvalue()
    assert "password" not in again.getvalue()


def test_the_admin_lists_agents_with_search_and_filters(make_agent, django_user_model):
    make_agent("devops")
    make_agent("qa")
    admin = django_user_model.objects.create_superuser("root-admin", password="pw-admin-123")
    client = APIClient()
    client.force_login(admin)
    page = client.get("/admin/agents/agent/?q=devops&enabled__exact=1")
    assert page.status_code == 200
    html = page.content.decode()
    assert "devops" in html
    assert ">qa<" not in html


def test_the_schema_and_its_docs_page_need_sign_in(anon_client, reader_client):
    assert_error(anon_client.get("/api/schema/?format=json"), 401, "NOT_AUTHENTICATED")
    schema = reader_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/agents/" in schema.content.decode()
    assert reader_client.get("/api/schema/docs/").status_code == 200
