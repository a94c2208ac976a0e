import { useMemo, useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useUsage } from "../api/hooks";
import { ErrorMessage, Unavailable, isUnavailable } from "../components/ErrorMessage";
import { formatCost, formatTokens } from "../lib/format";
import { usageChartData, type DayPoint } from "../lib/usage";

const RANGES = [7, 30, 90];
const PALETTE = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2", "#4d7c0f", "#be185d", "#475569", "#7c3aed"];
const shortDate = (date: string) => date.slice(5);

function StackedByAgent({ data, agents, format, label }: { data: DayPoint[]; agents: string[]; format: (n: number) => string; label: string }) {
  return (
    <figure className="chart" aria-label={label}>
      <figcaption>{label}</figcaption>
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="date" tickFormatter={shortDate} fontSize={12} />
          <YAxis tickFormatter={(value: number) => format(value)} fontSize={12} width={64} />
          <Tooltip formatter={(value) => format(Number(value))} />
          <Legend />
          {agents.map((agent, index) => (
            <Bar key={agent} dataKey={agent} stackId="agents" fill={PALETTE[index % PALETTE.length]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Cost, runs and tokens per day over 7, 30 or 90 days, stacked by agent. */
export function UsagePage() {
  const [days, setDays] = useState(7);
  const usage = useUsage(days);
  const chart = useMemo(() => (usage.data ? usageChartData(usage.data) : null), [usage.data]);

  return (
    <div className="page">
      <div className="page-head">
        <h1>Usage</h1>
        <div className="segmented" role="group" aria-label="Range">
          {RANGES.map((range) => (
            <button key={range} type="button" aria-pressed={days === range} onClick={() => setDays(range)}>
              {range} days
            </button>
          ))}
        </div>
      </div>
      {usage.isPending && <p className="muted">Loading usage…</p>}
      {usage.isError && (isUnavailable(usage.error) ? <Unavailable what="Usage statistics" /> : <ErrorMessage error={usage.error} />)}
      {usage.data && chart && (
        <>
          <dl className="facts totals card">
            <div>
              <dt>Runs</dt>
              <dd>{usage.data.totals.runs}</dd>
            </div>
            <div>
              <dt>Cost (API-equivalent)</dt>
              <dd>{formatCost(usage.data.totals.cost_usd)}</dd>
            </div>
            <div>
              <dt>Input tokens</dt>
              <dd>{formatTokens(usage.data.totals.input_tokens)}</dd>
            </div>
            <div>
              <dt>Output tokens</dt>
              <dd>{formatTokens(usage.data.totals.output_tokens)}</dd>
            </div>
          </dl>
          <p className="muted small">
            Cost is the API-equivalent figure the Claude CLI reports for each run (total_cost_usd); on a subscription plan it is
            not what you are billed.
          </p>
          {usage.data.rows.length === 0 ? (
            <div className="empty">
              <strong>No runs in the last {days} days.</strong>
              <span>Run a task on an agent and its cost and tokens show up here.</span>
            </div>
          ) : (
            <div className="chart-grid">
              <StackedByAgent data={chart.cost} agents={chart.agents} format={formatCost} label="Cost per day (API-equivalent USD)" />
              <StackedByAgent data={chart.runs} agents={chart.agents} format={(value) => String(Math.round(value))} label="Runs per day" />
              <figure className="chart" aria-label="Tokens per day">
                <figcaption>Tokens per day</figcaption>
                <ResponsiveContainer width="100%" height={240}>
                  <BarChart data={chart.tokens} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
                    <CartesianGrid strokeDasharray="3 3" vertical={false} />
                    <XAxis dataKey="date" tickFormatter={shortDate} fontSize={12} />
                    <YAxis tickFormatter={(value: number) => formatTokens(value)} fontSize={12} width={64} />
                    <Tooltip formatter={(value) => formatTokens(Number(value))} />
                    <Legend />
                    <Bar dataKey="input" name="input" stackId="t" fill="#2563eb" isAnimationActive={false} />
                    <Bar dataKey="output" name="output" stackId="t" fill="#16a34a" isAnimationActive={false} />
                    <Bar dataKey="cache_read" name="cache read" stackId="t" fill="#94a3b8" isAnimationActive={false} />
                    <Bar dataKey="cache_creation" name="cache created" stackId="t" fill="#d97706" isAnimationActive={false} />
                  </BarChart>
                </ResponsiveContainer>
              </figure>
            </div>
          )}
        </>
      )}
    </div>
  );
}
