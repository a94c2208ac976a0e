import { screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { McpServer } from "../api/types";
import { fakeServer } from "../test/http";
import { renderScreen } from "../test/render";
import { McpServerList } from "./McpServerList";

afterEach(() => vi.unstubAllGlobals());

function server(fields: Partial<McpServer>): McpServer {
  return {
    id: 1, agent: "devops", name: "search", scope: "project", transport: "stdio", command: "npx", args: ["-y", "search"],
    url: "", env_names: [], header_names: [], source: "devops/.mcp.json", effective: true, disabled_by: null,
    status: "unknown", checked_at: null, latency_ms: null, server_name: "", server_version: "", protocol_version: "",
    tools: [], last_error: "", reported_status: null, reported_at: null, managed: true, checking: false, ...fields,
  };
}

const servers = [
  server({ id: 1, name: "search", effective: false, disabled_by: "devops/.claude/settings.json" }),
  server({ id: 2, name: "notes", scope: "local", source: "~/.claude.json", managed: false }),
  server({ id: 3, name: "notes-old", effective: false }),
];

describe("MCP server list", () => {
  it("it shows which file disables a server instead of the overridden marker", async () => {
    fakeServer([["GET", /\/api\/mcp-servers\/\?agent=devops$/, { body: servers }]]);
    renderScreen(<McpServerList agent="devops" staff={false} />);

    const disabled = await screen.findByTestId("mcp-search");
    expect(within(disabled).getByText("disabled in devops/.claude/settings.json")).toHaveClass("badge");
    expect(disabled).toHaveClass("shadowed");
    expect(within(disabled).queryByText(/overridden by a closer scope/)).not.toBeInTheDocument();

    const overridden = screen.getByTestId("mcp-notes-old");
    expect(within(overridden).getByText(/overridden by a closer scope/)).toBeInTheDocument();
    expect(within(overridden).queryByText(/disabled in/)).not.toBeInTheDocument();

    const used = screen.getByTestId("mcp-notes");
    expect(used).not.toHaveClass("shadowed");
    expect(within(used).queryByText(/disabled in|overridden/)).not.toBeInTheDocument();
  });
});
