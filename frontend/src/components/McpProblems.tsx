import { useMcpProblems } from "../api/hooks";

/** MCP config files that could not be read: all of them, or those that concern one agent
 * (its own .mcp.json, and ~/.claude.json, which every agent reads). */
export function McpProblems({ agent }: { agent?: string }) {
  const problems = useMcpProblems();
  const shown = (problems.data ?? []).filter((problem) => !agent || problem.agent === null || problem.agent === agent);
  if (shown.length === 0) return null;
  return (
    <div className="warning-box" role="status">
      <strong>Config files that could not be read</strong>
      <ul>
        {shown.map((problem, index) => (
          <li key={index}>
            <code>{problem.source}</code>: {problem.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
