// Shapes of the Orchestrator API (see DESIGN.md and the agreed contract). Fields the server may add
// later are optional here so the dashboard keeps working against an older backend.

export interface ApiErrorBody {
  error: string;
  code: string;
  message: string;
  fields?: Record<string, string[] | string>;
  retry_after?: number;
}

export interface Me {
  username: string;
  is_staff: boolean;
}

export interface Health {
  status: "healthy" | "degraded";
  checks: Record<string, string>;
  version: string;
  claude_cli_version?: string;
  timestamp?: string;
}

export type ExecutionStatus =
  | "queued"
  | "running"
  | "succeeded"
  | "failed"
  | "timed_out"
  | "cancelled"
  | "interrupted";

export const EXECUTION_STATUSES: ExecutionStatus[] = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "timed_out",
  "cancelled",
  "interrupted",
];

export const ACTIVE_STATUSES: ExecutionStatus[] = ["queued", "running"];

export type ExecutionId = number | string;

export interface LastExecution {
  id: ExecutionId;
  status: ExecutionStatus;
  created_at: string;
  finished_at: string | null;
  total_cost_usd: number | null;
}

export interface AgentStats {
  runs: number;
  succeeded: number;
  success_rate: number | null;
  cost_usd: number;
}

export interface Agent {
  folder: string;
  name: string;
  description: string;
  enabled: boolean;
  is_missing: boolean;
  model: string;
  permission_mode: string;
  allowed_tools: string[];
  disallowed_tools: string[];
  created_at: string;
  updated_at: string;
  synced_at: string | null;
  last_execution?: LastExecution | null;
  running?: number;
  queued?: number;
  stats_7d?: AgentStats;
}

export interface AgentDetail extends Agent {
  prompt: string | null;
  prompt_revision: string | null;
  /** sha256 of the prompt text; sent back as base_prompt_sha256 when saving an edit of it. */
  prompt_sha256: string | null;
}

export interface ExecutionRow {
  id: ExecutionId;
  agent: string;
  agent_name: string;
  status: ExecutionStatus;
  trigger: string;
  task_preview: string;
  model: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  total_cost_usd: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_creation_tokens: number | null;
  num_turns: number | null;
  is_error: boolean;
  exit_code: number | null;
  truncated: boolean;
  commit_sha: string;
}

export interface ExecutionDetail extends ExecutionRow {
  task: string;
  result: string;
  errors: string[];
  subtype: string;
  session_id: string;
  error_message: string;
  permission_denials: unknown[];
  argv: string[];
  worker_host: string;
  pid: number | null;
  heartbeat_at: string | null;
  prompt_revision: string;
  options: { model?: string | null; max_turns?: number | null; timeout?: number | null };
  resume_session_id: string | null;
  last_seq: number;
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export interface ExecutionEvent {
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  at: string;
}

export interface EventsPage {
  results: ExecutionEvent[];
  last_seq: number;
  status: ExecutionStatus;
  finished: boolean;
}

export interface RunOptions {
  task: string;
  model?: string;
  max_turns?: number;
  timeout?: number;
  resume_session_id?: string;
}

export interface UsageRow {
  date: string;
  agent: string;
  runs: number;
  by_status: Record<string, number>;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
}

export interface Usage {
  days: number;
  since: string;
  rows: UsageRow[];
  totals: { runs: number; cost_usd: number; input_tokens: number; output_tokens: number };
}

export interface McpServer {
  id: number | string;
  agent: string | null;
  name: string;
  scope: "project" | "local" | "user";
  transport: "stdio" | "http" | "sse";
  command: string;
  args: string[];
  url: string;
  env_names: string[];
  header_names: string[];
  source: string;
  effective: boolean;
  /** The settings file whose disabledMcpjsonServers switches this .mcp.json server off (then not effective). */
  disabled_by: string | null;
  status: "unknown" | "ok" | "error" | "needs_auth";
  checked_at: string | null;
  latency_ms: number | null;
  server_name: string;
  server_version: string;
  protocol_version: string;
  tools: string[];
  last_error: string;
  reported_status: string | null;
  reported_at: string | null;
  /** Only project entries (the agent's .mcp.json) can be changed from here; ~/.claude.json is Claude Code's. */
  managed?: boolean;
  /** A probe is running right now. */
  checking?: boolean;
}

export interface McpProblem {
  agent: string | null;
  source: string;
  message: string;
}

export interface NewMcpServer {
  agent: string;
  name: string;
  transport: "stdio" | "http" | "sse";
  command?: string;
  args?: string[];
  url?: string;
  env?: Record<string, string>;
  headers?: Record<string, string>;
}

export interface ExecutionFilters {
  agent?: string;
  status?: string[];
  since?: string;
  until?: string;
  q?: string;
  page?: number;
  page_size?: number;
}
