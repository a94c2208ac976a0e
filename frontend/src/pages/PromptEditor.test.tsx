import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Link } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AgentDetail } from "../api/types";
import { useAgent } from "../api/hooks";
import { fakeServer, type Route } from "../test/http";
import { renderScreen } from "../test/render";
import { PromptEditor } from "./PromptEditor";

afterEach(() => vi.unstubAllGlobals());

const agent: AgentDetail = {
  folder: "devops",
  name: "DevOps",
  description: "",
  enabled: true,
  is_missing: false,
  model: "",
  permission_mode: "",
  allowed_tools: [],
  disallowed_tools: [],
  created_at: "2026-12-01T00:00:00Z",
  updated_at: "2026-12-01T00:00:00Z",
  synced_at: null,
  prompt: "# DevOps\n",
  prompt_revision: "1111111111aaaa",
  prompt_sha256: "a".repeat(64),
};

// As on the agent page: the editor gets the agent from the query cache, which a save updates.
function Editor() {
  const query = useAgent("devops");
  return query.data ? <PromptEditor agent={query.data} editable /> : null;
}

const getAgent: Route = ["GET", /\/api\/agents\/devops\/$/, { body: agent }];

function renderEditor() {
  return renderScreen(
    <>
      <Editor />
      <Link to="/elsewhere">Go elsewhere</Link>
    </>,
    { path: "/agents/devops", route: "/agents/:folder" },
  );
}

describe("the prompt editor", () => {
  it("it asks before leaving with unsaved changes, and stays when told to", async () => {
    fakeServer([getAgent]);
    const { router } = renderEditor();
    await userEvent.type(await screen.findByLabelText("CLAUDE.md"), "More.");
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("link", { name: "Go elsewhere" }));
    expect(screen.getByRole("alertdialog", { name: "Unsaved changes" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Stay" }));
    expect(router.state.location.pathname).toBe("/agents/devops");
    expect(screen.getByLabelText("CLAUDE.md")).toHaveValue("# DevOps\nMore.");
  });

  it("it renders the draft as markdown in the preview", async () => {
    fakeServer([getAgent]);
    renderEditor();
    await userEvent.type(await screen.findByLabelText("CLAUDE.md"), "\n**bold**");
    await userEvent.click(screen.getByRole("tab", { name: "Preview" }));
    const preview = screen.getByLabelText("Rendered preview");
    expect(preview.querySelector("h1")).toHaveTextContent("DevOps");
    expect(preview.querySelector("strong")).toHaveTextContent("bold");
  });

  it("it saves the draft and shows the new revision", async () => {
    document.cookie = "csrftoken=t";
    const { requests } = fakeServer([
      getAgent,
      ["PATCH", /\/api\/agents\/devops\/$/, (request) => ({ body: { ...agent, prompt: (request.body as { prompt: string }).prompt, prompt_revision: "2222222222bbbb", prompt_sha256: "b".repeat(64) } })],
    ]);
    const { client } = renderEditor();
    await userEvent.type(await screen.findByLabelText("CLAUDE.md"), "Deploy carefully.");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Saved")).toBeInTheDocument();
    expect(requests.find((request) => request.method === "PATCH")?.body).toEqual({
      prompt: "# DevOps\nDeploy carefully.",
      base_prompt_sha256: "a".repeat(64),
    });
    expect(screen.getByText("revision 2222222222")).toBeInTheDocument();
    expect(client.getQueryData(["agents", "devops"])).toMatchObject({ prompt_revision: "2222222222bbbb" });
    // The next save says it starts from the text just saved.
    await userEvent.type(screen.getByLabelText("CLAUDE.md"), " Twice.");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByText("Saved");
    expect(requests.filter((request) => request.method === "PATCH")[1]?.body).toMatchObject({ base_prompt_sha256: "b".repeat(64) });
  });

  it("it refuses to overwrite a newer prompt and offers the newer text", async () => {
    document.cookie = "csrftoken=t";
    let current = agent;
    fakeServer([
      ["GET", /\/api\/agents\/devops\/$/, () => ({ body: current })],
      ["PATCH", /\/api\/agents\/devops\/$/, () => {
        current = { ...agent, prompt: "# DevOps\nTheirs.\n", prompt_sha256: "c".repeat(64) };
        return { status: 409, body: { error: "Prompt changed", code: "PROMPT_CHANGED", message: "CLAUDE.md changed since you opened it. Reload to see the new text, then make your change again." } };
      }],
    ]);
    renderEditor();
    await userEvent.type(await screen.findByLabelText("CLAUDE.md"), "Mine.");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText(/CLAUDE.md changed since you opened it/)).toBeInTheDocument();
    expect(screen.getByLabelText("CLAUDE.md")).toHaveValue("# DevOps\nMine.");
    await userEvent.click(screen.getByRole("button", { name: "Discard changes" }));
    expect(await screen.findByDisplayValue(/Theirs\./)).toBeInTheDocument();
  });
});
