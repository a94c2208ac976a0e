// axe-core on the main screens: no serious or critical WCAG A/AA violations. (Named to run after
// dashboard.spec.ts, so the screens hold runs of every kind, status badges included.)
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

async function violations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(" ")).join(", ")})`);
}

for (const [name, path, ready] of [
  ["agents", "/agents", "Agents"],
  ["agent detail", "/agents/devops-engineer", "DevOps Engineer"],
  ["history", "/executions", "History"],
  ["usage", "/usage", "Usage"],
  ["MCP servers", "/mcp", "MCP servers"],
] as const) {
  test(`the ${name} screen has no serious accessibility problems`, async ({ page }) => {
    await page.goto(path);
    await expect(page.getByRole("heading", { name: ready, level: 1 })).toBeVisible();
    expect(await violations(page)).toEqual([]);
  });
}

test.describe("signed out", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("the sign-in screen has no serious accessibility problems", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
    expect(await violations(page)).toEqual([]);
  });
});

test.describe("dark mode", () => {
  test.use({ colorScheme: "dark" });

  for (const [name, path, ready] of [
    ["agents", "/agents", "Agents"],
    ["history", "/executions", "History"],
  ] as const) {
    test(`the ${name} screen keeps its contrast in dark mode`, async ({ page }) => {
      await page.goto(path);
      await expect(page.getByRole("heading", { name: ready, level: 1 })).toBeVisible();
      expect(await violations(page)).toEqual([]);
    });
  }
});
