import { NavLink, Outlet } from "react-router";
import { useHealth, useLogout, useMe } from "../api/hooks";
import { HealthIndicator } from "./HealthIndicator";

/** Header (navigation, health, user, sign-out), the current screen, and a footer with the version. */
export function Layout() {
  const me = useMe();
  const logout = useLogout();
  const health = useHealth();
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/agents" className="brand">
          Orchestrator
        </NavLink>
        <nav aria-label="Main">
          <NavLink to="/agents">Agents</NavLink>
          <NavLink to="/executions">History</NavLink>
          <NavLink to="/usage">Usage</NavLink>
          <NavLink to="/mcp">MCP servers</NavLink>
          {me.data?.is_staff && <a href="/admin/">Admin</a>}
        </nav>
        <div className="topbar-right">
          <HealthIndicator />
          {me.data && (
            <span className="user" title={me.data.is_staff ? "staff: can run and edit" : "read-only"}>
              {me.data.username}
              {!me.data.is_staff && " (read-only)"}
            </span>
          )}
          <button type="button" onClick={() => logout.mutate()} disabled={logout.isPending}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="footer">
        Orchestrator {health.data?.version ? `v${health.data.version}` : ""}
        {health.data?.claude_cli_version ? ` · Claude Code ${health.data.claude_cli_version}` : ""}
      </footer>
    </div>
  );
}
