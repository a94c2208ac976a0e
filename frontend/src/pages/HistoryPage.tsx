import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { api } from "../api/client";
import { useAgents, useExecutions } from "../api/hooks";
import { EXECUTION_STATUSES, type ExecutionFilters } from "../api/types";
import { ErrorMessage, Unavailable, isUnavailable } from "../components/ErrorMessage";
import { ExecutionTable } from "../components/ExecutionTable";
import { statusLabel } from "../lib/format";

const PAGE_SIZE = 25;

/** The filters live in the address, so a filtered view can be bookmarked and shared. */
export function filtersFromParams(params: URLSearchParams): ExecutionFilters {
  const page = Number(params.get("page") ?? "1");
  return {
    agent: params.get("agent") || undefined,
    status: (params.get("status") ?? "").split(",").filter(Boolean),
    since: params.get("since") || undefined,
    until: params.get("until") || undefined,
    q: params.get("q") || undefined,
    page: Number.isInteger(page) && page > 1 ? page : 1,
    page_size: PAGE_SIZE,
  };
}

export function HistoryPage() {
  const [params, setParams] = useSearchParams();
  const filters = filtersFromParams(params);
  const executions = useExecutions(filters);
  const agents = useAgents();
  const [text, setText] = useState(filters.q ?? "");

  const update = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    if (!("page" in changes)) next.delete("page");
    setParams(next);
  };
  const toggleStatus = (status: string) => {
    const current = new Set(filters.status);
    if (current.has(status)) current.delete(status);
    else current.add(status);
    update({ status: [...current].join(",") });
  };
  const submitText = (event: FormEvent) => {
    event.preventDefault();
    update({ q: text.trim() });
  };
  const page = filters.page ?? 1;
  const count = executions.data?.count ?? 0;
  const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
  const filtered = Boolean(filters.agent || filters.status?.length || filters.since || filters.until || filters.q);

  return (
    <div className="page">
      <div className="page-head">
        <h1>History</h1>
        <a className="button" href={api.exportUrl(filters)} download>
          Export CSV
        </a>
      </div>
      <form className="filters card" onSubmit={submitText} aria-label="Filters">
        <label>
          Agent
          <select value={filters.agent ?? ""} onChange={(event) => update({ agent: event.target.value })}>
            <option value="">All agents</option>
            {(agents.data ?? []).map((agent) => (
              <option key={agent.folder} value={agent.folder}>
                {agent.name || agent.folder}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" value={filters.since ?? ""} onChange={(event) => update({ since: event.target.value })} />
        </label>
        <label>
          To
          <input type="date" value={filters.until ?? ""} onChange={(event) => update({ until: event.target.value })} />
        </label>
        <label className="grow">
          Text in task or result
          <span className="row">
            <input type="search" value={text} onChange={(event) => setText(event.target.value)} placeholder="e.g. deploy" />
            <button type="submit">Search</button>
          </span>
        </label>
        <fieldset className="status-filter">
          <legend>Status</legend>
          {EXECUTION_STATUSES.map((status) => (
            <label key={status} className="check">
              <input type="checkbox" checked={filters.status?.includes(status) ?? false} onChange={() => toggleStatus(status)} />
              {statusLabel(status)}
            </label>
          ))}
        </fieldset>
        {filtered && (
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setText("");
              setParams(new URLSearchParams());
            }}
          >
            Clear filters
          </button>
        )}
      </form>
      {executions.isPending && <p className="muted">Loading history…</p>}
      {executions.isError &&
        (isUnavailable(executions.error) ? <Unavailable what="Execution history" /> : <ErrorMessage error={executions.error} />)}
      {executions.data && (
        <>
          <p className="muted" aria-live="polite">
            {count} {count === 1 ? "execution" : "executions"}
            {filtered ? " match" : ""}
          </p>
          {executions.data.results.length === 0 ? (
            <div className="empty">
              <strong>{filtered ? "Nothing matches these filters." : "No executions yet."}</strong>
              <span>{filtered ? "Widen or clear the filters." : "Open an agent and run a task."}</span>
            </div>
          ) : (
            <ExecutionTable rows={executions.data.results} />
          )}
          {pages > 1 && (
            <nav className="pager" aria-label="Pages">
              <button type="button" disabled={page <= 1} onClick={() => update({ page: String(page - 1) })}>
                Previous
              </button>
              <span>
                Page {page} of {pages}
              </span>
              <button type="button" disabled={page >= pages} onClick={() => update({ page: String(page + 1) })}>
                Next
              </button>
            </nav>
          )}
        </>
      )}
    </div>
  );
}
