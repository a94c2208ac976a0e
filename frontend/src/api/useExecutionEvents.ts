// Live events of one execution: Server-Sent Events first, with a catch-up read of /events/
// after every dropped connection, and plain polling when the stream endpoint is not there.
// Events are merged by sequence number, so a reconnect never loses or duplicates one.
import { useEffect, useRef, useState } from "react";
import { api } from "./client";
import type { ExecutionEvent, ExecutionStatus } from "./types";
import { mergeEvents } from "../lib/conversation";

export type StreamState = "connecting" | "live" | "reconnecting" | "polling" | "ended" | "error";

export interface ExecutionEvents {
  events: ExecutionEvent[];
  state: StreamState;
  finalStatus: ExecutionStatus | null;
  error: string | null;
}

const FLUSH_MS = 60;
const MAX_BACKOFF_MS = 5_000;
const POLL_MS = 1_000;

export function useExecutionEvents(id: string): ExecutionEvents {
  const [events, setEvents] = useState<ExecutionEvent[]>([]);
  const [state, setState] = useState<StreamState>(() => (typeof EventSource === "undefined" ? "polling" : "connecting"));
  const [finalStatus, setFinalStatus] = useState<ExecutionStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const lastSeq = useRef(0);

  useEffect(() => {
    let stopped = false;
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let flushTimer: ReturnType<typeof setTimeout> | null = null;
    let pending: ExecutionEvent[] = [];
    let failures = 0;
    let receivedOnThisConnection = false;
    // The page mounts a fresh instance per execution id (key={id}), so state starts empty here.
    lastSeq.current = 0;

    // Batch a burst of events into one render: a fast run can send hundreds per second.
    const flush = () => {
      flushTimer = null;
      const batch = pending;
      pending = [];
      if (batch.length) setEvents((current) => mergeEvents(current, batch));
    };
    const accept = (incoming: ExecutionEvent[]) => {
      for (const event of incoming) {
        if (event.seq > lastSeq.current) {
          lastSeq.current = event.seq;
          pending.push(event);
        }
      }
      if (pending.length && flushTimer === null) flushTimer = setTimeout(flush, FLUSH_MS);
    };
    const finish = (status: ExecutionStatus) => {
      source?.close();
      source = null;
      if (flushTimer !== null) clearTimeout(flushTimer);
      flush();
      setFinalStatus(status);
      setState("ended");
      stopped = true;
    };

    // Reads /events/ until it has everything stored so far; true when the run has finished.
    const catchUp = async (): Promise<boolean> => {
      for (;;) {
        const page = await api.events(id, lastSeq.current);
        accept(page.results);
        if (page.finished && page.last_seq <= lastSeq.current) {
          finish(page.status);
          return true;
        }
        if (!page.results.length) return page.finished;
      }
    };

    const poll = async () => {
      if (stopped) return;
      try {
        if (await catchUp()) return;
        setError(null);
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };

    const connect = () => {
      if (stopped) return;
      receivedOnThisConnection = false;
      source = new EventSource(api.streamUrl(id, lastSeq.current));
      source.onopen = () => {
        setState("live");
        setError(null);
      };
      source.onmessage = (message: MessageEvent<string>) => {
        receivedOnThisConnection = true;
        failures = 0;
        try {
          accept([JSON.parse(message.data) as ExecutionEvent]);
        } catch {
          // A malformed message is skipped; the catch-up read after a reconnect fills any gap.
        }
      };
      source.addEventListener("end", (message: MessageEvent<string>) => {
        let status: ExecutionStatus = "succeeded";
        try {
          status = (JSON.parse(message.data) as { status: ExecutionStatus }).status;
        } catch {
          /* keep the default */
        }
        finish(status);
      });
      source.onerror = () => {
        // The browser would retry on its own, but a catch-up read first tells us whether the
        // run ended meanwhile and whether the stream endpoint exists at all.
        source?.close();
        source = null;
        if (stopped) return;
        failures = receivedOnThisConnection ? 1 : failures + 1;
        setState("reconnecting");
        catchUp()
          .then((ended) => {
            if (ended || stopped) return;
            if (failures >= 3) {
              setState("polling");
              poll();
              return;
            }
            timer = setTimeout(connect, Math.min(MAX_BACKOFF_MS, 500 * 2 ** failures));
          })
          .catch((err: unknown) => {
            setError(err instanceof Error ? err.message : String(err));
            setState("error");
            timer = setTimeout(connect, MAX_BACKOFF_MS);
          });
      };
    };

    if (typeof EventSource === "undefined") {
      poll();
    } else {
      connect();
    }
    return () => {
      stopped = true;
      source?.close();
      if (timer !== null) clearTimeout(timer);
      if (flushTimer !== null) clearTimeout(flushTimer);
    };
  }, [id]);

  return { events, state, finalStatus, error };
}
