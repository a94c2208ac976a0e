// Every server read and write the screens use, as TanStack Query hooks: the only place that
// decides cache keys, refresh intervals and what to invalidate after a change.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api } from "./client";
import type { ExecutionDetail, ExecutionFilters, ExecutionId, McpServer, NewMcpServer, RunOptions } from "./types";
import { ACTIVE_STATUSES } from "./types";

export const keys = {
  me: ["me"] as const,
  health: ["health"] as const,
  agents: ["agents"] as const,
  agent: (folder: string) => ["agents", folder] as const,
  executions: (filters: ExecutionFilters) => ["executions", filters] as const,
  execution: (id: ExecutionId) => ["execution", String(id)] as const,
  usage: (days: number) => ["usage", days] as const,
  mcp: (agent?: string) => ["mcp", agent ?? "*"] as const,
  mcpProblems: ["mcp", "problems"] as const,
};

/** The signed-in user, or null when signed out (a 401/403 is an answer here, not an error). */
export function useMe() {
  return useQuery({
    queryKey: keys.me,
    queryFn: async () => {
      try {
        return await api.me();
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return null;
        throw error;
      }
    },
    staleTime: 60_000,
  });
}

export function useLogin() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ username, password }: { username: string; password: string }) => api.login(username, password),
    onSuccess: (me) => {
      // Drop what an earlier user saw; "me" itself stays so its observers see the new value.
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== "me" });
      client.setQueryData(keys.me, me);
    },
  });
}

export function useLogout() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api.logout(),
    onSettled: () => {
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== "me" });
      client.setQueryData(keys.me, null);
    },
  });
}

export function useHealth() {
  // Checked more often while something is wrong, so recovery shows up quickly.
  return useQuery({
    queryKey: keys.health,
    queryFn: api.health,
    refetchInterval: (query) => (query.state.data?.status === "healthy" ? 15_000 : 5_000),
  });
}

export function useAgents() {
  return useQuery({
    queryKey: keys.agents,
    queryFn: api.agents,
    // Busy agents change state often; idle lists are refreshed less eagerly.
    refetchInterval: (query) =>
      query.state.data?.some((agent) => (agent.running ?? 0) > 0 || (agent.queued ?? 0) > 0) ? 2_000 : 10_000,
  });
}

export function useAgent(folder: string) {
  return useQuery({ queryKey: keys.agent(folder), queryFn: () => api.agent(folder) });
}

export function useCreateAgent() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: api.createAgent,
    onSuccess: (agent) => {
      client.setQueryData(keys.agent(agent.folder), agent);
      return client.invalidateQueries({ queryKey: keys.agents, exact: true });
    },
  });
}

export function useUpdateAgent(folder: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Parameters<typeof api.updateAgent>[1]) => api.updateAgent(folder, body),
    onSuccess: (agent) => {
      client.setQueryData(keys.agent(folder), agent);
      return client.invalidateQueries({ queryKey: keys.agents, exact: true });
    },
    // Someone else saved first: fetch their text, so "Discard changes" shows it.
    onError: (error) => {
      if (error instanceof ApiError && error.code === "PROMPT_CHANGED") {
        return client.invalidateQueries({ queryKey: keys.agent(folder) });
      }
    },
  });
}

export function useDeleteAgent(folder: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (confirm: string) => api.deleteAgent(folder, confirm),
    onSuccess: () => {
      client.removeQueries({ queryKey: keys.agent(folder) });
      return client.invalidateQueries({ queryKey: keys.agents, exact: true });
    },
  });
}

export function useSyncAgents() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: api.syncAgents,
    onSuccess: () => client.invalidateQueries({ queryKey: keys.agents }),
  });
}

export function useRunAgent(folder: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (options: RunOptions) => api.runAgent(folder, options),
    onSuccess: (execution) => {
      client.setQueryData(keys.execution(execution.id), execution);
      client.invalidateQueries({ queryKey: ["executions"] });
      client.invalidateQueries({ queryKey: keys.agents });
    },
  });
}

export function useExecutions(filters: ExecutionFilters) {
  return useQuery({
    queryKey: keys.executions(filters),
    queryFn: () => api.executions(filters),
    placeholderData: keepPreviousData,
    // Live refresh while anything on the page is still queued or running.
    refetchInterval: (query) =>
      query.state.data?.results.some((row) => ACTIVE_STATUSES.includes(row.status)) ? 2_000 : 15_000,
  });
}

export function useExecution(id: string) {
  return useQuery({
    queryKey: keys.execution(id),
    queryFn: () => api.execution(id),
    refetchInterval: (query) => (query.state.data && ACTIVE_STATUSES.includes(query.state.data.status) ? 2_000 : false),
  });
}

export function useCancelExecution(id: ExecutionId) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api.cancel(String(id)),
    onSuccess: (execution: ExecutionDetail) => {
      client.setQueryData(keys.execution(id), execution);
      client.invalidateQueries({ queryKey: ["executions"] });
    },
    // A 409 means it finished meanwhile: refresh so the page shows the real end state.
    onError: () => client.invalidateQueries({ queryKey: keys.execution(id) }),
  });
}

export function useUsage(days: number) {
  return useQuery({ queryKey: keys.usage(days), queryFn: () => api.usage(days), refetchInterval: 60_000 });
}

export function useMcpServers(agent?: string) {
  return useQuery({ queryKey: keys.mcp(agent), queryFn: () => api.mcpServers(agent) });
}

export function useMcpProblems() {
  return useQuery({ queryKey: keys.mcpProblems, queryFn: api.mcpProblems });
}

export function useAddMcpServer() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: NewMcpServer) => api.addMcpServer(body),
    onSuccess: () => client.invalidateQueries({ queryKey: ["mcp"] }),
  });
}

export function useDeleteMcpServer() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ server, confirm }: { server: McpServer; confirm: string }) => api.deleteMcpServer(server.id, confirm),
    onSuccess: () => client.invalidateQueries({ queryKey: ["mcp"] }),
  });
}

export function useCheckMcpServer() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (server: McpServer) => api.checkMcpServer(server.id),
    onSuccess: () => client.invalidateQueries({ queryKey: ["mcp"] }),
  });
}

export function useSyncMcpServers() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: api.syncMcpServers,
    onSuccess: () => client.invalidateQueries({ queryKey: ["mcp"] }),
  });
}
