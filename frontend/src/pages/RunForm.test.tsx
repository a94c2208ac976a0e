import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeServer } from "../test/http";
import { renderScreen } from "../test/render";
import { RunForm } from "./RunForm";

beforeEach(() => {
  document.cookie = "csrftoken=t";
});
afterEach(() => vi.unstubAllGlobals());

const started = { status: 202, body: { id: 41, agent: "devops", status: "queued" } };

describe("the run form", () => {
  it("it sends the task with the options that were filled in, then opens the run", async () => {
    const { requests } = fakeServer([["POST", /\/api\/agents\/devops\/run\/$/, started]]);
    const { router } = renderScreen(<RunForm folder="devops" />);
    await userEvent.type(screen.getByLabelText("Task"), "Check the disks.");
    await userEvent.click(screen.getByRole("button", { name: /Options/ }));
    await userEvent.type(screen.getByLabelText("Model"), "opus");
    await userEvent.type(screen.getByLabelText("Max turns"), "5");
    await userEvent.click(screen.getByRole("button", { name: "Run" }));
    await vi.waitFor(() => expect(router.state.location.pathname).toBe("/executions/41"));
    expect(requests[0].body).toEqual({ task: "Check the disks.", model: "opus", max_turns: 5 });
  });

  it("it continues a session with the given id", async () => {
    const { requests } = fakeServer([["POST", /\/run\/$/, started]]);
    renderScreen(<RunForm folder="devops" resumeSessionId="9b2c" submitLabel="Send follow-up" />);
    await userEvent.type(screen.getByLabelText("Follow-up task (same session)"), "And now?");
    await userEvent.click(screen.getByRole("button", { name: "Send follow-up" }));
    await vi.waitFor(() => expect(requests).toHaveLength(1));
    expect(requests[0].body).toEqual({ task: "And now?", resume_session_id: "9b2c" });
  });

  it("it shows why the queue refused the run", async () => {
    fakeServer([
      ["POST", /\/run\/$/, { status: 429, body: { error: "Queue full", code: "QUEUE_FULL", message: "100 runs are waiting; try again later." } }],
    ]);
    const { router } = renderScreen(<RunForm folder="devops" />);
    await userEvent.type(screen.getByLabelText("Task"), "Go.");
    await userEvent.click(screen.getByRole("button", { name: "Run" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("100 runs are waiting; try again later.");
    expect(router.state.location.pathname).toBe("/");
  });
});
