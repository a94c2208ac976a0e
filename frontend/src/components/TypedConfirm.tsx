import { useId, useState, type FormEvent } from "react";
import { ErrorMessage } from "./ErrorMessage";

interface Props {
  /** What the user must type, exactly. */
  expected: string;
  label: string;
  action: string;
  pending: boolean;
  error: unknown;
  onConfirm: (typed: string) => void;
  onCancel: () => void;
}

/** A destructive action confirmed by typing the object's name, as the API itself requires. */
export function TypedConfirm({ expected, label, action, pending, error, onConfirm, onCancel }: Props) {
  const [typed, setTyped] = useState("");
  const inputId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (typed === expected) onConfirm(typed);
  };
  return (
    <form className="confirm-box" onSubmit={submit}>
      <label htmlFor={inputId}>
        {label} Type <code>{expected}</code> to confirm.
      </label>
      <input id={inputId} value={typed} onChange={(event) => setTyped(event.target.value)} autoComplete="off" autoFocus />
      <ErrorMessage error={error} />
      <div className="row">
        <button type="submit" className="danger" disabled={typed !== expected || pending}>
          {pending ? "Working…" : action}
        </button>
        <button type="button" onClick={onCancel}>
          Keep it
        </button>
      </div>
    </form>
  );
}
