import { useMemo, useState } from "react";
import { Link } from "react-router";
import { useAgents, useMe, useSyncAgents } from "../api/hooks";
import type { Agent } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { StatusBadge } from "../components/StatusBadge";
import { formatAge, formatCost, formatPercent } from "../lib/format";
import { NewAgentForm } from "./NewAgentForm";

function AgentState({ agent }: { agent: Agent }) {
  if (agent.is_missing) return <span className="state state-missing">folder missing</span>;
  if (!agent.enabled) return <span className="state state-disabled">disabled</span>;
  const running = agent.running ?? 0;
  const queued = agent.queued ?? 0;
  if (running > 0)
    return (
      <span className="state state-running">
        running{queued > 0 ? `, ${queued} queued` : ""}
      </span>
    );
  if (queued > 0) return <span className="state state-queued">{queued} queued</span>;
  return <span className="state state-idle">idle</span>;
}

export function matchesSearch(agent: Agent, search: string): boolean {
  const needle = search.trim().toLowerCase();
  if (!needle) return true;
  return [agent.folder, agent.name, agent.description].some((value) => value?.toLowerCase().includes(needle));
}

function AgentCard({ agent }: { agent: Agent }) {
  const last = agent.last_execution;
  const stats = agent.stats_7d;
  return (
    <li className="card agent-card" data-testid={`agent-${agent.folder}`}>
      <div className="agent-card-head">
        <Link to={`/agents/${encodeURIComponent(agent.folder)}`} className="agent-name">
          {agent.name || agent.folder}
        </Link>
        <AgentState agent={agent} />
      </div>
      <div className="muted mono">{agent.folder}</div>
      {agent.description && <p className="agent-description">{agent.description}</p>}
      <dl className="facts">
        <div>
          <dt>Last run</dt>
          <dd>
            {last ? (
              <Link to={`/executions/${last.id}`}>
                <StatusBadge status={last.status} /> {formatAge(last.finished_at ?? last.created_at)}
              </Link>
            ) : (
              "never"
            )}
          </dd>
        </div>
        <div>
          <dt>Success (7 d)</dt>
          <dd>{stats && stats.runs > 0 ? `${formatPercent(stats.success_rate)} of ${stats.runs}` : "no runs"}</dd>
        </div>
        <div>
          <dt>Cost (7 d)</dt>
          <dd>{stats ? formatCost(stats.cost_usd) : "–"}</dd>
        </div>
      </dl>
    </li>
  );
}

/** Every agent at a glance: busy or idle, last run, 7-day success and cost; search; new agent. */
export function AgentsPage() {
  const agents = useAgents();
  const me = useMe();
  const sync = useSyncAgents();
  const [search, setSearch] = useState("");
  const [creating, setCreating] = useState(false);
  const shown = useMemo(() => (agents.data ?? []).filter((agent) => matchesSearch(agent, search)), [agents.data, search]);
  const staff = me.data?.is_staff ?? false;

  return (
    <div className="page">
      <div className="page-head">
        <h1>Agents</h1>
        <div className="row">
          <input
            type="search"
            placeholder="Search agents"
            aria-label="Search agents"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
          {staff && (
            <>
              <button type="button" onClick={() => sync.mutate()} disabled={sync.isPending} title="Re-scan the agents folder">
                {sync.isPending ? "Scanning…" : "Rescan folder"}
              </button>
              <button type="button" className="primary" onClick={() => setCreating((value) => !value)} aria-expanded={creating}>
                New agent
              </button>
            </>
          )}
        </div>
      </div>
      <ErrorMessage error={sync.error} />
      {creating && <NewAgentForm onClose={() => setCreating(false)} />}
      {agents.isPending && <p className="muted">Loading agents…</p>}
      <ErrorMessage error={agents.error} />
      {agents.data && agents.data.length === 0 && (
        <div className="empty">
          <strong>No agents yet.</strong>
          <span>
            {staff
              ? "Create one with “New agent”, or put a folder with a CLAUDE.md into the agents folder and press “Rescan folder”."
              : "Ask a staff user to create one."}
          </span>
        </div>
      )}
      {agents.data && agents.data.length > 0 && shown.length === 0 && <p className="muted">No agent matches “{search}”.</p>}
      <ul className="agent-grid">
        {shown.map((agent) => (
          <AgentCard key={agent.folder} agent={agent} />
        ))}
      </ul>
    </div>
  );
}
