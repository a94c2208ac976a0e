// Reshapes /api/stats/usage/ rows (one per day and agent) into one row per day with a column per
// agent, the form stacked charts want. Days without runs are filled in so the axis has no gaps.
import type { Usage } from "../api/types";

export interface DayPoint {
  date: string;
  [agent: string]: number | string;
}

export interface ChartData {
  agents: string[];
  cost: DayPoint[];
  runs: DayPoint[];
  tokens: { date: string; input: number; output: number; cache_read: number; cache_creation: number }[];
}

function daysBetween(since: string, days: number): string[] {
  const start = new Date(`${since}T00:00:00Z`);
  return Array.from({ length: days }, (_, index) => {
    const day = new Date(start.getTime() + index * 86_400_000);
    return day.toISOString().slice(0, 10);
  });
}

export function usageChartData(usage: Usage): ChartData {
  const agents = [...new Set(usage.rows.map((row) => row.agent))].sort();
  const dates = daysBetween(usage.since, usage.days);
  for (const row of usage.rows) if (!dates.includes(row.date)) dates.push(row.date);
  dates.sort();
  const empty = () => Object.fromEntries(agents.map((agent) => [agent, 0]));
  const cost = new Map(dates.map((date) => [date, { date, ...empty() } as DayPoint]));
  const runs = new Map(dates.map((date) => [date, { date, ...empty() } as DayPoint]));
  const tokens = new Map(dates.map((date) => [date, { date, input: 0, output: 0, cache_read: 0, cache_creation: 0 }]));
  for (const row of usage.rows) {
    const costDay = cost.get(row.date)!;
    costDay[row.agent] = Number(costDay[row.agent] ?? 0) + row.cost_usd;
    const runDay = runs.get(row.date)!;
    runDay[row.agent] = Number(runDay[row.agent] ?? 0) + row.runs;
    const tokenDay = tokens.get(row.date)!;
    tokenDay.input += row.input_tokens;
    tokenDay.output += row.output_tokens;
    tokenDay.cache_read += row.cache_read_tokens;
    tokenDay.cache_creation += row.cache_creation_tokens;
  }
  return { agents, cost: [...cost.values()], runs: [...runs.values()], tokens: [...tokens.values()] };
}
