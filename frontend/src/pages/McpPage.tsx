import { useMe, useSyncMcpServers } from "../api/hooks";
import { ErrorMessage } from "../components/ErrorMessage";
import { McpProblems } from "../components/McpProblems";
import { McpServerList } from "../components/McpServerList";

/** Every MCP server of every agent, plus the config files that could not be read. */
export function McpPage() {
  const me = useMe();
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
      <McpProblems />
      <McpServerList staff={staff} />
    </div>
  );
}
