import { screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeServer } from "../test/http";
import { renderScreen } from "../test/render";
import { McpProblems } from "./McpProblems";

afterEach(() => vi.unstubAllGlobals());

const problems = [
  { agent: "devops", source: "devops/.mcp.json", message: "Not valid JSON (line 3): fix the file by hand." },
  { agent: "qa", source: "qa/.mcp.json", message: "mcpServers must be an object." },
  { agent: null, source: "~/.claude.json", message: "Not valid JSON (line 1)." },
];

describe("MCP config problems", () => {
  it("it shows an agent its own file's problem and the shared one, not another agent's", async () => {
    fakeServer([["GET", /\/api\/mcp-servers\/problems\/$/, { body: problems }]]);
    renderScreen(<McpProblems agent="devops" />);
    expect(await screen.findByText("devops/.mcp.json")).toBeInTheDocument();
    expect(screen.getByText("~/.claude.json")).toBeInTheDocument();
    expect(screen.queryByText("qa/.mcp.json")).not.toBeInTheDocument();
  });

  it("it shows nothing when every file could be read", async () => {
    fakeServer([["GET", /\/api\/mcp-servers\/problems\/$/, { body: [] }]]);
    const { client, container } = renderScreen(<McpProblems agent="devops" />);
    await waitFor(() => expect(client.getQueryState(["mcp", "problems"])?.status).toBe("success"));
    expect(container.querySelector(".warning-box")).toBeNull();
  });
});
