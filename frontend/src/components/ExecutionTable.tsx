import { Link } from "react-router";
import type { ExecutionRow } from "../api/types";
import { formatAge, formatCost, formatDuration, formatTokens } from "../lib/format";
import { StatusBadge } from "./StatusBadge";

/** Executions as rows; the task preview links to the live execution page. */
export function ExecutionTable({ rows, showAgent = true, compact = false }: { rows: ExecutionRow[]; showAgent?: boolean; compact?: boolean }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Status</th>
            {showAgent && <th scope="col">Agent</th>}
            <th scope="col">Task</th>
            <th scope="col">Started</th>
            {!compact && <th scope="col">Duration</th>}
            <th scope="col">Cost</th>
            {!compact && <th scope="col">Tokens in/out</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-status={row.status}>
              <td>
                <StatusBadge status={row.status} />
              </td>
              {showAgent && (
                <td>
                  <Link to={`/agents/${encodeURIComponent(row.agent)}`}>{row.agent_name || row.agent}</Link>
                </td>
              )}
              <td className="task-cell">
                <Link to={`/executions/${row.id}`}>{row.task_preview || "(empty task)"}</Link>
              </td>
              <td title={row.created_at}>{formatAge(row.started_at ?? row.created_at)}</td>
              {!compact && <td>{formatDuration(row.duration_ms)}</td>}
              <td>{formatCost(row.total_cost_usd)}</td>
              {!compact && (
                <td>
                  {formatTokens(row.input_tokens)} / {formatTokens(row.output_tokens)}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
