import { useHealth } from "../api/hooks";

const PROBLEM_WORDS: Record<string, string> = {
  claude_cli: "Claude CLI",
  worker: "worker",
  database: "database",
  agents_directory: "agents folder",
  api: "API",
};

/** Green when every health check says ok, else names what is failing ("Claude CLI missing"). */
export function HealthIndicator() {
  const health = useHealth();
  if (health.isPending) return <span className="health health-unknown">checking…</span>;
  if (health.isError || !health.data)
    return (
      <span className="health health-bad" role="status">
        server unreachable
      </span>
    );
  const failing = Object.entries(health.data.checks).filter(([, value]) => value !== "ok");
  if (!failing.length)
    return (
      <span className="health health-ok" role="status" title="Every health check passes">
        healthy
      </span>
    );
  const text = failing.map(([name, value]) => `${PROBLEM_WORDS[name] ?? name} ${value.replace(/_/g, " ")}`).join(", ");
  return (
    <span className="health health-bad" role="status" title="Some health checks fail">
      degraded: {text}
    </span>
  );
}
