import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { ApiError } from "../api/client";
import { useRunAgent } from "../api/hooks";
import type { RunOptions } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";

interface Props {
  folder: string;
  initialTask?: string;
  resumeSessionId?: string;
  submitLabel?: string;
  onStarted?: () => void;
}

function positiveInt(text: string): number | undefined {
  const value = Number(text);
  return text.trim() && Number.isInteger(value) ? value : undefined;
}

/** Dispatch a task to an agent (optionally model, max turns, timeout), then open the live run. */
export function RunForm({ folder, initialTask = "", resumeSessionId, submitLabel = "Run", onStarted }: Props) {
  const run = useRunAgent(folder);
  const navigate = useNavigate();
  const [task, setTask] = useState(initialTask);
  const [model, setModel] = useState("");
  const [maxTurns, setMaxTurns] = useState("");
  const [timeout, setTimeoutText] = useState("");
  const [advanced, setAdvanced] = useState(false);
  const serverError = run.error instanceof ApiError ? run.error : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const options: RunOptions = { task };
    if (model.trim()) options.model = model.trim();
    const turns = positiveInt(maxTurns);
    if (turns !== undefined) options.max_turns = turns;
    const seconds = positiveInt(timeout);
    if (seconds !== undefined) options.timeout = seconds;
    if (resumeSessionId) options.resume_session_id = resumeSessionId;
    run.mutate(options, {
      onSuccess: (execution) => {
        onStarted?.();
        navigate(`/executions/${execution.id}`);
      },
    });
  };

  return (
    <form className="form run-form" onSubmit={submit} aria-label={resumeSessionId ? "Continue the session" : "Run a task"}>
      <label>
        {resumeSessionId ? "Follow-up task (same session)" : "Task"}
        <textarea
          name="task"
          rows={4}
          value={task}
          onChange={(event) => setTask(event.target.value)}
          placeholder="What should the agent do?"
          required
          maxLength={100_000}
        />
      </label>
      {serverError?.fieldError("task") && <p className="field-error">{serverError.fieldError("task")}</p>}
      <button type="button" className="link-button" aria-expanded={advanced} onClick={() => setAdvanced((value) => !value)}>
        {advanced ? "Hide options" : "Options: model, max turns, timeout"}
      </button>
      {advanced && (
        <div className="options-grid">
          <label>
            Model
            <input name="model" value={model} onChange={(event) => setModel(event.target.value)} placeholder="agent default" />
          </label>
          <label>
            Max turns
            <input name="max_turns" type="number" min={1} max={200} value={maxTurns} onChange={(event) => setMaxTurns(event.target.value)} />
          </label>
          <label>
            Timeout (s)
            <input name="timeout" type="number" min={1} value={timeout} onChange={(event) => setTimeoutText(event.target.value)} />
          </label>
          {["model", "max_turns", "timeout"].map(
            (name) => serverError?.fieldError(name) && <p key={name} className="field-error">{`${name}: ${serverError.fieldError(name)}`}</p>,
          )}
        </div>
      )}
      <ErrorMessage error={run.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={run.isPending || !task.trim()}>
          {run.isPending ? "Starting…" : submitLabel}
        </button>
      </div>
    </form>
  );
}
