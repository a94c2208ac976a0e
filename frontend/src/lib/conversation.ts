// Turns stored stream-json events into the items the execution page shows as a conversation.
// Pure functions of the event list, so they are unit-tested without a browser.
import type { ExecutionEvent } from "../api/types";

export interface McpStatus {
  name: string;
  status: string;
}

export type ConversationItem =
  | { kind: "init"; key: string; seq: number; model: string; tools: string[]; mcpServers: McpStatus[]; sessionId: string; cwd: string; permissionMode: string }
  | { kind: "text"; key: string; seq: number; text: string }
  | { kind: "thinking"; key: string; seq: number; text: string }
  | { kind: "tool_use"; key: string; seq: number; id: string; name: string; input: unknown }
  | { kind: "tool_result"; key: string; seq: number; toolName: string; text: string; isError: boolean }
  | { kind: "result"; key: string; seq: number; subtype: string; isError: boolean; text: string; costUsd: number | null; numTurns: number | null; durationMs: number | null }
  | { kind: "denial"; key: string; seq: number; toolName: string; message: string }
  | { kind: "retry"; key: string; seq: number; attempt: number | null; maxRetries: number | null; error: string }
  | { kind: "stderr"; key: string; seq: number; text: string }
  | { kind: "raw"; key: string; seq: number; text: string }
  | { kind: "orchestrator"; key: string; seq: number; message: string; status: string }
  | { kind: "user_text"; key: string; seq: number; text: string }
  | { kind: "other"; key: string; seq: number; type: string; payload: unknown };

type Json = Record<string, unknown>;

const asObject = (value: unknown): Json => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {});
const asString = (value: unknown): string => (typeof value === "string" ? value : value == null ? "" : String(value));
const asNumber = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A tool_result's content is a string or a list of {type:"text", text} blocks. */
export function toolResultText(content: unknown): string {
  if (typeof content === "string") return content;
  return asArray(content)
    .map((block) => {
      const item = asObject(block);
      if (item.type === "text") return asString(item.text);
      if (item.type === "image") return "[image]";
      return JSON.stringify(block);
    })
    .join("\n");
}

export function buildConversation(events: ExecutionEvent[]): ConversationItem[] {
  const items: ConversationItem[] = [];
  const toolNames = new Map<string, string>();
  for (const event of events) {
    const payload = asObject(event.payload);
    const seq = event.seq;
    const key = String(seq);
    switch (event.type) {
      case "system/init": {
        items.push({
          kind: "init",
          key,
          seq,
          model: asString(payload.model),
          tools: asArray(payload.tools).map(asString),
          mcpServers: asArray(payload.mcp_servers).map((server) => {
            const item = asObject(server);
            return { name: asString(item.name), status: asString(item.status) };
          }),
          sessionId: asString(payload.session_id),
          cwd: asString(payload.cwd),
          permissionMode: asString(payload.permissionMode),
        });
        break;
      }
      case "assistant": {
        const content = asArray(asObject(payload.message).content);
        content.forEach((block, index) => {
          const item = asObject(block);
          const blockKey = `${key}.${index}`;
          if (item.type === "text") items.push({ kind: "text", key: blockKey, seq, text: asString(item.text) });
          else if (item.type === "thinking") items.push({ kind: "thinking", key: blockKey, seq, text: asString(item.thinking) });
          else if (item.type === "tool_use") {
            const id = asString(item.id);
            const name = asString(item.name);
            toolNames.set(id, name);
            items.push({ kind: "tool_use", key: blockKey, seq, id, name, input: item.input ?? {} });
          } else items.push({ kind: "other", key: blockKey, seq, type: `assistant/${asString(item.type)}`, payload: block });
        });
        break;
      }
      case "user": {
        const content = asObject(payload.message).content;
        if (typeof content === "string") {
          items.push({ kind: "user_text", key, seq, text: content });
          break;
        }
        asArray(content).forEach((block, index) => {
          const item = asObject(block);
          const blockKey = `${key}.${index}`;
          if (item.type === "tool_result") {
            const id = asString(item.tool_use_id);
            items.push({
              kind: "tool_result",
              key: blockKey,
              seq,
              toolName: toolNames.get(id) ?? "tool",
              text: toolResultText(item.content),
              isError: item.is_error === true,
            });
          } else if (item.type === "text") items.push({ kind: "user_text", key: blockKey, seq, text: asString(item.text) });
          else items.push({ kind: "other", key: blockKey, seq, type: `user/${asString(item.type)}`, payload: block });
        });
        break;
      }
      case "result": {
        items.push({
          kind: "result",
          key,
          seq,
          subtype: asString(payload.subtype),
          isError: payload.is_error === true,
          text: asString(payload.result),
          costUsd: asNumber(payload.total_cost_usd),
          numTurns: asNumber(payload.num_turns),
          durationMs: asNumber(payload.duration_ms),
        });
        asArray(payload.permission_denials).forEach((denial, index) => {
          const item = asObject(denial);
          items.push({
            kind: "denial",
            key: `${key}.d${index}`,
            seq,
            toolName: asString(item.tool_name),
            message: JSON.stringify(item.tool_input ?? {}),
          });
        });
        break;
      }
      case "system/permission_denied":
        items.push({ kind: "denial", key, seq, toolName: asString(payload.tool_name), message: asString(payload.message) });
        break;
      case "system/api_retry":
        items.push({
          kind: "retry",
          key,
          seq,
          attempt: asNumber(payload.attempt),
          maxRetries: asNumber(payload.max_retries),
          error: asString(payload.error) || asString(payload.error_status),
        });
        break;
      case "stderr":
        items.push({ kind: "stderr", key, seq, text: asString(payload.text) });
        break;
      case "raw":
        items.push({ kind: "raw", key, seq, text: asString(payload.text) });
        break;
      case "orchestrator":
        items.push({ kind: "orchestrator", key, seq, message: asString(payload.message), status: asString(payload.status) });
        break;
      default:
        items.push({ kind: "other", key, seq, type: event.type, payload: event.payload });
    }
  }
  return items;
}

/**
 * Adds newly received events to the ones already held, in sequence order, dropping any the
 * page already has (a reconnect may resend the last few). Returns the same array when nothing
 * new arrived, so React skips the re-render.
 */
export function mergeEvents(current: ExecutionEvent[], incoming: ExecutionEvent[]): ExecutionEvent[] {
  const last = current.length ? current[current.length - 1].seq : 0;
  const fresh = incoming.filter((event) => event.seq > last).sort((a, b) => a.seq - b.seq);
  if (!fresh.length) {
    // Out-of-order stragglers older than the tail: merge them in only if they are truly missing.
    const known = new Set(current.map((event) => event.seq));
    const missing = incoming.filter((event) => !known.has(event.seq));
    if (!missing.length) return current;
    return [...current, ...missing].sort((a, b) => a.seq - b.seq);
  }
  const unique: ExecutionEvent[] = [];
  let previous = last;
  for (const event of fresh) {
    if (event.seq === previous) continue;
    unique.push(event);
    previous = event.seq;
  }
  return [...current, ...unique];
}
