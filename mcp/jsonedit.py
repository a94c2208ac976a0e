"""Add or remove one member of a JSON object in place, leaving every other byte as it was.

Re-serialising a user's .mcp.json would reorder, re-indent and re-escape entries they wrote by
hand; instead we find the spans of the members with the standard decoder and splice text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_WHITESPACE = " \t\n\r"
_decoder = json.JSONDecoder()


@dataclass
class Member:
    key: str
    key_start: int
    value_start: int
    value_end: int


@dataclass
class ObjectSpan:
    start: int  # the "{"
    end: int  # just past the "}"
    members: list[Member]


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index


def scan_object(text: str, start: int) -> ObjectSpan:
    """Spans of the object whose "{" is at `start`. Raises ValueError on malformed text."""
    if text[start:start + 1] != "{":
        raise ValueError("not an object")
    members: list[Member] = []
    index = _skip(text, start + 1)
    if text[index:index + 1] == "}":
        return ObjectSpan(start, index + 1, members)
    while True:
        key_start = index
        key, index = _decoder.raw_decode(text, index)
        if not isinstance(key, str):
            raise ValueError("object key is not a string")
        index = _skip(text, index)
        if text[index:index + 1] != ":":
            raise ValueError("expected ':'")
        value_start = _skip(text, index + 1)
        _, value_end = _decoder.raw_decode(text, value_start)
        members.append(Member(key, key_start, value_start, value_end))
        index = _skip(text, value_end)
        if text[index:index + 1] == ",":
            index = _skip(text, index + 1)
            continue
        if text[index:index + 1] == "}":
            return ObjectSpan(start, index + 1, members)
        raise ValueError("expected ',' or '}'")


def _line_indent(text: str, index: int) -> str | None:
    """The whitespace before `index` on its line, or None when something else precedes it."""
    line_start = text.rfind("\n", 0, index) + 1
    prefix = text[line_start:index]
    return prefix if prefix.strip(" \t") == "" else None


def _leading(text: str, index: int) -> str:
    """The indentation of the line holding `index`."""
    line_start = text.rfind("\n", 0, index) + 1
    end = line_start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[line_start:end]


def _render(key: str, value: Any, indent: str | None, unit: str) -> str:
    if indent is None:
        return f"{json.dumps(key)}: {json.dumps(value)}"
    body = json.dumps(value, indent=unit, ensure_ascii=False)
    body = body.replace("\n", "\n" + indent)
    return f"{json.dumps(key)}: {body}"


def insert_member(text: str, span: ObjectSpan, key: str, value: Any, *, unit: str = "  ") -> str:
    """`text` with `"key": value` appended as the last member of the object at `span`."""
    if span.members:
        last = span.members[-1]
        indent = _line_indent(text, last.key_start)
        separator = f",\n{indent}" if indent is not None else ", "
        addition = separator + _render(key, value, indent, unit)
        return text[:last.value_end] + addition + text[last.value_end:]
    outer = _leading(text, span.start)
    indent = outer + unit
    inner = f"\n{indent}{_render(key, value, indent, unit)}\n{outer}"
    return text[:span.start + 1] + inner + text[span.end - 1:]


def remove_member(text: str, span: ObjectSpan, key: str) -> str:
    """`text` without the member `key` (and the comma that joined it) of the object at `span`."""
    index = next(i for i, member in enumerate(span.members) if member.key == key)
    member = span.members[index]
    if index + 1 < len(span.members):
        return text[:member.key_start] + text[span.members[index + 1].key_start:]
    if index > 0:
        return text[:span.members[index - 1].value_end] + text[member.value_end:]
    # The only member: leave an empty object.
    return text[:span.start + 1] + text[span.end - 1:]


def indent_unit(text: str, span: ObjectSpan) -> str:
    """The indentation step the file uses (two spaces when it cannot tell)."""
    if span.members:
        outer = _leading(text, span.start)
        inner = _line_indent(text, span.members[0].key_start)
        if inner is not None and inner.startswith(outer) and len(inner) > len(outer):
            return inner[len(outer):]
    return "  "


def set_server(text: str, name: str, value: Any) -> str:
    """`text` (a JSON object) with `mcpServers[name] = value` added; nothing else changes."""
    start = _skip(text, 0)
    top = scan_object(text, start)
    unit = indent_unit(text, top)
    # The last one when the key repeats: that is the one JSON parsers (and Claude Code) keep.
    servers = next((m for m in reversed(top.members) if m.key == "mcpServers"), None)
    if servers is None:
        updated = insert_member(text, top, "mcpServers", {name: value}, unit=unit)
    else:
        span = scan_object(text, servers.value_start)
        if span.members:
            unit = indent_unit(text, span)
        updated = insert_member(text, span, name, value, unit=unit)
    _verify(text, updated, lambda data: data.setdefault("mcpServers", {}).__setitem__(name, value))
    return updated


def delete_server(text: str, name: str) -> str:
    """`text` without `mcpServers[name]` (every member named so, should it repeat)."""
    updated = text
    while True:
        top = scan_object(updated, _skip(updated, 0))
        servers = next(m for m in reversed(top.members) if m.key == "mcpServers")
        span = scan_object(updated, servers.value_start)
        if not any(member.key == name for member in span.members):
            break
        updated = remove_member(updated, span, name)
    _verify(text, updated, lambda data: data["mcpServers"].pop(name))
    return updated


def _verify(before: str, after: str, change) -> None:
    """The splice must mean exactly the intended change; anything else is our bug, and the file
    must not be written."""
    expected = json.loads(before)
    change(expected)
    if json.loads(after) != expected:
        raise RuntimeError("JSON splice produced an unexpected document")
