import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeServer } from "../test/http";
import { ApiError, api, buildQuery, csrfToken } from "./client";

afterEach(() => {
  document.cookie = "csrftoken=; expires=Thu, 01 Jan 1970 00:00:00 GMT";
  vi.unstubAllGlobals();
});

describe("the API client", () => {
  it("it sends the CSRF token from the cookie on writes only", async () => {
    document.cookie = "csrftoken=abc123";
    const { requests } = fakeServer([
      ["POST", /\/api\/agents\/sync\/$/, { body: { seeded: [] } }],
      ["GET", /\/api\/agents\/$/, { body: [] }],
    ]);
    await api.syncAgents();
    await api.agents();
    expect(requests[0].headers["X-CSRFToken"]).toBe("abc123");
    expect(requests[1].headers["X-CSRFToken"]).toBeUndefined();
  });

  it("it asks Django for the CSRF cookie before the first write when there is none", async () => {
    const { requests } = fakeServer([
      [
        "GET",
        /\/dashboard-csrf$/,
        () => {
          document.cookie = "csrftoken=fresh";
          return { text: "<!doctype html>" };
        },
      ],
      ["POST", /\/api\/auth\/login\/$/, { body: { username: "a", is_staff: false } }],
    ]);
    await api.login("a", "b");
    expect(requests.map((request) => `${request.method} ${request.url}`)).toEqual(["GET /dashboard-csrf", "POST /api/auth/login/"]);
    expect(requests[1].headers["X-CSRFToken"]).toBe("fresh");
  });

  it("it decodes the error shape with its fields", async () => {
    fakeServer([
      [
        "POST",
        /\/api\/agents\/$/,
        { status: 400, body: { error: "Invalid input", code: "INVALID_INPUT", message: "Fix the folder.", fields: { folder: ["Letters only."] } } },
      ],
    ]);
    const error = await api.createAgent({ folder: "a b", prompt: "x" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: "INVALID_INPUT", title: "Invalid input", message: "Fix the folder." });
    expect((error as ApiError).fieldError("folder")).toBe("Letters only.");
  });

  it("it reads Retry-After on a rate-limited answer", async () => {
    fakeServer([
      ["POST", /login/, { status: 429, headers: { "Retry-After": "42" }, body: { error: "Slow down", code: "RATE_LIMITED", message: "Try again in 42 s." } }],
    ]);
    const error = (await api.login("a", "b").catch((caught: unknown) => caught)) as ApiError;
    expect([error.code, error.retryAfter, error.message]).toEqual(["RATE_LIMITED", 42, "Try again in 42 s."]);
  });

  it("it explains an answer that is not our JSON instead of showing a bare status", async () => {
    fakeServer([["GET", /executions/, { status: 502, text: "<html>Bad gateway</html>" }]]);
    const error = (await api.executions({}).catch((caught: unknown) => caught)) as ApiError;
    expect(error.code).toBe("SERVER_ERROR");
    expect(error.message).toMatch(/HTTP 502/);
  });

  it("it says the server is unreachable when fetch itself fails", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    const error = (await api.me().catch((caught: unknown) => caught)) as ApiError;
    expect([error.status, error.code]).toEqual([0, "NETWORK"]);
  });

  it("it returns a degraded health body although the status is 503", async () => {
    fakeServer([["GET", /\/api\/health$/, { status: 503, body: { status: "degraded", checks: { worker: "down" }, version: "1.0" } }]]);
    expect(await api.health()).toEqual({ status: "degraded", checks: { worker: "down" }, version: "1.0" });
  });

  it("it puts the filters into the query string and leaves empty ones out", async () => {
    const { requests } = fakeServer([["GET", /executions/, { body: { count: 0, next: null, previous: null, results: [] } }]]);
    await api.executions({ agent: "devops", status: ["failed", "timed_out"], q: "", page: 2 });
    expect(requests[0].url).toBe("/api/executions/?agent=devops&status=failed%2Ctimed_out&page=2");
    expect(api.exportUrl({ agent: "devops", page: 3, page_size: 25 })).toBe("/api/executions/export/?agent=devops");
    expect(buildQuery({})).toBe("");
  });

  it("it finds the csrftoken among other cookies", () => {
    expect(csrfToken("sessionid=x; csrftoken=t%3D1; other=y")).toBe("t=1");
    expect(csrfToken("sessionid=x")).toBe("");
  });
});
