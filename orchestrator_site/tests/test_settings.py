"""Settings come from the environment, fail loudly on bad values, and match the example env files."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from orchestrator_site import settings as production_settings
from orchestrator_site.config import Env, load_env_file, secret_key_from

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = [REPO / "deploy" / ".env.production", REPO / "deploy" / ".env.development"]


def example_names(path: Path) -> set[str]:
    return {m.group(1) for m in re.finditer(r"^#?\s*([A-Z][A-Z0-9_]*)=", path.read_text(), flags=re.M)}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_the_example_env_file_lists_exactly_what_settings_read(example):
    assert example_names(example) == production_settings.ENV.names


@pytest.mark.parametrize(("method", "value", "args"), [
    ("bool", "maybe", (True,)),
    ("int", "ten", (1,)),
    ("int", "0", (1,)),
    ("path", "relative/dir", (Path("/x"),)),
    ("choice", "staging", ("production", ("production", "development"))),
])
def test_a_bad_value_fails_loudly_with_the_variable_name(method, value, args):
    env = Env({"SOME_SETTING": value})
    kwargs = {"minimum": 1, "maximum": 10} if method == "int" else {}
    with pytest.raises(ImproperlyConfigured, match="SOME_SETTING"):
        getattr(env, method)("SOME_SETTING", *args, **kwargs)


def test_good_values_are_read_and_blank_means_default():
    env = Env({"A": "yes", "B": " 7 ", "C": "x, y,,z", "D": "", "E": "~/h"})
    assert env.bool("A", False) is True
    assert env.int("B", 1, minimum=1, maximum=9) == 7
    assert env.list("C", []) == ["x", "y", "z"]
    assert env.str("D", "default") == "default"
    assert env.path("E", Path("/x")) == Path.home() / "h"
    assert env.names == {"A", "B", "C", "D", "E"}


def test_the_env_file_fills_in_but_never_overrides_the_environment(tmp_path):
    env_file = tmp_path / "orchestrator.env"
    env_file.write_text("# comment\nexport A=from-file\nB='quoted value'\n\nC=from-file\n")
    environ = {"C": "from-environment"}
    load_env_file(env_file, environ)
    assert environ == {"A": "from-file", "B": "quoted value", "C": "from-environment"}


def test_a_malformed_env_file_fails_with_its_line_number(tmp_path):
    env_file = tmp_path / "orchestrator.env"
    env_file.write_text("A=1\nthis is not a setting\n")
    with pytest.raises(ImproperlyConfigured, match=r"orchestrator.env:2"):
        load_env_file(env_file, {})


def test_the_secret_key_is_generated_once_with_mode_0600(tmp_path):
    first = secret_key_from(tmp_path)
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert secret_key_from(tmp_path) == first
    assert len(first) >= 50


def run_settings(tmp_path: Path, code: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ORCHESTRATOR_HOME": str(tmp_path / "home"),
           "DJANGO_SETTINGS_MODULE": "orchestrator_site.settings", "PYTHONPATH": str(REPO), **environ}
    script = f"import django; django.setup(); from django.conf import settings; {code}"
    return subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=60, check=False)


def test_the_service_refuses_to_start_on_a_bad_value(tmp_path):
    done = run_settings(tmp_path, "print('started')", EXECUTION_TIMEOUT="soon")
    assert done.returncode != 0
    assert "EXECUTION_TIMEOUT='soon' is not a whole number" in done.stderr
    assert "started" not in done.stdout


def test_debug_is_off_unless_development_and_defaults_are_safe(tmp_path):
    done = run_settings(tmp_path, "print(settings.DEBUG, settings.ALLOWED_HOSTS, settings.CORS_ORIGINS, "
                                  "settings.AGENTS_ROOT == settings.ORCHESTRATOR_HOME / 'agents')")
    assert done.stdout.strip() == "False ['localhost', '127.0.0.1', '[::1]'] [] True", done.stderr
    done = run_settings(tmp_path, "print(settings.DEBUG, settings.CORS_ORIGINS)", ORCHESTRATOR_ENV="development")
    assert done.stdout.strip() == "True ['http://localhost:5173']", done.stderr


def test_the_env_file_in_the_home_is_read(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "orchestrator.env").write_text("MAX_CONCURRENT_EXECUTIONS=5\n")
    done = run_settings(tmp_path, "print(settings.MAX_CONCURRENT_EXECUTIONS)")
    assert done.stdout.strip() == "5", done.stderr


def test_the_secret_key_file_is_made_in_the_home_when_unset(tmp_path):
    done = run_settings(tmp_path, "print(len(settings.SECRET_KEY))")
    assert int(done.stdout) >= 50, done.stderr
    assert stat.S_IMODE((tmp_path / "home" / "secret_key").stat().st_mode) == 0o600


def test_database_url_switches_to_postgresql(tmp_path):
    done = run_settings(tmp_path, "db = settings.DATABASES['default']; print(db['ENGINE'], db['NAME'])",
                        DATABASE_URL="postgres://someone@127.0.0.1:5432/orchestrator")
    assert done.stdout.strip() == "django.db.backends.postgresql orchestrator", done.stderr


@pytest.mark.django_db
def test_sqlite_runs_in_wal_with_immediate_transactions_and_a_busy_timeout():
    if connection.vendor != "sqlite":
        assert connection.vendor == "postgresql"
        return
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 20000
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_check_deploy_passes_in_production_settings(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ORCHESTRATOR_HOME": str(tmp_path / "home"),
           "DJANGO_SETTINGS_MODULE": "orchestrator_site.settings", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=env,
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
