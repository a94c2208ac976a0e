import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Agent } from "../api/types";
import { fakeServer } from "../test/http";
import { renderScreen } from "../test/render";
import { AgentsPage } from "./AgentsPage";

afterEach(() => vi.unstubAllGlobals());

const agent = (folder: string, extra: Partial<Agent> = {}): Agent => ({
  folder,
  name: folder.toUpperCase(),
  description: `The ${folder} agent.`,
  enabled: true,
  is_missing: false,
  model: "",
  permission_mode: "",
  allowed_tools: [],
  disallowed_tools: [],
  created_at: "2026-12-01T00:00:00Z",
  updated_at: "2026-12-01T00:00:00Z",
  synced_at: null,
  last_execution: null,
  running: 0,
  queued: 0,
  stats_7d: { runs: 0, succeeded: 0, success_rate: null, cost_usd: 0 },
  ...extra,
});

describe("the agents page", () => {
  it("it shows each agent's state, last run and 7-day numbers, and searches", async () => {
    fakeServer([
      ["GET", /\/api\/auth\/me\/$/, { body: { username: "ann", is_staff: true } }],
      [
        "GET",
        /\/api\/agents\/$/,
        {
          body: [
            agent("devops", {
              running: 1,
              queued: 2,
              last_execution: { id: 7, status: "failed", created_at: new Date().toISOString(), finished_at: null, total_cost_usd: 0.2 },
              stats_7d: { runs: 4, succeeded: 3, success_rate: 0.75, cost_usd: 1.5 },
            }),
            agent("qa"),
          ],
        },
      ],
    ]);
    renderScreen(<AgentsPage />);
    const devops = await screen.findByTestId("agent-devops");
    expect(within(devops).getByText("running, 2 queued")).toBeInTheDocument();
    expect(within(devops).getByText("failed")).toBeInTheDocument();
    expect(within(devops).getByText("75% of 4")).toBeInTheDocument();
    expect(within(devops).getByText("$1.50")).toBeInTheDocument();
    expect(within(screen.getByTestId("agent-qa")).getByText("idle")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Search agents"), "qa");
    expect(screen.queryByTestId("agent-devops")).toBeNull();
    expect(screen.getByTestId("agent-qa")).toBeInTheDocument();
  });

  it("it tells a reader with no agents what to do", async () => {
    fakeServer([
      ["GET", /\/api\/auth\/me\/$/, { body: { username: "rita", is_staff: false } }],
      ["GET", /\/api\/agents\/$/, { body: [] }],
    ]);
    renderScreen(<AgentsPage />);
    expect(await screen.findByText("No agents yet.")).toBeInTheDocument();
    expect(screen.getByText("Ask a staff user to create one.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "New agent" })).toBeNull();
  });

  it("it shows the API's message when the list fails", async () => {
    fakeServer([
      ["GET", /\/api\/auth\/me\/$/, { body: { username: "ann", is_staff: true } }],
      ["GET", /\/api\/agents\/$/, { status: 503, body: { error: "Unavailable", code: "UNAVAILABLE", message: "The database is busy." } }],
    ]);
    renderScreen(<AgentsPage />);
    expect(await screen.findByRole("alert")).toHaveTextContent("The database is busy.");
  });
});
