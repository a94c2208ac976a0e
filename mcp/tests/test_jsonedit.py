"""Splicing one member in or out of a hand-written JSON file changes nothing else."""

from __future__ import annotations

import json

import pytest

from mcp.jsonedit import delete_server, set_server

ENTRY = {"type": "stdio", "command": "npx", "args": ["-y", "srv"]}


@pytest.mark.parametrize("text", [
    '{"mcpServers": {"a": {"command": "x"}}}',
    '{\n\t"mcpServers": {\n\t\t"a": {"command": "x"}\n\t},\n\t"z": null\n}\n',
    '  {"z": 1, "mcpServers": {"a": {"command": "x"}, "b": {"command": "é\\u00e9"}}, "y": [1]}  \n',
    '{\n  "mcpServers": {\n    "a": {\n      "command": "x"\n    }\n  }\n}\n',
])
def test_adding_then_removing_restores_every_byte(text):
    added = set_server(text, "new", ENTRY)
    assert json.loads(added)["mcpServers"]["new"] == ENTRY
    assert text[:text.index('"a"')] == added[:text.index('"a"')]
    assert delete_server(added, "new") == text


def test_it_adds_the_servers_object_when_the_file_has_none():
    added = set_server('{\n  "other": true\n}\n', "new", ENTRY)
    assert json.loads(added) == {"other": True, "mcpServers": {"new": ENTRY}}
    assert added.startswith('{\n  "other": true,\n  "mcpServers": {\n    "new": {\n      "type": "stdio"')


def test_it_follows_the_files_indentation():
    text = '{\n    "mcpServers": {\n        "a": {"command": "x"}\n    }\n}\n'
    added = set_server(text, "b", {"command": "y"})
    assert added == ('{\n    "mcpServers": {\n        "a": {"command": "x"},\n        "b": {\n'
                     '            "command": "y"\n        }\n    }\n}\n')


def test_removing_the_only_server_leaves_an_empty_object():
    assert delete_server('{"mcpServers": {"a": {"command": "x"}}, "k": 1}', "a") == '{"mcpServers": {}, "k": 1}'


def test_removing_the_first_middle_and_last_member():
    text = '{"mcpServers": {"a": 1, "b": 2, "c": 3}}'
    assert delete_server(text, "a") == '{"mcpServers": {"b": 2, "c": 3}}'
    assert delete_server(text, "b") == '{"mcpServers": {"a": 1, "c": 3}}'
    assert delete_server(text, "c") == '{"mcpServers": {"a": 1, "b": 2}}'


def test_a_repeated_key_is_removed_everywhere():
    assert json.loads(delete_server('{"mcpServers": {"a": 1, "b": 2, "a": 3}}', "a")) == {"mcpServers": {"b": 2}}


def test_a_repeated_servers_key_edits_the_one_parsers_keep():
    text = '{"mcpServers": {"old": 1}, "mcpServers": {"a": 2}}'
    assert set_server(text, "b", 3) == '{"mcpServers": {"old": 1}, "mcpServers": {"a": 2, "b": 3}}'
    assert delete_server(text, "a") == '{"mcpServers": {"old": 1}, "mcpServers": {}}'
