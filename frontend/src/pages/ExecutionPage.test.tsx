import { describe, expect, it } from "vitest";
import type { ExecutionEvent } from "../api/types";
import { latestReportedStatus } from "./ExecutionPage";

const event = (seq: number, type: string, payload: Record<string, unknown>): ExecutionEvent => ({ seq, type, payload, at: "2026-12-04T10:00:00Z" });

describe("the status the stream reports", () => {
  it("it takes the last queued/running status an orchestrator event announced", () => {
    expect(latestReportedStatus([])).toBeNull();
    expect(
      latestReportedStatus([
        event(1, "orchestrator", { message: "Queued.", status: "queued" }),
        event(2, "orchestrator", { message: "Started.", status: "running" }),
        event(3, "assistant", { message: { content: [] } }),
      ]),
    ).toBe("running");
  });

  it("it leaves final statuses to the end of the stream", () => {
    expect(latestReportedStatus([event(1, "orchestrator", { message: "Cancelled.", status: "cancelled" })])).toBeNull();
  });
});
