import type { ConversationItem } from "../lib/conversation";
import { formatCost, formatDuration } from "../lib/format";
import { LongText } from "./LongText";
import { Markdown } from "./Markdown";
import { StatusBadge } from "./StatusBadge";

// Past this size assistant text is shown as plain text: markdown parsing of megabytes would freeze the tab.
const MARKDOWN_LIMIT = 50_000;

function inputSummary(input: unknown): string {
  if (typeof input !== "object" || input === null) return "";
  const values = Object.values(input as Record<string, unknown>).filter((value) => typeof value === "string") as string[];
  const first = values[0] ?? "";
  return first.length > 80 ? `${first.slice(0, 80)}…` : first;
}

/** One entry of the conversation: assistant text, a tool call or result, the init event, … */
export function ConversationEntry({ item }: { item: ConversationItem }) {
  switch (item.kind) {
    case "init":
      return (
        <div className="event event-init">
          <div className="event-label">Session started</div>
          <div>
            model <code>{item.model || "default"}</code>
            {item.permissionMode && (
              <>
                {" "}
                · permissions <code>{item.permissionMode}</code>
              </>
            )}
          </div>
          {item.mcpServers.length > 0 && (
            <ul className="inline-list" aria-label="MCP servers">
              {item.mcpServers.map((server) => (
                <li key={server.name}>
                  {server.name} <StatusBadge status={server.status || "unknown"} />
                </li>
              ))}
            </ul>
          )}
          <details>
            <summary>{item.tools.length} tools</summary>
            <p className="mono small">{item.tools.join(", ")}</p>
          </details>
        </div>
      );
    case "text":
      return (
        <div className="event event-assistant">
          <div className="event-label">Assistant</div>
          {item.text.length > MARKDOWN_LIMIT ? <LongText text={item.text} /> : <Markdown text={item.text} />}
        </div>
      );
    case "thinking":
      return (
        <details className="event event-thinking">
          <summary>Thinking</summary>
          <LongText text={item.text} />
        </details>
      );
    case "user_text":
      return (
        <div className="event event-user">
          <div className="event-label">User</div>
          <LongText text={item.text} />
        </div>
      );
    case "tool_use":
      return (
        <details className="event event-tool">
          <summary>
            <span className="event-label">Tool call</span> <code>{item.name}</code> <span className="muted">{inputSummary(item.input)}</span>
          </summary>
          <LongText text={JSON.stringify(item.input, null, 2)} className="mono" />
        </details>
      );
    case "tool_result":
      return (
        <details className={`event event-tool-result${item.isError ? " is-error" : ""}`} open={item.isError}>
          <summary>
            <span className="event-label">{item.isError ? "Tool error" : "Tool result"}</span> <code>{item.toolName}</code>{" "}
            <span className="muted">{item.text.length > 1024 ? `${Math.round(item.text.length / 1024)} KiB` : `${item.text.length} chars`}</span>
          </summary>
          <LongText text={item.text} className="mono" />
        </details>
      );
    case "result":
      return (
        <div className={`event event-result${item.isError ? " is-error" : ""}`}>
          <div className="event-label">
            {item.isError ? "Finished with an error" : "Result"} {item.subtype && item.subtype !== "success" && <code>{item.subtype}</code>}
          </div>
          {item.text && (item.text.length > MARKDOWN_LIMIT ? <LongText text={item.text} /> : <Markdown text={item.text} />)}
          <div className="muted small">
            {formatCost(item.costUsd)} · {item.numTurns ?? "–"} turns · {formatDuration(item.durationMs)}
          </div>
        </div>
      );
    case "denial":
      return (
        <div className="event event-denial">
          <div className="event-label">Permission denied</div>
          <code>{item.toolName}</code> <span className="mono small">{item.message}</span>
        </div>
      );
    case "retry":
      return (
        <div className="event event-notice">
          API retry {item.attempt ?? "?"}/{item.maxRetries ?? "?"} {item.error && <span className="muted">({item.error})</span>}
        </div>
      );
    case "stderr":
      return (
        <div className="event event-stderr">
          <div className="event-label">stderr</div>
          <LongText text={item.text} className="mono" />
        </div>
      );
    case "raw":
      return (
        <div className="event event-raw">
          <div className="event-label">output (not JSON)</div>
          <LongText text={item.text} className="mono" />
        </div>
      );
    case "orchestrator":
      return (
        <div className="event event-orchestrator">
          <span className="event-label">Orchestrator</span> {item.message} {item.status && <StatusBadge status={item.status} />}
        </div>
      );
    default:
      return (
        <details className="event event-other">
          <summary>
            <code>{item.type}</code>
          </summary>
          <LongText text={JSON.stringify(item.payload, null, 2)} className="mono" />
        </details>
      );
  }
}
