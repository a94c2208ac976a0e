// The dashboard in a real Chromium against the real gunicorn, db_worker and the fake claude CLI.
import type { Page } from "@playwright/test";
import path from "node:path";
import { expect, test } from "./fixtures";

const unique = () => Math.random().toString(36).slice(2, 8);

async function runTask(page: Page, folder: string, task: string) {
  await page.goto(`/agents/${folder}`);
  await page.getByLabel("Task", { exact: true }).fill(task);
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await expect(page).toHaveURL(/\/executions\/[0-9a-f-]+$/);
}

const statusBadge = (page: Page) => page.getByRole("heading", { level: 1 }).locator(".badge");

test.describe("signed out", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("it goes back to sign-in when the session ends", async ({ page, consoleErrors }) => {
    await page.goto("/");
    await page.getByLabel("Username").fill(process.env.E2E_USERNAME!);
    await page.getByLabel("Password").fill(process.env.E2E_PASSWORD!);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Agents" })).toBeVisible();
    await page.context().clearCookies();
    await page.getByRole("link", { name: "History" }).click();
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
    // Chromium logs the 401 that ended the session; that one is expected here.
    const expected = consoleErrors.filter((text) => /status of 401/.test(text));
    expect(expected.length).toBeGreaterThan(0);
    consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((text) => !expected.includes(text)));
  });

  test("it signs in and shows the user, the health and the version", async ({ page, shoot }) => {
    await page.goto("/agents");
    await expect(page.getByRole("heading", { name: "Orchestrator" })).toBeVisible();
    await expect(page.getByRole("navigation")).toHaveCount(0);
    await shoot("01-sign-in");
    await page.getByLabel("Username").fill(process.env.E2E_USERNAME!);
    await page.getByLabel("Password").fill(process.env.E2E_PASSWORD!);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Agents" })).toBeVisible();
    await expect(page.locator(".user")).toHaveText(process.env.E2E_USERNAME!);
    await expect(page.locator(".health")).toBeVisible();
    await expect(page.locator(".footer")).toContainText(/Orchestrator v\d/);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  });

  test("it shows a read-only user no way to change anything", async ({ page }) => {
    await page.goto("/");
    await page.getByLabel("Username").fill(process.env.E2E_READER!);
    await page.getByLabel("Password").fill(process.env.E2E_PASSWORD!);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.locator(".user")).toHaveText(`${process.env.E2E_READER} (read-only)`);
    await expect(page.getByTestId("agent-devops-engineer")).toBeVisible();
    await expect(page.getByRole("button", { name: "New agent" })).toHaveCount(0);
    await page.getByTestId("agent-devops-engineer").getByRole("link").first().click();
    await expect(page.getByText("Only staff users can run agents.")).toBeVisible();
    await expect(page.getByLabel("CLAUDE.md", { exact: true })).toHaveAttribute("readonly", "");
    await expect(page.getByRole("button", { name: "Save" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Delete agent…" })).toHaveCount(0);
  });

  test("it says so when the password is wrong", async ({ page, shoot }) => {
    await page.goto("/");
    await page.getByLabel("Username").fill(process.env.E2E_USERNAME!);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert")).toContainText("Wrong username or password.");
    await shoot("02-bad-login");
  });
});

test("it lists the seeded agents and searches them", async ({ page, shoot }) => {
  await page.goto("/");
  for (const folder of ["devops-engineer", "qa-engineer", "tech-writer"]) {
    await expect(page.getByTestId(`agent-${folder}`)).toBeVisible();
  }
  await expect(page.locator(".health")).toHaveText("healthy");
  await shoot("03-agents");
  await page.getByLabel("Search agents").fill("qa");
  await expect(page.getByTestId("agent-qa-engineer")).toBeVisible();
  await expect(page.getByTestId("agent-devops-engineer")).toHaveCount(0);
});

test("it creates an agent and edits its prompt", async ({ page, shoot }) => {
  const folder = `e2e-${unique()}`;
  await page.goto("/agents");
  await page.getByRole("button", { name: "New agent" }).click();
  const form = page.getByRole("form", { name: "New agent" });
  await form.getByLabel("Folder").fill("not a folder/");
  await form.getByLabel("Folder").blur();
  await expect(form.locator("#folder-help")).toHaveText(/Only letters, digits and hyphens/);
  await form.getByLabel("Folder").fill(folder);
  await form.getByLabel(/^Name/).fill("E2E Engineer");
  await form.getByLabel("Role prompt (CLAUDE.md)").fill("# E2E\n\nYou test things.\n");
  await form.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(new RegExp(`/agents/${folder}$`));
  await expect(page.getByRole("heading", { name: "E2E Engineer" })).toBeVisible();

  const editor = page.getByLabel("CLAUDE.md", { exact: true });
  await expect(editor).toHaveValue(/You test things\./);
  await editor.fill("# E2E Engineer\n\nYou test **everything** twice.\n");
  await expect(page.getByText("Unsaved changes")).toBeVisible();
  await page.getByRole("tab", { name: "Preview" }).click();
  await expect(page.getByLabel("Rendered preview").getByRole("heading", { name: "E2E Engineer" })).toBeVisible();
  await expect(page.getByLabel("Rendered preview").locator("strong")).toHaveText("everything");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved", { exact: true })).toBeVisible();
  await shoot("04-agent-detail");

  await page.reload();
  await expect(page.getByLabel("CLAUDE.md", { exact: true })).toHaveValue("# E2E Engineer\n\nYou test **everything** twice.\n");

  // Deleting asks for the folder name, typed exactly.
  await page.getByRole("button", { name: "Delete agent…" }).click();
  const confirm = page.getByLabel(new RegExp(`Type ${folder} to confirm`));
  await confirm.fill(folder.toUpperCase());
  await expect(page.getByRole("button", { name: "Delete agent", exact: true })).toBeDisabled();
  await confirm.fill(folder);
  await page.getByRole("button", { name: "Delete agent", exact: true }).click();
  await expect(page).toHaveURL(/\/agents$/);
  await expect(page.getByTestId("agent-devops-engineer")).toBeVisible();
  await expect(page.getByTestId(`agent-${folder}`)).toHaveCount(0);
});

test("it shows the events of a run one by one before it finishes", async ({ page, shoot }) => {
  await runTask(page, "devops-engineer", "Report the disk usage.\n[[fake:slow events=8 delay=0.6]]");
  const counter = page.getByTestId("event-count");
  const seen = new Set<number>();
  let countWhileRunning = 0;
  let sawLiveStream = false;
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    const text = (await counter.textContent()) ?? "";
    const count = Number(text.split(" ")[0]);
    sawLiveStream ||= text.includes("live");
    const status = (await statusBadge(page).textContent()) ?? "";
    if (status === "running" && count > 0) {
      seen.add(count);
      countWhileRunning = Math.max(countWhileRunning, count);
    }
    if (status === "succeeded") break;
    await page.waitForTimeout(150);
  }
  await expect(statusBadge(page)).toHaveText("succeeded");
  // Several distinct partial counts while running: the events arrived one by one, not at the end.
  expect(seen.size).toBeGreaterThanOrEqual(3);
  // ...over Server-Sent Events, not the polling fallback.
  expect(sawLiveStream).toBe(true);
  await expect(page.locator(".event-result")).toBeVisible();
  await expect(page.getByText("Session started")).toBeVisible();
  await page.getByText("Command line").click();
  await expect(page.locator("details", { hasText: "Command line" }).locator("pre")).toContainText("--output-format stream-json");
  expect(Number(((await counter.textContent()) ?? "").split(" ")[0])).toBeGreaterThan(countWhileRunning);
  await shoot("05-execution");
});

test("it cancels a long run and shows it cancelled, in history too without a reload", async ({ page, context, shoot }) => {
  await runTask(page, "qa-engineer", "Wait for the build.\n[[fake:hang]]");
  await expect(statusBadge(page)).toHaveText("running", { timeout: 30_000 });
  await expect(page.getByText("Session started")).toBeVisible();
  const history = await context.newPage();
  await history.goto("/agents");
  await expect(history.getByTestId("agent-qa-engineer").locator(".state")).toHaveText("running");
  await history.goto("/executions?agent=qa-engineer");
  const row = history.locator("tbody tr", { hasText: "Wait for the build." });
  await expect(row.locator(".badge")).toHaveText("running");
  await page.getByRole("button", { name: "Cancel run" }).click();
  await page.getByRole("button", { name: "Yes, cancel" }).click();
  await expect(statusBadge(page)).toHaveText("cancelled", { timeout: 30_000 });
  await expect(page.getByRole("button", { name: "Cancel run" })).toHaveCount(0);
  await shoot("06-cancelled");
  await expect(row.locator(".badge")).toHaveText("cancelled", { timeout: 20_000 });
  await history.close();
});

test("it recovers from dropped event streams without losing or repeating events", async ({ page, consoleErrors }) => {
  let streams = 0;
  await page.route(/\/api\/executions\/\d+\/stream\//, async (route) => {
    streams += 1;
    // First an answer that ends at once, then a network failure; then the real stream.
    if (streams === 1) await route.fulfill({ status: 200, contentType: "text/event-stream", body: ": bye\n\n" });
    else if (streams === 2) await route.abort("connectionreset");
    else await route.continue();
  });
  await runTask(page, "tech-writer", "Outline the guide.\n[[fake:slow events=6 delay=0.3]]");
  await expect(statusBadge(page)).toHaveText("succeeded", { timeout: 45_000 });
  const id = page.url().split("/").pop();
  const detail = await (await page.request.get(`/api/executions/${id}/`)).json();
  await expect(page.getByTestId("event-count")).toHaveText(`${detail.last_seq} events · complete`);
  // A repeated seq would also make React log a duplicate key, which the console check catches.
  expect(streams).toBeGreaterThanOrEqual(3);
  // The one console error this test causes on purpose: Chromium logs the injected reset.
  const injected = consoleErrors.filter((text) => /ERR_CONNECTION_RESET.*\/stream\//.test(text));
  expect(injected).toHaveLength(1);
  consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((text) => !injected.includes(text)));
});

test("it shows why a run failed", async ({ page, shoot }) => {
  await runTask(page, "tech-writer", "Write the release notes.\n[[fake:error]]");
  await expect(statusBadge(page)).toHaveText("failed", { timeout: 30_000 });
  await expect(page.locator(".event-result.is-error")).toBeVisible();
  await expect(page.getByRole("alert").first()).toBeVisible();
  await shoot("07-failed");
});

test("it shows permission denials and output that is not JSON", async ({ page, shoot }) => {
  await runTask(page, "devops-engineer", "Write the config.\n[[fake:permission-denied]]");
  await expect(statusBadge(page)).toHaveText("succeeded", { timeout: 30_000 });
  await expect(page.locator(".event-denial").first()).toContainText("Permission denied");
  await expect(page.locator(".event-tool-result.is-error")).toBeVisible();
  await expect(page.getByText(/\d+ permission denials?/)).toBeVisible();
  await shoot("15-permission-denied");

  await runTask(page, "devops-engineer", "Print the logs.\n[[fake:raw]]");
  await expect(statusBadge(page)).not.toHaveText(/queued|running/, { timeout: 30_000 });
  await expect(page.locator(".event-raw").first()).toContainText("output (not JSON)");
});

test("it filters the history", async ({ page, shoot }) => {
  await runTask(page, "devops-engineer", "Rotate the logs.\n[[fake:error]]");
  await expect(statusBadge(page)).toHaveText("failed", { timeout: 30_000 });
  await runTask(page, "tech-writer", "Proofread the README.");
  await expect(statusBadge(page)).toHaveText("succeeded", { timeout: 30_000 });
  await page.getByRole("link", { name: "History" }).first().click();
  await expect(page.getByRole("heading", { name: "History" })).toBeVisible();
  const rows = page.locator("tbody tr");
  await expect(rows.first()).toBeVisible();
  // click + a retrying assertion: the box follows the address, which updates a moment later.
  const failed = page.getByRole("checkbox", { name: "failed" });
  await failed.click();
  await expect(failed).toBeChecked();
  await expect(page).toHaveURL(/status=failed/);
  await expect(rows.first()).toBeVisible();
  await expect(page.locator('tbody tr:not([data-status="failed"])')).toHaveCount(0);
  await failed.click();
  await expect(failed).not.toBeChecked();
  await page.getByLabel("Text in task or result").fill("Proofread");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Proofread the README.");
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const csv = await (await download).createReadStream();
  let text = "";
  for await (const chunk of csv) text += chunk.toString();
  const lines = text.trim().split(/\r?\n/);
  // The header, then only the filtered execution.
  expect(lines[0]).toMatch(/^id,agent,/);
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain("Proofread the README.");
  await shoot("08-history");
});

test("it draws the usage charts", async ({ page, shoot }) => {
  await page.goto("/usage");
  await expect(page.getByRole("heading", { name: "Usage" })).toBeVisible();
  await expect(page.getByText(/API-equivalent/).first()).toBeVisible();
  await expect(page.locator(".recharts-bar-rectangle").first()).toBeVisible();
  await page.getByRole("button", { name: "30 days" }).click();
  await expect(page.getByRole("button", { name: "30 days" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator(".recharts-bar-rectangle").first()).toBeVisible();
  await shoot("09-usage");
});

test("it shows the MCP servers screen", async ({ page, shoot }) => {
  await page.goto("/mcp");
  await expect(page.getByRole("heading", { name: "MCP servers" })).toBeVisible();
  await expect(page.locator(".mcp-grid, .empty").first()).toBeVisible();
  await shoot("10-mcp-empty");
});

test("it works at a narrow width and by keyboard", async ({ page, shoot }) => {
  await page.setViewportSize({ width: 380, height: 800 });
  await page.goto("/agents");
  await expect(page.getByTestId("agent-devops-engineer")).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await shoot("11-agents-narrow");
  // Tab through the header to the first agent link and open it with Enter.
  const link = page.getByRole("link", { name: "DevOps Engineer" }).or(page.getByRole("link", { name: "devops-engineer" }));
  for (let presses = 0; presses < 30; presses++) {
    await page.keyboard.press("Tab");
    if (await link.first().evaluate((element) => element === document.activeElement)) break;
  }
  await expect(link.first()).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/agents\/devops-engineer$/);
});

test("it continues a finished run in the same session", async ({ page }) => {
  await runTask(page, "devops-engineer", "List the services.");
  await expect(statusBadge(page)).toHaveText("succeeded", { timeout: 30_000 });
  const firstUrl = page.url();
  // The end of the stream can beat the refreshed detail by a moment: wait for the session id.
  const sessionFact = page.locator("dt", { hasText: /^Session$/ }).locator("+ dd");
  await expect(sessionFact).toHaveText(/^[0-9a-f]{8}$/);
  const session = (await sessionFact.textContent()) ?? "";
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Follow-up task (same session)").fill("Now restart the failing one.");
  await page.getByRole("button", { name: "Send follow-up" }).click();
  await expect(page).not.toHaveURL(firstUrl);
  await expect(page.locator("dt", { hasText: "Continues session" }).locator("+ dd")).toHaveText(session);
  await expect(statusBadge(page)).toHaveText("succeeded", { timeout: 30_000 });

  // Run again: the same task, prefilled, as a new execution.
  const secondUrl = page.url();
  await page.getByRole("button", { name: "Run again" }).click();
  // (Located by name: a label wrapping a filled textarea includes the text in its own.)
  await expect(page.locator("textarea[name=task]")).toHaveValue("Now restart the failing one.");
  await page.getByRole("button", { name: "Run again" }).last().click();
  await expect(page).not.toHaveURL(secondUrl);
  await expect(statusBadge(page)).toHaveText("succeeded", { timeout: 30_000 });
});

test("it keeps a huge output responsive and says it was truncated", async ({ page, shoot }) => {
  await runTask(page, "qa-engineer", "Dump the logs.\n[[fake:huge size=2500000]]");
  await expect(statusBadge(page)).not.toHaveText(/queued|running/, { timeout: 45_000 });
  await expect(page.getByText(/output was larger than the server keeps/)).toBeVisible();
  // Virtualised and collapsed: far less than the 1 MiB stored is in the DOM at once.
  const domSize = await page.evaluate(() => document.body.innerHTML.length);
  expect(domSize).toBeLessThan(400_000);
  await shoot("12-huge-output");
});

test("it adds, checks and removes an MCP server", async ({ page, shoot }) => {
  const server = path.resolve(process.cwd(), "..", "tests", "fakes", "mcp_server.py");
  await page.goto("/agents/tech-writer");
  await page.getByRole("button", { name: "Add server" }).click();
  const form = page.getByRole("form", { name: "Add MCP server" });
  await form.getByLabel("Name").fill("e2e-docs");
  await form.getByLabel("Command").fill("python3");
  await form.getByLabel("Arguments (one per line)").fill(`${server}\n--mode\nok\n--tools\nread_page,search`);
  await form.getByRole("button", { name: "Add server" }).click();
  const card = page.getByTestId("mcp-e2e-docs");
  await expect(card).toBeVisible();
  await card.getByRole("button", { name: "Check now" }).click();
  await expect(card.locator(".badge")).toHaveText("ok", { timeout: 30_000 });
  await expect(card.getByText("2 tools")).toBeVisible();
  await shoot("13-agent-mcp");

  // A run reports what Claude Code made of the server, in the init event and on the card.
  await runTask(page, "tech-writer", "Look it up in the docs.\n[[fake:mcp]]");
  await expect(statusBadge(page)).toHaveText("succeeded", { timeout: 30_000 });
  await expect(page.getByRole("list", { name: "MCP servers" })).toContainText("e2e-docs");
  await page.goto("/agents/tech-writer");
  await expect(page.getByTestId("mcp-e2e-docs").locator("dt", { hasText: "Last run said" }).locator("+ dd")).not.toHaveText("–");
  await page.goto("/mcp");
  await expect(page.getByTestId("mcp-e2e-docs")).toBeVisible();
  await shoot("10-mcp");
  await page.goto("/agents/tech-writer");
  await page.getByTestId("mcp-e2e-docs").getByRole("button", { name: "Remove" }).click();
  await page.getByLabel(/Type e2e-docs to confirm/).fill("e2e-docs");
  await page.getByRole("button", { name: "Remove server" }).click();
  await expect(page.getByTestId("mcp-e2e-docs")).toHaveCount(0);
});

test.describe("dark mode", () => {
  test.use({ colorScheme: "dark" });

  test("it follows the system's dark colour scheme", async ({ page, shoot }) => {
    await page.goto("/executions");
    await expect(page.getByRole("heading", { name: "History" })).toBeVisible();
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(background).toBe("rgb(15, 17, 21)");
    await shoot("14-history-dark");
  });
});
