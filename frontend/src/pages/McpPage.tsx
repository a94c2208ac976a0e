import { useMcpProblems, useMe, useSyncMcpServers } from "../api/hooks";
import { ErrorMessage } from "../components/ErrorMessage";
import { McpServerList } from "../components/McpServerList";

/** Every MCP server of every agent, plus the config files that could not be read. */
export function McpPage() {
  const me = useMe();
  const problems = useMcpProblems();
  const sync = useSyncMcpServers();
  const staff = me.data?.is_staff ?? false;
  return (
    <div className="page">
      <div className="page-head">
        <h1>MCP servers</h1>
        {staff && (
          <button type="button" onClick={() => sync.mutate()} disabled={sync.isPending}>
            {sync.isPending ? "Re-reading…" : "Re-read config files"}
          </button>
        )}
      </div>
      <p className="muted">Add or remove servers from an agent's page. Values of env variables and headers are never shown.</p>
      <ErrorMessage error={sync.error} />
      {problems.data && problems.data.length > 0 && (
        <div className="warning-box" role="status">
          <strong>Config files that could not be read</strong>
          <ul>
            {problems.data.map((problem, index) => (
              <li key={index}>
                <code>{problem.source}</code>: {problem.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <McpServerList staff={staff} />
    </div>
  );
}
