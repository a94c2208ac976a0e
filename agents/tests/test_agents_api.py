"""The agents API: list, detail, create, edit, delete with confirmation, sync."""

from __future__ import annotations

import hashlib
import os

import pytest

from agents.models import Agent
from tests.assertions import assert_error

pytestmark = pytest.mark.django_db


def tree(root) -> dict[str, bytes]:
    """Every file under `root` with its bytes: to prove a refused request wrote nothing."""
    files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as handle:
                files[os.path.relpath(path, root)] = handle.read()
    return files


# -- list and detail -----------------------------------------------------------------------------


def test_it_lists_visible_agents_in_folder_order(reader_client, make_agent):
    make_agent("qa")
    make_agent("devops")
    gone = make_agent("old")
    Agent.objects.filter(pk=gone.pk).update(deleted_at="2026-01-01T00:00:00Z")
    response = reader_client.get("/api/agents/")
    assert response.status_code == 200
    assert [agent["folder"] for agent in response.json()] == ["devops", "qa"]


def test_it_refuses_anonymous_reads_and_writes(anon_client, make_agent, agents_root):
    make_agent("devops")
    before = tree(agents_root)
    assert_error(anon_client.get("/api/agents/"), 401, "NOT_AUTHENTICATED")
    assert_error(anon_client.get("/api/agents/devops/"), 401, "NOT_AUTHENTICATED")
    assert_error(anon_client.post("/api/agents/", {"folder": "x", "prompt": "p"}, format="json"), 401,
                 "NOT_AUTHENTICATED")
    assert_error(anon_client.patch("/api/agents/devops/", {"prompt": "p"}, format="json"), 401, "NOT_AUTHENTICATED")
    assert_error(anon_client.delete("/api/agents/devops/", {"confirm": "devops"}, format="json"), 401,
                 "NOT_AUTHENTICATED")
    assert_error(anon_client.post("/api/agents/sync/"), 401, "NOT_AUTHENTICATED")
    assert tree(agents_root) == before


def test_it_answers_anonymous_with_a_token_challenge(anon_client):
    response = anon_client.get("/api/agents/")
    assert response["WWW-Authenticate"] == 'Token'


def test_it_refuses_a_bad_token(anon_client):
    anon_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(anon_client.get("/api/agents/"), 401, "AUTHENTICATION_FAILED")


def test_it_shows_the_prompt_and_its_git_revision(reader_client, make_agent):
    make_agent("devops", prompt="# DevOps\n\nShip it.\n")
    body = reader_client.get("/api/agents/devops/").json()
    assert body["prompt"] == "# DevOps\n\nShip it.\n"
    assert body["name"] == "Devops"
    assert body["prompt_revision"] is None  # AGENTS_ROOT is not a repository here


def test_it_answers_404_in_the_error_shape_for_unknown_or_impossible_folders(reader_client):
    assert_error(reader_client.get("/api/agents/nobody/"), 404, "NOT_FOUND")
    assert_error(reader_client.get("/api/agents/..%2F..%2Fetc/"), 404, "NOT_FOUND")
    assert_error(reader_client.get("/api/agents/a.b/"), 404, "NOT_FOUND")


# -- create --------------------------------------------------------------------------------------


def test_it_creates_the_folder_and_its_claude_md(staff_client, agents_root):
    response = staff_client.post("/api/agents/", {"folder": "release-bot", "name": "Release Bot",
                                                  "prompt": "You cut releases.\n"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["folder"] == "release-bot"
    assert body["name"] == "Release Bot"
    assert body["description"] == "You cut releases."
    assert body["prompt"] == "# Release Bot\n\nYou cut releases.\n"
    assert (agents_root / "release-bot" / "CLAUDE.md").read_text() == "# Release Bot\n\nYou cut releases.\n"
    assert Agent.objects.get(folder="release-bot").name == "Release Bot"


def test_it_takes_the_name_from_the_prompt_heading_when_none_is_given(staff_client):
    body = staff_client.post("/api/agents/", {"folder": "qa", "prompt": "# QA Engineer\n\nTest it."},
                             format="json").json()
    assert body["name"] == "QA Engineer"


@pytest.mark.parametrize(("payload", "field"), [
    ({"prompt": "p"}, "folder"),
    ({"folder": "ok"}, "prompt"),
    ({"folder": "../escape", "prompt": "p"}, "folder"),
    ({"folder": "a b", "prompt": "p"}, "folder"),
    ({"folder": "", "prompt": "p"}, "folder"),
    ({"folder": "x" * 65, "prompt": "p"}, "folder"),
    ({"folder": "dot.dot", "prompt": "p"}, "folder"),
    ({"folder": ["list"], "prompt": "p"}, "folder"),
    ({"folder": "ok", "prompt": "p", "extra": 1}, "extra"),
    ({"folder": "ok", "prompt": "x" * (600 * 1024)}, "prompt"),
    ({"folder": "ok", "prompt": "bad\x00byte"}, None),
])
def test_it_refuses_bad_input_and_writes_nothing(staff_client, agents_root, payload, field):
    body = assert_error(staff_client.post("/api/agents/", payload, format="json"), 400, "VALIDATION_ERROR")
    if field:
        assert field in body["fields"]
    assert tree(agents_root) == {}
    assert not Agent.objects.exists()


def test_it_accepts_a_folder_that_starts_with_a_dash(staff_client, agents_root):
    # Legal by the folder rule; it is only ever a path, never an argument.
    assert staff_client.post("/api/agents/", {"folder": "-rf", "prompt": "p"}, format="json").status_code == 201
    assert (agents_root / "-rf" / "CLAUDE.md").read_text() == "p"


def test_it_refuses_a_body_that_is_not_a_json_object(staff_client, agents_root):
    assert_error(staff_client.post("/api/agents/", ["folder"], format="json"), 400, "VALIDATION_ERROR")
    response = staff_client.generic("POST", "/api/agents/", "{not json", content_type="application/json")
    assert_error(response, 400, "PARSE_ERROR")
    response = staff_client.post("/api/agents/", "folder=x&prompt=y", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert tree(agents_root) == {}


def test_it_refuses_an_existing_folder_with_409(staff_client, make_agent, agents_root):
    make_agent("devops")
    (agents_root / "by-hand").mkdir()
    before = tree(agents_root)
    assert_error(staff_client.post("/api/agents/", {"folder": "devops", "prompt": "p"}, format="json"), 409,
                 "AGENT_EXISTS")
    assert_error(staff_client.post("/api/agents/", {"folder": "by-hand", "prompt": "p"}, format="json"), 409,
                 "FOLDER_EXISTS")
    assert tree(agents_root) == before


def test_it_lets_readers_read_but_not_write(reader_client, make_agent, agents_root):
    make_agent("devops")
    before = tree(agents_root)
    assert_error(reader_client.post("/api/agents/", {"folder": "x", "prompt": "p"}, format="json"), 403,
                 "PERMISSION_DENIED")
    assert_error(reader_client.patch("/api/agents/devops/", {"prompt": "p"}, format="json"), 403,
                 "PERMISSION_DENIED")
    assert_error(reader_client.delete("/api/agents/devops/", {"confirm": "devops"}, format="json"), 403,
                 "PERMISSION_DENIED")
    assert_error(reader_client.post("/api/agents/sync/"), 403, "PERMISSION_DENIED")
    assert tree(agents_root) == before


# -- edit ----------------------------------------------------------------------------------------


def test_it_rewrites_the_prompt_atomically(staff_client, make_agent, agents_root):
    make_agent("devops")
    response = staff_client.patch("/api/agents/devops/", {"prompt": "# Ops Lead\n\nLead ops.\n"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Ops Lead"
    assert (agents_root / "devops" / "CLAUDE.md").read_text() == "# Ops Lead\n\nLead ops.\n"
    # The temp file of the write-then-rename is gone.
    assert sorted(os.listdir(agents_root / "devops")) == ["CLAUDE.md"]


def test_it_renames_by_rewriting_the_heading(staff_client, make_agent, agents_root):
    make_agent("devops", prompt="# DevOps\n\nBody stays.\n")
    body = staff_client.patch("/api/agents/devops/", {"name": "Platform"}, format="json").json()
    assert body["name"] == "Platform"
    assert (agents_root / "devops" / "CLAUDE.md").read_text() == "# Platform\n\nBody stays.\n"


def test_it_disables_and_sets_run_options(staff_client, make_agent):
    make_agent("devops")
    body = staff_client.patch("/api/agents/devops/", {"enabled": False, "model": "sonnet",
                                                      "permission_mode": "acceptEdits",
                                                      "allowed_tools": ["Read", "Bash(git:*)"]},
                              format="json").json()
    assert (body["enabled"], body["model"], body["permission_mode"], body["allowed_tools"]) == (
        False, "sonnet", "acceptEdits", ["Read", "Bash(git:*)"])


@pytest.mark.parametrize("payload", [
    {},
    {"nickname": "x"},
    {"enabled": "sometimes"},
    {"model": "--dangerously-skip-permissions"},
    {"permission_mode": "yolo"},
    {"allowed_tools": ["--add-dir"]},
    {"allowed_tools": "Read"},
    {"prompt": 42},
])
def test_it_refuses_bad_edits_and_changes_nothing(staff_client, make_agent, agents_root, payload):
    make_agent("devops")
    before = tree(agents_root)
    row = Agent.objects.values().get(folder="devops")
    assert_error(staff_client.patch("/api/agents/devops/", payload, format="json"), 400, "VALIDATION_ERROR")
    assert tree(agents_root) == before
    assert Agent.objects.values().get(folder="devops") == row


def test_it_says_so_when_the_folder_of_an_edited_agent_is_gone(staff_client, make_agent, agents_root):
    make_agent("devops")
    (agents_root / "devops" / "CLAUDE.md").unlink()
    (agents_root / "devops").rmdir()
    assert_error(staff_client.patch("/api/agents/devops/", {"prompt": "new"}, format="json"), 409, "AGENT_MISSING")
    assert not (agents_root / "devops").exists()


def test_it_does_not_allow_put(staff_client, make_agent):
    make_agent("devops")
    assert_error(staff_client.put("/api/agents/devops/", {"prompt": "p"}, format="json"), 405, "METHOD_NOT_ALLOWED")


# -- delete --------------------------------------------------------------------------------------


def test_it_refuses_delete_without_confirmation_and_says_what_to_send(staff_client, make_agent, agents_root):
    make_agent("devops")
    body = assert_error(staff_client.delete("/api/agents/devops/"), 400, "CONFIRMATION_REQUIRED")
    assert '{"confirm": "devops"}' in body["message"]
    assert (agents_root / "devops" / "CLAUDE.md").exists()


def test_it_refuses_delete_with_the_wrong_confirmation(staff_client, make_agent, agents_root, settings):
    make_agent("devops")
    for wrong in ({"confirm": "DevOps"}, {"confirm": "devops "}, {"confirm": ""}, {"confirm": "qa"}):
        assert_error(staff_client.delete("/api/agents/devops/", wrong, format="json"), 400, "CONFIRMATION_REQUIRED")
    assert_error(staff_client.delete("/api/agents/devops/", {"confirm": ["devops"]}, format="json"), 400,
                 "VALIDATION_ERROR")
    assert (agents_root / "devops" / "CLAUDE.md").exists()
    assert not settings.TRASH_DIR.exists() or not any(settings.TRASH_DIR.iterdir())


def test_it_moves_a_confirmed_delete_to_the_trash(staff_client, make_agent, agents_root, settings):
    make_agent("devops", prompt="# DevOps\n\nKeep me.\n")
    (agents_root / "devops" / "notes.txt").write_text("work in progress")
    response = staff_client.delete("/api/agents/devops/", {"confirm": "devops"}, format="json")
    assert response.status_code == 200, response.content
    trash_name = response.json()["trash"]
    assert trash_name.startswith("devops-")
    kept = settings.TRASH_DIR / trash_name
    assert (kept / "CLAUDE.md").read_text() == "# DevOps\n\nKeep me.\n"
    assert (kept / "notes.txt").read_text() == "work in progress"
    assert not (agents_root / "devops").exists()
    assert staff_client.get("/api/agents/").json() == []
    assert_error(staff_client.get("/api/agents/devops/"), 404, "NOT_FOUND")
    # The row stays for history.
    assert Agent.objects.get(folder="devops").deleted_at is not None


def test_it_can_create_an_agent_again_after_deleting_it(staff_client, make_agent, agents_root):
    make_agent("devops")
    staff_client.delete("/api/agents/devops/", {"confirm": "devops"}, format="json")
    response = staff_client.post("/api/agents/", {"folder": "devops", "prompt": "# Again\n"}, format="json")
    assert response.status_code == 201
    assert Agent.objects.filter(folder="devops").count() == 1
    assert [a["folder"] for a in staff_client.get("/api/agents/").json()] == ["devops"]


# -- sync ----------------------------------------------------------------------------------------


def test_it_picks_up_hand_made_folders_and_marks_removed_ones_missing(staff_client, make_agent, agents_root,
                                                                      tmp_path):
    make_agent("gone")
    (agents_root / "gone" / "CLAUDE.md").unlink()
    (agents_root / "gone").rmdir()
    (agents_root / "by-hand").mkdir()
    (agents_root / "by-hand" / "CLAUDE.md").write_text("# Hand Made\n\nMade by hand.\n")
    (agents_root / "no-prompt").mkdir()
    (agents_root / "bad.name").mkdir()
    (agents_root / "bad.name" / "CLAUDE.md").write_text("# Bad\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "CLAUDE.md").write_text("# Outside\n")
    (agents_root / "sneaky").symlink_to(outside)

    response = staff_client.post("/api/agents/sync/")
    assert response.status_code == 200
    assert response.json() == {"created": ["by-hand"], "updated": [], "missing": ["gone"], "seeded": []}
    listed = {agent["folder"]: agent for agent in staff_client.get("/api/agents/").json()}
    assert set(listed) == {"by-hand", "gone"}
    assert listed["by-hand"]["name"] == "Hand Made"
    assert listed["by-hand"]["description"] == "Made by hand."
    assert listed["gone"]["is_missing"] is True
    assert staff_client.get("/api/agents/gone/").json()["prompt"] is None


def test_it_notices_a_missing_folder_coming_back(staff_client, make_agent, agents_root):
    make_agent("devops")
    (agents_root / "devops").rename(agents_root.parent / "parked")
    staff_client.post("/api/agents/sync/")
    (agents_root.parent / "parked").rename(agents_root / "devops")
    assert staff_client.post("/api/agents/sync/").json()["updated"] == ["devops"]
    assert staff_client.get("/api/agents/devops/").json()["is_missing"] is False


def test_the_list_takes_a_fixed_number_of_queries(reader_client, make_agent, django_assert_max_num_queries):
    for index in range(30):
        make_agent(f"agent-{index}")
    with django_assert_max_num_queries(8):
        response = reader_client.get("/api/agents/")
    assert len(response.json()) == 30


def test_the_description_is_the_first_paragraph_on_one_line(staff_client):
    prompt = "# Ops\n\nYou run the\nservices *well*.\n\n## Rules\n\nNever guess.\n"
    body = staff_client.post("/api/agents/", {"folder": "ops", "prompt": prompt}, format="json").json()
    assert body["description"] == "You run the services well."


def test_an_edit_from_a_stale_copy_is_refused_and_the_newer_text_kept(staff_client, make_agent, agents_root):
    make_agent("devops", prompt="# DevOps\n\nFirst.\n")
    loaded = staff_client.get("/api/agents/devops/").json()
    assert loaded["prompt_sha256"] == hashlib.sha256(b"# DevOps\n\nFirst.\n").hexdigest()
    # Someone else saves in between (or the file is edited on disk).
    (agents_root / "devops" / "CLAUDE.md").write_text("# DevOps\n\nTheirs.\n")
    response = staff_client.patch("/api/agents/devops/", {"prompt": "# DevOps\n\nMine.\n",
                                                          "base_prompt_sha256": loaded["prompt_sha256"]},
                                  format="json")
    body = assert_error(response, 409, "PROMPT_CHANGED")
    assert "Reload" in body["message"]
    assert (agents_root / "devops" / "CLAUDE.md").read_text() == "# DevOps\n\nTheirs.\n"


def test_an_edit_from_the_current_copy_is_saved(staff_client, make_agent, agents_root):
    make_agent("devops", prompt="# DevOps\n\nFirst.\n")
    loaded = staff_client.get("/api/agents/devops/").json()
    response = staff_client.patch("/api/agents/devops/", {"prompt": "# DevOps\n\nMine.\n",
                                                          "base_prompt_sha256": loaded["prompt_sha256"]},
                                  format="json")
    assert response.status_code == 200
    assert response.json()["prompt_sha256"] == hashlib.sha256(b"# DevOps\n\nMine.\n").hexdigest()
    assert (agents_root / "devops" / "CLAUDE.md").read_text() == "# DevOps\n\nMine.\n"


@pytest.mark.parametrize("payload", [{"base_prompt_sha256": "0" * 64}, {"prompt": "x", "base_prompt_sha256": "abc"}])
def test_a_bad_or_lone_base_digest_is_refused(staff_client, make_agent, agents_root, payload):
    make_agent("devops")
    before = tree(agents_root)
    assert_error(staff_client.patch("/api/agents/devops/", payload, format="json"), 400, "VALIDATION_ERROR")
    assert tree(agents_root) == before
