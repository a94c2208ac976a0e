import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { Link, useParams } from "react-router";
import { useCancelExecution, useExecution, useMe, keys } from "../api/hooks";
import type { ExecutionDetail, ExecutionEvent, ExecutionId, ExecutionStatus } from "../api/types";
import { ACTIVE_STATUSES } from "../api/types";
import { useExecutionEvents, type StreamState } from "../api/useExecutionEvents";
import { Conversation } from "../components/Conversation";
import { ErrorMessage } from "../components/ErrorMessage";
import { LongText } from "../components/LongText";
import { StatusBadge } from "../components/StatusBadge";
import { formatCost, formatDateTime, formatDuration, formatTokens, shortId } from "../lib/format";
import { RunForm } from "./RunForm";

/** The last status an orchestrator event announced (queued/running), or null. */
export function latestReportedStatus(events: ExecutionEvent[]): ExecutionStatus | null {
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index];
    const status = event.type === "orchestrator" ? event.payload.status : undefined;
    if (typeof status === "string" && ACTIVE_STATUSES.includes(status as ExecutionStatus)) return status as ExecutionStatus;
  }
  return null;
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function Elapsed({ execution, active }: { execution: ExecutionDetail; active: boolean }) {
  const now = useNow(active);
  if (!active) return <>{formatDuration(execution.duration_ms)}</>;
  const from = Date.parse(execution.started_at ?? execution.created_at);
  return <>{formatDuration(Math.max(0, now - from))}</>;
}

const STREAM_WORDS: Record<StreamState, string> = {
  connecting: "connecting…",
  live: "live",
  reconnecting: "reconnecting…",
  polling: "refreshing every second",
  ended: "complete",
  error: "connection problem, retrying",
};

function Facts({ execution, active }: { execution: ExecutionDetail; active: boolean }) {
  const facts: [string, React.ReactNode][] = [
    ["Agent", <Link to={`/agents/${encodeURIComponent(execution.agent)}`}>{execution.agent_name || execution.agent}</Link>],
    ["Started", formatDateTime(execution.started_at ?? execution.created_at)],
    ["Finished", formatDateTime(execution.finished_at)],
    [active ? "Elapsed" : "Duration", <Elapsed execution={execution} active={active} />],
    ["Cost (API-equivalent)", formatCost(execution.total_cost_usd)],
    ["Tokens in / out", `${formatTokens(execution.input_tokens)} / ${formatTokens(execution.output_tokens)}`],
    ["Cache read / created", `${formatTokens(execution.cache_read_tokens)} / ${formatTokens(execution.cache_creation_tokens)}`],
    ["Turns", execution.num_turns ?? "–"],
    ["Model", execution.model || execution.options?.model || "agent default"],
    ["Session", <code title={execution.session_id}>{shortId(execution.session_id)}</code>],
    ...(execution.resume_session_id
      ? [["Continues session", <code title={execution.resume_session_id}>{shortId(execution.resume_session_id)}</code>] as [string, React.ReactNode]]
      : []),
    ["Commit", execution.commit_sha ? <code title={execution.commit_sha}>{shortId(execution.commit_sha, 10)}</code> : "none"],
    ["Prompt revision", execution.prompt_revision ? <code>{shortId(execution.prompt_revision, 10)}</code> : "–"],
    ["Trigger", execution.trigger],
    ["Exit code", execution.exit_code ?? "–"],
  ];
  return (
    <dl className="facts facts-grid">
      {facts.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function CancelButton({ id }: { id: ExecutionId }) {
  const cancel = useCancelExecution(id);
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" className="danger" onClick={() => setAsking(true)}>
        Cancel run
      </button>
    );
  return (
    <span className="confirm-inline" role="group" aria-label="Confirm cancel">
      Stop this run?
      <button type="button" className="danger" onClick={() => cancel.mutate(undefined, { onSettled: () => setAsking(false) })} disabled={cancel.isPending}>
        {cancel.isPending ? "Cancelling…" : "Yes, cancel"}
      </button>
      <button type="button" onClick={() => setAsking(false)} autoFocus>
        No, keep running
      </button>
      <ErrorMessage error={cancel.error} />
    </span>
  );
}

/** One execution, live: its numbers, the conversation as it streams in, and what to do next. */
export function ExecutionPage() {
  const { id = "" } = useParams();
  // A fresh view per id, so the event stream of one run never bleeds into the next.
  return <ExecutionView key={id} id={id} />;
}

function ExecutionView({ id }: { id: string }) {
  const execution = useExecution(id);
  const stream = useExecutionEvents(id);
  const me = useMe();
  const client = useQueryClient();
  const [followUp, setFollowUp] = useState<"again" | "continue" | null>(null);

  const streamStatus = useMemo(() => latestReportedStatus(stream.events), [stream.events]);

  // When the stream says the run is over, fetch the final numbers now instead of at the next poll.
  useEffect(() => {
    if (stream.finalStatus) client.invalidateQueries({ queryKey: keys.execution(id) });
  }, [stream.finalStatus, client, id]);

  if (execution.isPending) return <div className="page muted">Loading execution…</div>;
  if (execution.isError)
    return (
      <div className="page">
        <ErrorMessage error={execution.error} />
        <Link to="/executions">Back to history</Link>
      </div>
    );
  const data = execution.data;
  const active = ACTIVE_STATUSES.includes(data.status) && stream.finalStatus === null;
  // The stream says "running" (an orchestrator event) before the next poll of the detail would.
  const status = active ? (streamStatus ?? data.status) : (stream.finalStatus ?? data.status);
  const staff = me.data?.is_staff ?? false;

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <Link to="/executions" className="muted">
            ← History
          </Link>
          <h1>
            Run <code>{typeof data.id === "number" ? `#${data.id}` : shortId(data.id)}</code> <StatusBadge status={status} />
          </h1>
        </div>
        {staff && (
          <div className="row">
            {active && <CancelButton id={data.id} />}
            {!active && (
              <button type="button" onClick={() => setFollowUp(followUp === "again" ? null : "again")} aria-expanded={followUp === "again"}>
                Run again
              </button>
            )}
            {!active && data.session_id && (
              <button type="button" onClick={() => setFollowUp(followUp === "continue" ? null : "continue")} aria-expanded={followUp === "continue"}>
                Continue
              </button>
            )}
          </div>
        )}
      </div>
      {active && (
        <div className="progress" role="progressbar" aria-label={data.status === "queued" ? "Waiting in the queue" : "Running"}>
          <div className="progress-bar" />
        </div>
      )}
      {followUp && (
        <section className="card">
          <h2>{followUp === "again" ? "Run the same task again" : "Continue this session"}</h2>
          <RunForm
            key={followUp}
            folder={data.agent}
            initialTask={followUp === "again" ? data.task : ""}
            resumeSessionId={followUp === "continue" ? data.session_id : undefined}
            submitLabel={followUp === "again" ? "Run again" : "Send follow-up"}
            onStarted={() => setFollowUp(null)}
          />
        </section>
      )}
      {data.error_message && (
        <div className={data.status === "cancelled" ? "warning-box" : "error-box"} role="alert">
          <strong>Why it {data.status === "cancelled" ? "stopped" : "failed"}</strong>
          <span>{data.error_message}</span>
        </div>
      )}
      {data.errors?.length > 0 && (
        <div className="error-box" role="alert">
          <strong>Errors reported by Claude Code</strong>
          <ul>
            {data.errors.map((text, index) => (
              <li key={index}>{text}</li>
            ))}
          </ul>
        </div>
      )}
      {data.truncated && (
        <div className="warning-box" role="status">
          The output was larger than the server keeps, so it was truncated: what came past the limit was discarded (the
          last event says how much).
        </div>
      )}
      <section className="card">
        <Facts execution={data} active={active} />
        {data.permission_denials?.length > 0 && (
          <details className="denials">
            <summary>
              {data.permission_denials.length} permission {data.permission_denials.length === 1 ? "denial" : "denials"}
            </summary>
            <pre className="mono small">{JSON.stringify(data.permission_denials, null, 2)}</pre>
          </details>
        )}
        <details>
          <summary>Task</summary>
          <LongText text={data.task} />
        </details>
        {data.argv?.length > 0 && (
          <details>
            <summary>Command line</summary>
            <pre className="mono small">{data.argv.join(" ")}</pre>
            <p className="muted small">
              Worker {data.worker_host || "–"}
              {data.pid ? `, pid ${data.pid}` : ""}
              {data.heartbeat_at ? `, last heartbeat ${formatDateTime(data.heartbeat_at)}` : ""}
            </p>
          </details>
        )}
      </section>
      <section className="card" aria-labelledby="events-title">
        <div className="section-head">
          <h2 id="events-title">Conversation</h2>
          <span className="muted" data-testid="event-count">
            {stream.events.length} events · {STREAM_WORDS[stream.state]}
          </span>
        </div>
        {stream.error && <p className="field-error">{stream.error}</p>}
        <Conversation events={stream.events} live={active} />
      </section>
    </div>
  );
}
