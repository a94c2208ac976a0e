"""Settings for the test suite: the production settings, pointed at a throw-away home.

Each pytest process gets its own ORCHESTRATOR_HOME (database, agents, trash, logs) unless the
caller set one, so tests never touch a real ~/.orchestrator. Subprocesses the tests start
(db_worker, gunicorn, run_agent) inherit these variables and see the same home.
"""

import importlib
import os
import tempfile
from pathlib import Path

if "ORCHESTRATOR_TEST_HOME" not in os.environ:
    os.environ["ORCHESTRATOR_TEST_HOME"] = tempfile.mkdtemp(prefix="orchestrator-test-")
_home = Path(os.environ["ORCHESTRATOR_TEST_HOME"])
os.environ["ORCHESTRATOR_HOME"] = str(_home)
os.environ["ORCHESTRATOR_ENV_FILE"] = str(_home / "no-env-file")
os.environ.setdefault("AGENTS_ROOT", str(_home / "agents"))
os.environ.setdefault("AGENTS_SEED_EXAMPLES", "false")
os.environ.setdefault("SECRET_KEY", "test-" + "x" * 60)
# Where MCP discovery looks for ~/.claude.json: never the developer's real one.
os.environ.setdefault("CLAUDE_CONFIG_DIR", str(_home / "claude-config"))
os.environ["ORCHESTRATOR_ENV"] = "production"

_base = importlib.import_module("orchestrator_site.settings")
globals().update({name: value for name, value in vars(_base).items() if name.isupper()})

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F821
    # A file, not memory, so worker subprocesses share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(_home / "test.db")}  # noqa: F821

# The test suite never runs collectstatic, so pages rendered in tests (the admin) cannot use the
# manifest storage. The manifest storage is exercised by test_spa.py (which sets it up itself)
# and by the browser suite, whose stack runs collectstatic with the production settings.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F821
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F821 (whitenoise warns about a missing one)
