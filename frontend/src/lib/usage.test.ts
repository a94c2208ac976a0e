import { describe, expect, it } from "vitest";
import { usageChartData } from "./usage";

const row = (date: string, agent: string, runs: number, cost: number) => ({
  date,
  agent,
  runs,
  by_status: { succeeded: runs },
  cost_usd: cost,
  input_tokens: 10 * runs,
  output_tokens: runs,
  cache_read_tokens: 0,
  cache_creation_tokens: 0,
});

describe("usage chart data", () => {
  it("it makes one point per day with a column per agent, filling empty days", () => {
    const data = usageChartData({
      days: 3,
      since: "2026-12-02",
      rows: [row("2026-12-02", "qa", 2, 0.5), row("2026-12-04", "devops", 1, 0.25), row("2026-12-04", "qa", 1, 0.1)],
      totals: { runs: 4, cost_usd: 0.85, input_tokens: 40, output_tokens: 4 },
    });
    expect(data.agents).toEqual(["devops", "qa"]);
    expect(data.runs).toEqual([
      { date: "2026-12-02", devops: 0, qa: 2 },
      { date: "2026-12-03", devops: 0, qa: 0 },
      { date: "2026-12-04", devops: 1, qa: 1 },
    ]);
    expect(data.cost[2]).toEqual({ date: "2026-12-04", devops: 0.25, qa: 0.1 });
    expect(data.tokens.map((day) => day.input)).toEqual([20, 0, 20]);
  });
});
