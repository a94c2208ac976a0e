"""The probe against the official reference servers (npm, pinned in tests/mcp-reference):
it must report their real tool lists over stdio, streamable HTTP and HTTP + SSE."""

from __future__ import annotations

from pathlib import Path

from mcp.config import Entry
from mcp.services import probe_entry
from mcp.tests.conftest import reference_bin

# Tools both versions of server-everything we pin are known to list.
EVERYTHING_TOOLS = {"echo", "get-sum", "get-tiny-image", "get-env", "trigger-long-running-operation"}
FILESYSTEM_TOOLS = {"read_text_file", "write_file", "edit_file", "list_directory", "directory_tree",
                    "search_files", "list_allowed_directories"}


def test_it_lists_the_tools_of_server_everything_over_stdio(tmp_path):
    entry = Entry(name="everything", transport="stdio", command="node",
                  args=(reference_bin("mcp-server-everything"), "stdio"))
    result = probe_entry(entry=entry, cwd=tmp_path, timeout=20)
    assert result.status == "ok", result.error
    assert result.server_name == "mcp-servers/everything"
    assert result.protocol_version == "2025-11-25"
    assert set(result.tools) >= EVERYTHING_TOOLS


def test_it_lists_the_tools_of_server_filesystem_over_stdio(tmp_path):
    allowed = tmp_path / "shared"
    allowed.mkdir()
    entry = Entry(name="files", transport="stdio", command="node",
                  args=(reference_bin("mcp-server-filesystem"), str(allowed)))
    result = probe_entry(entry=entry, cwd=tmp_path, timeout=20)
    assert result.status == "ok", result.error
    assert result.server_name == "secure-filesystem-server"
    assert set(result.tools) >= FILESYSTEM_TOOLS


def test_it_lists_the_tools_of_server_everything_over_streamable_http(everything_server):
    url = everything_server("streamableHttp") + "/mcp"
    entry = Entry(name="everything", transport="http", url=url, headers={"X-Probe": "value-is-ignored"})
    result = probe_entry(entry=entry, cwd=Path("/"), timeout=20)
    assert result.status == "ok", result.error
    assert result.server_name == "mcp-servers/everything"
    assert set(result.tools) >= EVERYTHING_TOOLS


def test_it_lists_the_tools_of_server_everything_over_http_and_sse(everything_server):
    url = everything_server("sse") + "/sse"
    result = probe_entry(entry=Entry(name="everything", transport="sse", url=url), cwd=Path("/"), timeout=20)
    assert result.status == "ok", result.error
    assert set(result.tools) >= EVERYTHING_TOOLS


def test_the_wrong_transport_for_a_server_is_a_clear_error(everything_server):
    base = everything_server("streamableHttp")
    result = probe_entry(entry=Entry(name="e", transport="sse", url=base + "/mcp"), cwd=Path("/"), timeout=10)
    assert result.status == "error"
    assert result.error.startswith("connect failed: HTTP 400")
