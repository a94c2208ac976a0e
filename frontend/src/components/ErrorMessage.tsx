import { ApiError, errorMessage } from "../api/client";

/** An API failure shown with the server's own title and message, never a bare status code. */
export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const heading = title ?? (error instanceof ApiError ? error.title : "Something went wrong");
  return (
    <div className="error-box" role="alert">
      <strong>{heading}</strong>
      <span>{errorMessage(error)}</span>
    </div>
  );
}

/** True when a failure means "this endpoint is not deployed yet", so a screen can say so calmly. */
export function isUnavailable(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 404 || error.status === 405 || error.status === 501);
}

export function Unavailable({ what }: { what: string }) {
  return (
    <div className="empty" role="status">
      <strong>{what} is not available on this server yet.</strong>
      <span>Update the Orchestrator to a version that provides it.</span>
    </div>
  );
}
