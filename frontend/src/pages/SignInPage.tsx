import { useState, type FormEvent } from "react";
import { useLogin } from "../api/hooks";
import { ErrorMessage } from "../components/ErrorMessage";

/** Sign in with a Django user; the server rate-limits attempts and says so. */
export function SignInPage() {
  const login = useLogin();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate({ username, password });
  };
  return (
    <main className="signin" id="main">
      <form className="card signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Orchestrator</h1>
        <p className="muted">Sign in with your Orchestrator (Django) account.</p>
        <label>
          Username
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <ErrorMessage error={login.error} />
        <button type="submit" className="primary" disabled={login.isPending}>
          {login.isPending ? "Signing in…" : "Sign in"}
        </button>
        <p className="muted small">
          First time here? <code>make run</code> printed the admin user's password; a copy is in{" "}
          <code>admin-credentials</code> in the Orchestrator home (<code>~/.orchestrator</code> unless <code>ORCHESTRATOR_HOME</code> says otherwise).
        </p>
      </form>
    </main>
  );
}
