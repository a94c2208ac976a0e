import { useState, type FormEvent } from "react";
import { useAddMcpServer } from "../api/hooks";
import type { NewMcpServer } from "../api/types";
import { ErrorMessage } from "./ErrorMessage";

/** "KEY=value" lines into an object; values stay in the browser only until sent. */
export function parsePairs(text: string, separator: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const index = line.indexOf(separator);
    if (index <= 0) continue;
    pairs[line.slice(0, index).trim()] = line.slice(index + separator.length).trim();
  }
  return pairs;
}

export function AddMcpServerForm({ agent, onDone }: { agent: string; onDone: () => void }) {
  const add = useAddMcpServer();
  const [name, setName] = useState("");
  const [transport, setTransport] = useState<NewMcpServer["transport"]>("stdio");
  const [command, setCommand] = useState("");
  const [args, setArgs] = useState("");
  const [url, setUrl] = useState("");
  const [secrets, setSecrets] = useState("");

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: NewMcpServer = { agent, name, transport };
    if (transport === "stdio") {
      body.command = command;
      body.args = args.split("\n").map((line) => line.trim()).filter(Boolean);
      const env = parsePairs(secrets, "=");
      if (Object.keys(env).length) body.env = env;
    } else {
      body.url = url;
      const headers = parsePairs(secrets, ":");
      if (Object.keys(headers).length) body.headers = headers;
    }
    add.mutate(body, { onSuccess: onDone });
  };

  return (
    <form className="card form" onSubmit={submit} aria-label="Add MCP server">
      <h3>Add an MCP server to {agent}/.mcp.json</h3>
      <div className="options-grid">
        <label>
          Name
          <input value={name} onChange={(event) => setName(event.target.value)} required />
        </label>
        <label>
          Transport
          <select value={transport} onChange={(event) => setTransport(event.target.value as NewMcpServer["transport"])}>
            <option value="stdio">stdio</option>
            <option value="http">http</option>
            <option value="sse">sse</option>
          </select>
        </label>
      </div>
      {transport === "stdio" ? (
        <>
          <label>
            Command
            <input value={command} onChange={(event) => setCommand(event.target.value)} required placeholder="npx" />
          </label>
          <label>
            Arguments (one per line)
            <textarea rows={3} value={args} onChange={(event) => setArgs(event.target.value)} />
          </label>
          <label>
            Environment (KEY=value per line; values are written to the file, never shown again)
            <textarea rows={2} value={secrets} onChange={(event) => setSecrets(event.target.value)} />
          </label>
        </>
      ) : (
        <>
          <label>
            URL
            <input type="url" value={url} onChange={(event) => setUrl(event.target.value)} required />
          </label>
          <label>
            Headers (Name: value per line; never shown again)
            <textarea rows={2} value={secrets} onChange={(event) => setSecrets(event.target.value)} />
          </label>
        </>
      )}
      <ErrorMessage error={add.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={add.isPending}>
          {add.isPending ? "Adding…" : "Add server"}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
