"""No folder name, however strange, reads or writes anything outside AGENTS_ROOT."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from agents.paths import safe_agent_file, safe_agent_path
from orchestrator_site.errors import InvalidInput

NASTY = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["..", ".", "../..", "/etc", "a/../../b", "~root", "%2e%2e", "a\x00b", "con", "-", "--help",
                     "..\\..", "a/b", " a", "a ", "\u2024\u2024", "ﬁle", "\uff21\uff22\uff23", "a" * 65]),
    st.lists(st.sampled_from(["..", "/", "a", "-", ".", "%2F", "\\"]), max_size=8).map("".join),
)


def snapshot(path: Path) -> set[str]:
    return {os.path.join(d, n) for d, dirs, files in os.walk(path) for n in dirs + files}


@hypothesis_settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(folder=NASTY)
def test_safe_agent_path_never_leaves_agents_root(agents_root, folder):
    try:
        path = safe_agent_path(folder)
    except InvalidInput:
        return
    assert path.parent == agents_root.resolve()
    assert path.is_relative_to(agents_root.resolve())


@pytest.mark.django_db
@hypothesis_settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(folder=NASTY)
def test_the_api_never_creates_or_reads_outside_agents_root(staff_client, agents_root, tmp_path, settings, folder):
    settings.RATELIMIT_MUTATIONS = "100000/m"
    outside_before = snapshot(tmp_path) - snapshot(agents_root)
    response = staff_client.post("/api/agents/", {"folder": folder, "prompt": "# Probe\n"}, format="json")
    assert response.status_code in (201, 400, 409), response.content
    if response.status_code == 201:
        assert (agents_root / folder / "CLAUDE.md").is_file()
    if folder:
        read = staff_client.get(f"/api/agents/{quote(folder, safe='')}/")
        assert read.status_code in (200, 404), read.content
    assert snapshot(tmp_path) - snapshot(agents_root) == outside_before


def test_a_symlink_out_of_agents_root_is_refused(agents_root, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (agents_root / "escape").symlink_to(outside)
    with pytest.raises(InvalidInput):
        safe_agent_path("escape")


def test_a_symlinked_file_out_of_the_agent_folder_is_refused(agents_root, tmp_path):
    (agents_root / "devops").mkdir()
    (tmp_path / "secret").write_text("nope")
    (agents_root / "devops" / "CLAUDE.md").symlink_to(tmp_path / "secret")
    with pytest.raises(InvalidInput):
        safe_agent_file("devops", "CLAUDE.md")


def test_a_symlink_to_a_sibling_inside_the_root_is_refused(agents_root):
    # It stays inside AGENTS_ROOT, but it is another agent: one folder, one agent.
    (agents_root / "real").mkdir()
    (agents_root / "alias").symlink_to(agents_root / "real")
    with pytest.raises(InvalidInput):
        safe_agent_path("alias")
