import { describe, expect, it } from "vitest";
import type { ExecutionEvent } from "../api/types";
import { buildConversation, mergeEvents, toolResultText } from "./conversation";

const at = "2026-12-04T10:00:00Z";
const event = (seq: number, type: string, payload: Record<string, unknown>): ExecutionEvent => ({ seq, type, payload, at });

const run: ExecutionEvent[] = [
  event(1, "system/init", { model: "claude-sonnet", tools: ["Bash", "Write"], mcp_servers: [{ name: "docs", status: "connected" }], session_id: "s-1" }),
  event(2, "assistant", { message: { content: [{ type: "text", text: "Checking **disk**." }] } }),
  event(3, "assistant", { message: { content: [{ type: "tool_use", id: "t1", name: "Bash", input: { command: "df -h" } }] } }),
  event(4, "user", { message: { content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "no space" }], is_error: true }] } }),
  event(5, "stderr", { text: "warning: low disk" }),
  event(6, "result", {
    subtype: "success",
    is_error: false,
    result: "Done.",
    total_cost_usd: 0.01,
    num_turns: 2,
    duration_ms: 1500,
    permission_denials: [{ tool_name: "Write", tool_input: { file_path: "/etc/x" } }],
  }),
];

describe("the conversation built from events", () => {
  it("it turns a run's events into conversation items in order", () => {
    const items = buildConversation(run);
    expect(items.map((item) => item.kind)).toEqual(["init", "text", "tool_use", "tool_result", "stderr", "result", "denial"]);
    expect(items[0]).toMatchObject({ model: "claude-sonnet", mcpServers: [{ name: "docs", status: "connected" }] });
    expect(items[3]).toMatchObject({ toolName: "Bash", text: "no space", isError: true });
    expect(items[5]).toMatchObject({ text: "Done.", costUsd: 0.01, numTurns: 2 });
    expect(items[6]).toMatchObject({ toolName: "Write" });
  });

  it("it keeps unknown event types visible instead of dropping them", () => {
    expect(buildConversation([event(1, "system/task_started", { id: 1 })])).toEqual([
      { kind: "other", key: "1", seq: 1, type: "system/task_started", payload: { id: 1 } },
    ]);
  });

  it("it reads tool results given as a string or as blocks", () => {
    expect(toolResultText("plain")).toBe("plain");
    expect(toolResultText([{ type: "text", text: "a" }, { type: "image" }])).toBe("a\n[image]");
  });
});

describe("merging received events", () => {
  it("it drops events it already has and keeps sequence order", () => {
    const merged = mergeEvents(run.slice(0, 3), [run[2], run[4], run[3]]);
    expect(merged.map((item) => item.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it("it returns the same array when nothing is new, so React skips the render", () => {
    const current = run.slice(0, 2);
    expect(mergeEvents(current, [run[0], run[1]])).toBe(current);
  });
});
