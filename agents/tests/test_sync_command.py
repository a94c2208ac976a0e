import io

import pytest
from django.core.management import call_command

from agents import gitops
from agents.models import Agent

pytestmark = pytest.mark.django_db


def test_it_indexes_folders_and_suggests_git_when_the_root_is_not_a_repository(agents_root):
    (agents_root / "ops").mkdir()
    (agents_root / "ops" / "CLAUDE.md").write_text("# Ops\n")
    out = io.StringIO()
    call_command("sync_agents", stdout=out)
    assert "created: ops" in out.getvalue()
    assert "is not a git repository" in out.getvalue()
    assert Agent.objects.get(folder="ops").name == "Ops"


def test_it_says_nothing_about_git_in_a_repository(agents_root):
    gitops.init_repo(agents_root)
    out = io.StringIO()
    call_command("sync_agents", stdout=out)
    assert "not a git repository" not in out.getvalue()
