import { useEffect, useState } from "react";
import { useBlocker } from "react-router";
import { useUpdateAgent } from "../api/hooks";
import type { AgentDetail } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { Markdown } from "../components/Markdown";

/** The CLAUDE.md editor: text and rendered preview, a guard against leaving with unsaved edits. */
export function PromptEditor({ agent, editable }: { agent: AgentDetail; editable: boolean }) {
  const update = useUpdateAgent(agent.folder);
  const saved = agent.prompt ?? "";
  const [draft, setDraft] = useState(saved);
  const [view, setView] = useState<"edit" | "preview">("edit");
  const dirty = draft !== saved;

  // A newer version from the server replaces the draft only when the user has not typed anything.
  // `draftFrom` is the digest of the text the draft started from: the server refuses the save
  // (409 PROMPT_CHANGED) if CLAUDE.md has changed since, instead of overwriting someone's edit.
  const [base, setBase] = useState(saved);
  const [draftFrom, setDraftFrom] = useState(agent.prompt_sha256);
  if (base !== saved) {
    setBase(saved);
    if (draft === base || draft === saved) {
      setDraft(saved);
      setDraftFrom(agent.prompt_sha256);
    }
  }
  const discard = () => {
    setDraft(saved);
    setDraftFrom(agent.prompt_sha256);
  };

  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname);
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const save = () => update.mutate({ prompt: draft, ...(draftFrom ? { base_prompt_sha256: draftFrom } : {}) });

  return (
    <section className="card" aria-labelledby="prompt-title">
      <div className="section-head">
        <h2 id="prompt-title">Role prompt (CLAUDE.md)</h2>
        <span className="muted mono" title="git revision of CLAUDE.md">
          {agent.prompt_revision ? `revision ${agent.prompt_revision.slice(0, 10)}` : "not committed yet"}
        </span>
      </div>
      {agent.prompt === null && <p className="field-error">CLAUDE.md is missing from this agent's folder.</p>}
      <div className="tabs" role="tablist" aria-label="Prompt view">
        <button type="button" role="tab" aria-selected={view === "edit"} onClick={() => setView("edit")}>
          Edit
        </button>
        <button type="button" role="tab" aria-selected={view === "preview"} onClick={() => setView("preview")}>
          Preview
        </button>
      </div>
      {view === "edit" ? (
        <textarea
          className="prompt-editor mono"
          aria-label="CLAUDE.md"
          value={draft}
          readOnly={!editable}
          onChange={(event) => setDraft(event.target.value)}
          rows={16}
          spellCheck={false}
        />
      ) : (
        <div className="preview" aria-label="Rendered preview">
          {draft.trim() ? <Markdown text={draft} /> : <p className="muted">Nothing to preview.</p>}
        </div>
      )}
      <ErrorMessage error={update.error} />
      {editable && (
        <div className="row">
          <button type="button" className="primary" onClick={save} disabled={!dirty || update.isPending}>
            {update.isPending ? "Saving…" : "Save"}
          </button>
          <button type="button" onClick={discard} disabled={!dirty || update.isPending}>
            Discard changes
          </button>
          {dirty ? <span className="unsaved">Unsaved changes</span> : update.isSuccess && <span className="saved">Saved</span>}
        </div>
      )}
      {blocker.state === "blocked" && (
        <div className="confirm-box" role="alertdialog" aria-label="Unsaved changes">
          <p>The prompt has unsaved changes. Leave and lose them?</p>
          <div className="row">
            <button type="button" className="danger" onClick={() => blocker.proceed()}>
              Leave
            </button>
            <button type="button" onClick={() => blocker.reset()} autoFocus>
              Stay
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
