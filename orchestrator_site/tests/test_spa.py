"""The dashboard's serving: index.html for client routes (never cached), hashed assets cached for a year."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from whitenoise.middleware import WhiteNoiseMiddleware

from tests.assertions import assert_error

FOREVER = "max-age=315360000, public, immutable"


@pytest.fixture
def dist(tmp_path, settings):
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html><title>Dashboard build</title>", encoding="utf-8")
    settings.FRONTEND_DIST = folder
    return folder


@pytest.fixture
def static_root(tmp_path, settings):
    root = tmp_path / "static"
    files = ["assets/index-Bsxc2N_x.js", "assets/index-Dbj-M8gu.css", "assets/index-Bsxc2N_x.0123456789ab.js",
             "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js", "admin/css/base.css",
             "assets/notes-v2.txt"]
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    settings.STATIC_ROOT = root
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    return root


def cache_control(path: str) -> str:
    middleware = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
    response = middleware(RequestFactory().get(path))
    assert response.status_code == 200, path
    return response["Cache-Control"]


def test_it_caches_content_hashed_assets_for_a_year(static_root):
    assert cache_control("/static/assets/index-Bsxc2N_x.js") == FOREVER
    assert cache_control("/static/assets/index-Dbj-M8gu.css") == FOREVER
    assert cache_control("/static/assets/index-Bsxc2N_x.0123456789ab.js") == FOREVER


def test_it_does_not_cache_files_without_a_hash_forever(static_root):
    for path in ("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
                 "/static/admin/css/base.css", "/static/assets/notes-v2.txt"):
        assert "immutable" not in cache_control(path), path


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/agents", "/agents/devops-engineer", "/executions/12?status=failed", "/usage"])
def test_it_answers_client_routes_with_the_uncached_index(client, dist, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.content == b"<!doctype html><title>Dashboard build</title>"
    assert response["Cache-Control"] == "no-cache, no-store, must-revalidate"
    # The dashboard's first POST (sign-in) needs the CSRF cookie this page sets.
    assert response.cookies["csrftoken"].value


@pytest.mark.django_db
def test_it_leaves_api_admin_and_static_paths_to_django(client, dist):
    assert_error(client.get("/api/no-such-endpoint/"), 404, "NOT_FOUND")
    assert client.get("/admin/").status_code == 302
    missing = client.get("/static/assets/missing-abcdefgh.js")
    assert missing.status_code == 404
    assert b"Dashboard build" not in missing.content


@pytest.mark.django_db
def test_it_says_how_to_build_the_dashboard_when_it_is_missing(client, settings, tmp_path):
    settings.FRONTEND_DIST = tmp_path / "no-build"
    response = client.get("/agents")
    assert response.status_code == 200
    assert b"make run" in response.content
    assert response["Cache-Control"] == "no-cache, no-store, must-revalidate"


@pytest.mark.django_db
def test_it_refuses_writes_to_client_routes(client, dist):
    assert client.post("/agents").status_code == 405
