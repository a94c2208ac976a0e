import { statusLabel } from "../lib/format";

/** A coloured pill for an execution or server status; the text is always there for screen readers. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{statusLabel(status)}</span>;
}
