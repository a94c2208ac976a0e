import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeServer } from "../test/http";
import { renderScreen } from "../test/render";
import { NewAgentForm, folderProblem } from "./NewAgentForm";

afterEach(() => vi.unstubAllGlobals());

describe("the new agent form", () => {
  it("it explains the folder rule before anything is sent", async () => {
    const { requests } = fakeServer([]);
    renderScreen(<NewAgentForm onClose={() => {}} />);
    await userEvent.type(screen.getByLabelText("Folder"), "my agent/");
    await userEvent.click(screen.getByRole("button", { name: "Create agent" }));
    expect(screen.getByText(/Only letters, digits and hyphens/)).toBeInTheDocument();
    expect(screen.getByLabelText("Folder")).toHaveAttribute("aria-invalid", "true");
    expect(requests).toEqual([]);
  });

  it("it shows the server's field message when the folder is taken", async () => {
    fakeServer([
      [
        "POST",
        /\/api\/agents\/$/,
        { status: 409, body: { error: "Conflict", code: "CONFLICT", message: "An agent named devops exists.", fields: { folder: ["Taken."] } } },
      ],
    ]);
    renderScreen(<NewAgentForm onClose={() => {}} />);
    await userEvent.type(screen.getByLabelText("Folder"), "devops");
    await userEvent.click(screen.getByRole("button", { name: "Create agent" }));
    expect(await screen.findByText("Taken.")).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("An agent named devops exists.");
  });

  it("it opens the new agent after creating it", async () => {
    const { requests } = fakeServer([["POST", /\/api\/agents\/$/, { status: 201, body: { folder: "qa-bot", name: "QA", prompt: "# QA", prompt_revision: "abc" } }]]);
    const { router } = renderScreen(<NewAgentForm onClose={() => {}} />);
    await userEvent.type(screen.getByLabelText("Folder"), "qa-bot");
    await userEvent.type(screen.getByLabelText(/^Name/), "QA");
    await userEvent.click(screen.getByRole("button", { name: "Create agent" }));
    await vi.waitFor(() => expect(router.state.location.pathname).toBe("/agents/qa-bot"));
    expect(requests.find((request) => request.method === "POST")?.body).toMatchObject({ folder: "qa-bot", name: "QA" });
  });

  it("it knows the folder rules", () => {
    expect([folderProblem(""), folderProblem("ok-1"), folderProblem("a".repeat(65)), folderProblem("a.b")]).toEqual([
      "Required.",
      null,
      "At most 64 characters (this one has 65).",
      "Only letters, digits and hyphens: no spaces, dots or slashes.",
    ]);
  });
});
