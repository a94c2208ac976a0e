"""The version lives in one place (orchestrator_site.__version__); health and CHANGELOG.md agree."""

from __future__ import annotations

import json
import re

import orchestrator_site
from orchestrator_site.tests.servicekit import REPO


def test_the_top_changelog_entry_is_the_package_version():
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", text, flags=re.M)
    assert versions, "CHANGELOG.md has no '## [X.Y.Z] - YYYY-MM-DD' entry"
    assert versions[0] == orchestrator_site.__version__
    assert len(versions) == len(set(versions))


def test_health_reports_the_package_version(anon_client, db):
    body = anon_client.get("/api/health").json()
    assert body["version"] == orchestrator_site.__version__


def test_no_other_python_or_project_file_spells_the_version():
    version = re.escape(orchestrator_site.__version__)
    pattern = re.compile(rf"""(?:version\s*[=:]\s*["']?{version}|__version__\s*=)""", re.I)
    offenders = []
    packages = ("agents", "executions", "mcp", "orchestrator_site", "deploy", "bench", "tests")
    files = [REPO / "pyproject.toml", REPO / "manage.py"]
    files += [path for package in packages for path in (REPO / package).rglob("*.py")]
    for path in files:
        if path == REPO / "orchestrator_site" / "__init__.py":
            continue
        if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
            offenders.append(str(path.relative_to(REPO)))
    assert offenders == []


def test_the_dashboard_package_carries_the_same_version():
    # The footer shows /api/health's version; the npm package's own field must not drift from it.
    package = json.loads((REPO / "frontend" / "package.json").read_text(encoding="utf-8"))
    assert package["version"] == orchestrator_site.__version__
