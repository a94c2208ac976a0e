import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeServer } from "../test/http";
import type { ExecutionEvent } from "./types";
import { useExecutionEvents } from "./useExecutionEvents";

// The browser's EventSource is the boundary: this stand-in lets a test open, feed and drop streams.
class FakeEventSource {
  static instances: FakeEventSource[] = [];
  url: string;
  closed = false;
  onopen: (() => void) | null = null;
  onmessage: ((message: MessageEvent<string>) => void) | null = null;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, (message: MessageEvent<string>) => void>();

  constructor(url: string) {
    this.url = url;
    FakeEventSource.instances.push(this);
  }
  addEventListener(type: string, listener: (message: MessageEvent<string>) => void) {
    this.listeners.set(type, listener);
  }
  close() {
    this.closed = true;
  }
  open() {
    this.onopen?.();
  }
  send(event: ExecutionEvent) {
    this.onmessage?.(new MessageEvent("message", { data: JSON.stringify(event) }));
  }
  end(status: string) {
    this.listeners.get("end")?.(new MessageEvent("end", { data: JSON.stringify({ status }) }));
  }
  drop() {
    this.onerror?.();
  }
}

const event = (seq: number): ExecutionEvent => ({ seq, type: "assistant", payload: { message: { content: [{ type: "text", text: `step ${seq}` }] } }, at: "2026-12-04T10:00:00Z" });

beforeEach(() => {
  FakeEventSource.instances = [];
  vi.stubGlobal("EventSource", FakeEventSource);
});
afterEach(() => vi.unstubAllGlobals());

describe("the live events of an execution", () => {
  it("it reconnects after a dropped stream without losing or duplicating events", async () => {
    // The catch-up read after the drop finds event 3, which the stream had not delivered.
    const { requests } = fakeServer([
      ["GET", /\/events\/\?after=2/, { body: { results: [event(3)], last_seq: 3, status: "running", finished: false } }],
      ["GET", /\/events\/\?after=3/, { body: { results: [], last_seq: 3, status: "running", finished: false } }],
    ]);
    const { result } = renderHook(() => useExecutionEvents("9"));
    const first = FakeEventSource.instances[0];
    expect(first.url).toBe("/api/executions/9/stream/?after=0");
    act(() => {
      first.open();
      first.send(event(1));
      first.send(event(2));
      first.drop();
    });
    expect(first.closed).toBe(true);
    await vi.waitFor(() => expect(FakeEventSource.instances).toHaveLength(2), { timeout: 10_000 });
    const second = FakeEventSource.instances[1];
    expect(second.url).toBe("/api/executions/9/stream/?after=3");
    act(() => {
      second.open();
      second.send(event(3)); // resent by the server: must not appear twice
      second.send(event(4));
      second.end("succeeded");
    });
    await vi.waitFor(() => expect(result.current.state).toBe("ended"));
    expect(result.current.events.map((item) => item.seq)).toEqual([1, 2, 3, 4]);
    expect(result.current.finalStatus).toBe("succeeded");
    expect(requests.map((request) => request.url)).toContain("/api/executions/9/events/?after=2&limit=500");
  });

  it("it falls back to polling when the stream endpoint is not there", async () => {
    let calls = 0;
    fakeServer([
      [
        "GET",
        /\/events\//,
        () => {
          calls += 1;
          return calls < 4
            ? { body: { results: calls === 1 ? [event(1)] : [], last_seq: 1, status: "running", finished: false } }
            : { body: { results: [event(2)], last_seq: 2, status: "failed", finished: true } };
        },
      ],
    ]);
    const { result } = renderHook(() => useExecutionEvents("5"));
    // Three failed connections in a row, none of which delivered anything.
    for (let attempt = 0; attempt < 3; attempt++) {
      await vi.waitFor(() => expect(FakeEventSource.instances).toHaveLength(attempt + 1), { timeout: 10_000 });
      act(() => FakeEventSource.instances[attempt].drop());
    }
    await vi.waitFor(() => expect(result.current.state).toBe("ended"), { timeout: 10_000 });
    expect(result.current.events.map((item) => item.seq)).toEqual([1, 2]);
    expect(result.current.finalStatus).toBe("failed");
  });
});
