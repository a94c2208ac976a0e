import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeServer } from "../test/http";
import { HealthIndicator } from "./HealthIndicator";

afterEach(() => vi.unstubAllGlobals());

function renderHealth() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <HealthIndicator />
    </QueryClientProvider>,
  );
}

describe("the health indicator", () => {
  it("it names the failing checks when the service is degraded", async () => {
    fakeServer([
      [
        "GET",
        /\/api\/health$/,
        { status: 503, body: { status: "degraded", checks: { api: "ok", claude_cli: "missing", worker: "down" }, version: "0.1.0" } },
      ],
    ]);
    renderHealth();
    expect(await screen.findByText("degraded: Claude CLI missing, worker down")).toBeInTheDocument();
  });

  it("it is green when every check passes", async () => {
    fakeServer([["GET", /\/api\/health$/, { body: { status: "healthy", checks: { api: "ok", worker: "ok" }, version: "0.1.0" } }]]);
    renderHealth();
    expect(await screen.findByText("healthy")).toHaveClass("health-ok");
  });

  it("it says the server is unreachable when health cannot be read", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    renderHealth();
    expect(await screen.findByText("server unreachable")).toBeInTheDocument();
  });
});
