import { useState } from "react";
import { useCheckMcpServer, useDeleteMcpServer, useMcpServers } from "../api/hooks";
import type { McpServer } from "../api/types";
import { formatAge } from "../lib/format";
import { ErrorMessage, Unavailable, isUnavailable } from "./ErrorMessage";
import { StatusBadge } from "./StatusBadge";
import { TypedConfirm } from "./TypedConfirm";

function McpServerRow({ server, staff, showAgent }: { server: McpServer; staff: boolean; showAgent: boolean }) {
  const check = useCheckMcpServer();
  const remove = useDeleteMcpServer();
  const [confirming, setConfirming] = useState(false);
  const target = server.transport === "stdio" ? [server.command, ...(server.args ?? [])].join(" ") : server.url;
  return (
    <li className={`card mcp-card${server.effective ? "" : " shadowed"}`} data-testid={`mcp-${server.name}`}>
      <div className="section-head">
        <strong>{server.name}</strong>
        <StatusBadge status={server.status} />
      </div>
      <div className="muted">
        {showAgent && <>{server.agent ?? "all agents"} · </>}
        {server.scope} · {server.transport} · {server.source}
        {server.disabled_by ? (
          <>
            {" · "}
            <span className="badge badge-disabled">disabled in {server.disabled_by}</span>
          </>
        ) : (
          !server.effective && " · overridden by a closer scope"
        )}
      </div>
      <code className="mcp-target">{target}</code>
      <dl className="facts">
        <div>
          <dt>Checked</dt>
          <dd>{server.checked_at ? `${formatAge(server.checked_at)}${server.latency_ms != null ? `, ${server.latency_ms} ms` : ""}` : "never"}</dd>
        </div>
        <div>
          <dt>Last run said</dt>
          <dd>{server.reported_status ?? "–"}</dd>
        </div>
        {server.server_name && (
          <div>
            <dt>Server</dt>
            <dd>
              {server.server_name} {server.server_version}
            </dd>
          </div>
        )}
      </dl>
      {server.tools?.length > 0 && (
        <details>
          <summary>{server.tools.length} tools</summary>
          <ul className="tool-list">
            {server.tools.map((tool) => (
              <li key={tool}>
                <code>{tool}</code>
              </li>
            ))}
          </ul>
        </details>
      )}
      {server.last_error && <p className="field-error">{server.last_error}</p>}
      <ErrorMessage error={check.error || remove.error} />
      {staff && (
        <div className="row">
          <button type="button" onClick={() => check.mutate(server)} disabled={check.isPending || server.checking}>
            {check.isPending || server.checking ? "Checking…" : "Check now"}
          </button>
          {(server.managed ?? server.scope === "project") && (
            <button type="button" className="danger-outline" onClick={() => setConfirming(true)}>
              Remove
            </button>
          )}
        </div>
      )}
      {confirming && (
        <TypedConfirm
          expected={server.name}
          label={`Remove ${server.name} from ${server.source}.`}
          action="Remove server"
          pending={remove.isPending}
          error={null}
          onConfirm={(confirm) => remove.mutate({ server, confirm }, { onSuccess: () => setConfirming(false) })}
          onCancel={() => setConfirming(false)}
        />
      )}
    </li>
  );
}

/** MCP servers of one agent (or all), with status, tools, latency, check and remove. */
export function McpServerList({ agent, staff }: { agent?: string; staff: boolean }) {
  const servers = useMcpServers(agent);
  if (servers.isPending) return <p className="muted">Loading MCP servers…</p>;
  if (servers.isError) return isUnavailable(servers.error) ? <Unavailable what="MCP server status" /> : <ErrorMessage error={servers.error} />;
  if (!servers.data.length)
    return (
      <div className="empty">
        <strong>No MCP servers.</strong>
        <span>
          {agent
            ? staff
              ? "Add one with “Add server”, or put a .mcp.json in the agent's folder."
              : "None are configured for this agent."
            : "No agent has a .mcp.json and ~/.claude.json lists none. Add servers from an agent's page."}
        </span>
      </div>
    );
  return (
    <ul className="mcp-grid">
      {servers.data.map((server) => (
        <McpServerRow key={server.id} server={server} staff={staff} showAgent={!agent} />
      ))}
    </ul>
  );
}
