import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useAgent, useDeleteAgent, useExecutions, useMe } from "../api/hooks";
import { AddMcpServerForm } from "../components/AddMcpServerForm";
import { ErrorMessage, Unavailable, isUnavailable } from "../components/ErrorMessage";
import { ExecutionTable } from "../components/ExecutionTable";
import { McpProblems } from "../components/McpProblems";
import { McpServerList } from "../components/McpServerList";
import { TypedConfirm } from "../components/TypedConfirm";
import { PromptEditor } from "./PromptEditor";
import { RunForm } from "./RunForm";

function AgentHistory({ folder }: { folder: string }) {
  const executions = useExecutions({ agent: folder, page_size: 10 });
  if (executions.isPending) return <p className="muted">Loading runs…</p>;
  if (executions.isError)
    return isUnavailable(executions.error) ? <Unavailable what="Execution history" /> : <ErrorMessage error={executions.error} />;
  if (!executions.data.results.length) return <p className="muted">No runs yet. Give it a task above.</p>;
  return (
    <>
      <ExecutionTable rows={executions.data.results} showAgent={false} compact />
      {executions.data.count > executions.data.results.length && (
        <Link to={`/executions?agent=${encodeURIComponent(folder)}`}>All {executions.data.count} runs</Link>
      )}
    </>
  );
}

function DeleteAgent({ folder }: { folder: string }) {
  const remove = useDeleteAgent(folder);
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  if (!open)
    return (
      <button type="button" className="danger-outline" onClick={() => setOpen(true)}>
        Delete agent…
      </button>
    );
  return (
    <TypedConfirm
      expected={folder}
      label="The folder moves to the Orchestrator's trash; its runs stay in history."
      action="Delete agent"
      pending={remove.isPending}
      error={remove.error}
      onConfirm={(confirm) => remove.mutate(confirm, { onSuccess: () => navigate("/agents") })}
      onCancel={() => setOpen(false)}
    />
  );
}

/** One agent: its prompt editor, a run form, its recent runs and its MCP servers. */
export function AgentDetailPage() {
  const { folder = "" } = useParams();
  const agent = useAgent(folder);
  const me = useMe();
  const staff = me.data?.is_staff ?? false;
  const [addingServer, setAddingServer] = useState(false);

  if (agent.isPending) return <div className="page muted">Loading {folder}…</div>;
  if (agent.isError)
    return (
      <div className="page">
        <ErrorMessage error={agent.error} />
        <Link to="/agents">Back to agents</Link>
      </div>
    );
  const data = agent.data;
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <Link to="/agents" className="muted">
            ← Agents
          </Link>
          <h1>{data.name || data.folder}</h1>
          <div className="muted mono">
            {data.folder}
            {data.model && ` · model ${data.model}`}
            {data.permission_mode && ` · ${data.permission_mode}`}
            {!data.enabled && " · disabled"}
          </div>
        </div>
      </div>
      <div className="two-columns">
        <PromptEditor key={data.folder} agent={data} editable={staff} />
        <div className="stack">
          <section className="card" aria-labelledby="run-title">
            <h2 id="run-title">Run a task</h2>
            {staff ? <RunForm folder={data.folder} /> : <p className="muted">Only staff users can run agents.</p>}
          </section>
          <section className="card" aria-labelledby="history-title">
            <h2 id="history-title">Recent runs</h2>
            <AgentHistory folder={data.folder} />
          </section>
        </div>
      </div>
      <section aria-labelledby="mcp-title" className="section">
        <div className="section-head">
          <h2 id="mcp-title">MCP servers</h2>
          {staff && !addingServer && (
            <button type="button" onClick={() => setAddingServer(true)}>
              Add server
            </button>
          )}
        </div>
        {addingServer && <AddMcpServerForm agent={data.folder} onDone={() => setAddingServer(false)} />}
        <McpProblems agent={data.folder} />
        <McpServerList agent={data.folder} staff={staff} />
      </section>
      {staff && (
        <section className="section danger-zone" aria-label="Delete agent">
          <DeleteAgent folder={data.folder} />
        </section>
      )}
    </div>
  );
}
