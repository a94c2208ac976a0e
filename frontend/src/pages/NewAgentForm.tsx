import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { ApiError } from "../api/client";
import { useCreateAgent } from "../api/hooks";
import { ErrorMessage } from "../components/ErrorMessage";

export const FOLDER_PATTERN = /^[a-zA-Z0-9-]+$/;
export const FOLDER_MAX = 64;

/** What is wrong with a folder name, or null when the server will accept its shape. */
export function folderProblem(folder: string): string | null {
  if (!folder) return "Required.";
  if (folder.length > FOLDER_MAX) return `At most ${FOLDER_MAX} characters (this one has ${folder.length}).`;
  if (!FOLDER_PATTERN.test(folder)) return "Only letters, digits and hyphens: no spaces, dots or slashes.";
  return null;
}

const STARTER = "# Role\n\nYou are a … engineer. Describe what this agent does, how it works, and what it must never do.\n";

export function NewAgentForm({ onClose }: { onClose: () => void }) {
  const create = useCreateAgent();
  const navigate = useNavigate();
  const [folder, setFolder] = useState("");
  const [name, setName] = useState("");
  const [prompt, setPrompt] = useState(STARTER);
  const [touched, setTouched] = useState(false);
  const problem = folderProblem(folder);
  const serverError = create.error instanceof ApiError ? create.error : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    create.mutate({ folder, name, prompt }, { onSuccess: (agent) => navigate(`/agents/${encodeURIComponent(agent.folder)}`) });
  };

  return (
    <form className="card form" onSubmit={submit} aria-label="New agent">
      <h2>New agent</h2>
      <label>
        Folder
        <input
          name="folder"
          value={folder}
          onChange={(event) => setFolder(event.target.value)}
          onBlur={() => setTouched(true)}
          aria-describedby="folder-help"
          aria-invalid={touched && problem !== null}
          maxLength={200}
          autoFocus
        />
      </label>
      <p id="folder-help" className={touched && problem ? "field-error" : "hint"}>
        {touched && problem
          ? problem
          : `The folder created under the agents root: letters, digits and hyphens, at most ${FOLDER_MAX} characters (e.g. devops-engineer).`}
      </p>
      {serverError?.fieldError("folder") && <p className="field-error">{serverError.fieldError("folder")}</p>}
      <label>
        Name <span className="muted">(optional, shown in lists)</span>
        <input name="name" value={name} onChange={(event) => setName(event.target.value)} maxLength={200} />
      </label>
      <label>
        Role prompt (CLAUDE.md)
        <textarea name="prompt" rows={8} value={prompt} onChange={(event) => setPrompt(event.target.value)} />
      </label>
      {serverError?.fieldError("prompt") && <p className="field-error">{serverError.fieldError("prompt")}</p>}
      <ErrorMessage error={create.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create agent"}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
