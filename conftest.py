"""Fixtures shared by every app's tests: personas, an AGENTS_ROOT per test, and the environment
for the real subprocesses (db_worker, gunicorn, run_agent) that tests start."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

REPO = Path(__file__).resolve().parent
FAKES = REPO / "tests" / "fakes"


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` run only when the database is PostgreSQL (CI always has it).

    They are deselected, not skipped, elsewhere: a skip in CI would hide a failure."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    keep = [item for item in items if item.get_closest_marker("postgres") is None]
    dropped = [item for item in items if item.get_closest_marker("postgres") is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(autouse=True)
def agents_root(tmp_path, settings) -> Path:
    """A fresh AGENTS_ROOT and trash for every test."""
    root = tmp_path / "agents"
    root.mkdir()
    settings.AGENTS_ROOT = root
    settings.TRASH_DIR = tmp_path / "trash"
    settings.AGENTS_SEED_EXAMPLES = False
    return root


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.user = user
    return client


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user(username="sam-staff", password="staff-pass-123", is_staff=True)


@pytest.fixture
def reader_user(django_user_model):
    return django_user_model.objects.create_user(username="rita-reader", password="reader-pass-123")


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    """Sam, a staff user: may change things."""
    return _client_for(staff_user)


@pytest.fixture
def reader_client(reader_user) -> APIClient:
    """Rita, signed in but not staff: may only read."""
    return _client_for(reader_user)


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def make_agent(agents_root) -> Callable[..., object]:
    """Create an agent folder on disk and index it; returns the Agent."""
    from agents.models import Agent

    def make(folder: str = "devops", prompt: str | None = None, **fields) -> Agent:
        path = agents_root / folder
        path.mkdir()
        text = prompt if prompt is not None else f"# {folder.title()}\n\nYou are {folder}.\n"
        (path / "CLAUDE.md").write_text(text, encoding="utf-8")
        return Agent.objects.create(folder=folder, name=folder.title(), description=f"You are {folder}.", **fields)

    return make


@pytest.fixture
def service_env(agents_root, tmp_path) -> dict[str, str]:
    """Environment for a real subprocess of ours (db_worker, gunicorn, manage.py ...) that must
    see the test database and this test's AGENTS_ROOT. Use with `transactional_db`."""
    from django.conf import settings

    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DATABASE_PATH"}}
    env["DJANGO_SETTINGS_MODULE"] = "orchestrator_site.settings"
    env["ORCHESTRATOR_HOME"] = str(settings.ORCHESTRATOR_HOME)
    env["ORCHESTRATOR_ENV_FILE"] = str(tmp_path / "no-env-file")
    env["AGENTS_ROOT"] = str(agents_root)
    env["AGENTS_SEED_EXAMPLES"] = "false"
    env["SECRET_KEY"] = settings.SECRET_KEY
    env["PYTHONPATH"] = str(REPO)
    env["PYTHONUNBUFFERED"] = "1"
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_PATH"] = str(db["NAME"])
    else:
        user = db.get("USER") or ""
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        auth = f"{user}{password}@" if user else ""
        env["DATABASE_URL"] = f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    return env


PYTHON = sys.executable
