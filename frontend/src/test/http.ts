// A stand-in for the network in unit tests: answers fetch() from a table of routes and records
// every request. (The browser's fetch is the boundary; our own client code runs for real.)
import { vi } from "vitest";

export interface Recorded {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

type Answer = { status?: number; body?: unknown; text?: string; headers?: Record<string, string> };
export type Route = [method: string, pattern: RegExp, answer: Answer | ((request: Recorded) => Answer)];

export function fakeServer(routes: Route[]) {
  const requests: Recorded[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    const method = (init.method ?? "GET").toUpperCase();
    const request: Recorded = {
      method,
      url,
      headers: (init.headers ?? {}) as Record<string, string>,
      body: init.body ? JSON.parse(String(init.body)) : undefined,
    };
    requests.push(request);
    const route = routes.find(([routeMethod, pattern]) => routeMethod === method && pattern.test(url));
    if (!route) return new Response(JSON.stringify({ error: "Not found", code: "NOT_FOUND", message: `No route ${method} ${url}` }), { status: 404 });
    const answer = typeof route[2] === "function" ? route[2](request) : route[2];
    const text = answer.text ?? (answer.body === undefined ? "" : JSON.stringify(answer.body));
    return new Response(text, { status: answer.status ?? 200, headers: answer.headers });
  });
  vi.stubGlobal("fetch", fetchMock);
  return { requests };
}
