import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ConversationEntry } from "./ConversationItem";

describe("a conversation entry", () => {
  it("it renders assistant text as markdown", () => {
    render(<ConversationEntry item={{ kind: "text", key: "1", seq: 1, text: "Use `df -h`, **then** decide." }} />);
    expect(screen.getByText("df -h").tagName).toBe("CODE");
    expect(screen.getByText("then").tagName).toBe("STRONG");
  });

  it("it keeps a tool call's input folded until asked", async () => {
    render(<ConversationEntry item={{ kind: "tool_use", key: "1", seq: 1, id: "t", name: "Bash", input: { command: "ls -la /srv" } }} />);
    const details = screen.getByText("Tool call").closest("details")!;
    expect(details.open).toBe(false);
    expect(details).toHaveTextContent("ls -la /srv");
    await userEvent.click(screen.getByText("Bash"));
    expect(details.open).toBe(true);
  });

  it("it opens and highlights a failed tool result", () => {
    render(<ConversationEntry item={{ kind: "tool_result", key: "1", seq: 1, toolName: "Write", text: "denied", isError: true }} />);
    const details = screen.getByText("Tool error").closest("details")!;
    expect(details.open).toBe(true);
    expect(details).toHaveClass("is-error");
  });

  it("it shows a huge output in pieces", async () => {
    const text = "y".repeat(300_000);
    render(<ConversationEntry item={{ kind: "stderr", key: "1", seq: 1, text }} />);
    const pre = document.querySelector("pre")!;
    expect(pre.textContent).toHaveLength(20_000);
    await userEvent.click(screen.getByRole("button", { name: /Show more/ }));
    expect(document.querySelector("pre")!.textContent).toHaveLength(120_000);
  });

  it("it lists the MCP servers the session started with", () => {
    render(
      <ConversationEntry
        item={{ kind: "init", key: "1", seq: 1, model: "opus", tools: ["Bash"], mcpServers: [{ name: "docs", status: "failed" }], sessionId: "s", cwd: "/", permissionMode: "default" }}
      />,
    );
    const list = screen.getByRole("list", { name: "MCP servers" });
    expect(list).toHaveTextContent("docs");
    expect(list.querySelector(".badge-failed")).toHaveTextContent("failed");
  });
});
