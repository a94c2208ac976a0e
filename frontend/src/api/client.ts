// The one module that talks HTTP to Django: it adds the CSRF header, sends the session cookie,
// and turns every failure into an ApiError carrying the server's {"error","code","message"}.
import type {
  AgentDetail,
  Agent,
  ApiErrorBody,
  EventsPage,
  ExecutionDetail,
  ExecutionFilters,
  ExecutionRow,
  Health,
  McpProblem,
  McpServer,
  Me,
  NewMcpServer,
  Page,
  RunOptions,
  Usage,
} from "./types";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly fields: Record<string, string[] | string>;
  readonly retryAfter: number | null;

  constructor(status: number, body: ApiErrorBody, retryAfter: number | null = null) {
    super(body.message || body.error);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code;
    this.title = body.error;
    this.fields = body.fields ?? {};
    this.retryAfter = retryAfter ?? body.retry_after ?? null;
  }

  /** First message for one input field, for showing next to it. */
  fieldError(name: string): string | undefined {
    const value = this.fields[name];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.join(" ") : String(value);
  }
}

export function csrfToken(cookies: string = document.cookie): string {
  for (const part of cookies.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === "csrftoken") return decodeURIComponent(rest.join("="));
  }
  return "";
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ApiErrorBody).code === "string" &&
    typeof (value as ApiErrorBody).message === "string"
  );
}

// What to say when the server (or a proxy in front of it) answered without our error shape.
function fallbackError(status: number): ApiErrorBody {
  if (status === 0)
    return { error: "Server unreachable", code: "NETWORK", message: "Could not reach the Orchestrator. Is it running?" };
  if (status === 404)
    return { error: "Not found", code: "NOT_FOUND", message: "This endpoint is not available on this server." };
  if (status >= 500)
    return { error: "Server error", code: "SERVER_ERROR", message: `The server failed (HTTP ${status}). Check its logs.` };
  return { error: "Request failed", code: "HTTP_" + status, message: `The server answered HTTP ${status}.` };
}

type Method = "GET" | "POST" | "PATCH" | "DELETE";

interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  // Health answers 503 with a normal body when degraded: the caller wants the body anyway.
  acceptStatus?: number[];
}

export function buildQuery(query: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === "") continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

// Django sets the CSRF cookie with the dashboard's index page. Under the Vite dev server that page
// comes from Vite, so before the first write without a cookie we ask Django for any dashboard
// route (vite.config.ts proxies this one path to Django); in production it is simply the index.
export const CSRF_BOOTSTRAP_PATH = "/dashboard-csrf";

async function ensureCsrfCookie(): Promise<string> {
  let token = csrfToken();
  if (!token) {
    try {
      await fetch(CSRF_BOOTSTRAP_PATH, { credentials: "same-origin", headers: { Accept: "text/html" } });
    } catch {
      // The write below then fails with the server's own CSRF message.
    }
    token = csrfToken();
  }
  return token;
}

export async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRFToken"] = await ensureCsrfCookie();
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(path + buildQuery(options.query), {
      method,
      headers,
      body,
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, fallbackError(0));
  }
  const text = await response.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (response.ok || options.acceptStatus?.includes(response.status)) {
    return data as T;
  }
  const retryHeader = response.headers.get("Retry-After");
  const retryAfter = retryHeader && /^\d+$/.test(retryHeader) ? Number(retryHeader) : null;
  throw new ApiError(response.status, isErrorBody(data) ? data : fallbackError(response.status), retryAfter);
}

function filterQuery(filters: ExecutionFilters): Record<string, string | number | undefined> {
  return {
    agent: filters.agent,
    status: filters.status?.length ? filters.status.join(",") : undefined,
    since: filters.since,
    until: filters.until,
    q: filters.q,
    page: filters.page,
    page_size: filters.page_size,
  };
}

const enc = encodeURIComponent;

export const api = {
  me: () => request<Me>("GET", "/api/auth/me/"),
  login: (username: string, password: string) => request<Me>("POST", "/api/auth/login/", { body: { username, password } }),
  logout: () => request<{ signed_out: boolean }>("POST", "/api/auth/logout/"),
  health: () => request<Health>("GET", "/api/health", { acceptStatus: [503] }),

  agents: () => request<Agent[]>("GET", "/api/agents/"),
  agent: (folder: string) => request<AgentDetail>("GET", `/api/agents/${enc(folder)}/`),
  createAgent: (body: { folder: string; name?: string; prompt: string }) =>
    request<AgentDetail>("POST", "/api/agents/", { body }),
  updateAgent: (
    folder: string,
    body: Partial<Pick<AgentDetail, "name" | "prompt" | "enabled" | "model">> & { base_prompt_sha256?: string },
  ) =>
    request<AgentDetail>("PATCH", `/api/agents/${enc(folder)}/`, { body }),
  deleteAgent: (folder: string, confirm: string) =>
    request<Agent>("DELETE", `/api/agents/${enc(folder)}/`, { body: { confirm } }),
  syncAgents: () => request<Record<string, unknown>>("POST", "/api/agents/sync/"),
  runAgent: (folder: string, options: RunOptions) =>
    request<ExecutionDetail>("POST", `/api/agents/${enc(folder)}/run/`, { body: options }),

  executions: (filters: ExecutionFilters) =>
    request<Page<ExecutionRow>>("GET", "/api/executions/", { query: filterQuery(filters) }),
  exportUrl: (filters: ExecutionFilters) =>
    "/api/executions/export/" + buildQuery({ ...filterQuery(filters), page: undefined, page_size: undefined }),
  execution: (id: string) => request<ExecutionDetail>("GET", `/api/executions/${enc(id)}/`),
  events: (id: string, after: number, limit = 500) =>
    request<EventsPage>("GET", `/api/executions/${enc(id)}/events/`, { query: { after, limit } }),
  streamUrl: (id: string, after: number) => `/api/executions/${enc(id)}/stream/` + buildQuery({ after }),
  cancel: (id: string) => request<ExecutionDetail>("POST", `/api/executions/${enc(id)}/cancel/`),

  usage: (days: number) => request<Usage>("GET", "/api/stats/usage/", { query: { days } }),

  mcpServers: (agent?: string) => request<McpServer[]>("GET", "/api/mcp-servers/", { query: { agent } }),
  mcpProblems: () => request<McpProblem[]>("GET", "/api/mcp-servers/problems/"),
  addMcpServer: (body: NewMcpServer) => request<McpServer>("POST", "/api/mcp-servers/", { body }),
  deleteMcpServer: (id: McpServer["id"], confirm: string) =>
    request<unknown>("DELETE", `/api/mcp-servers/${enc(String(id))}/`, { body: { confirm } }),
  checkMcpServer: (id: McpServer["id"]) => request<McpServer>("POST", `/api/mcp-servers/${enc(String(id))}/check/`),
  syncMcpServers: () => request<unknown>("POST", "/api/mcp-servers/sync/"),
};

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}
