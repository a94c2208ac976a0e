// The test fixture every spec uses: baseURL from the stack, a page that fails the test on any
// console error or uncaught exception, and a helper that saves a screenshot of a screen.
import { test as base, expect, type ConsoleMessage, type Page } from "@playwright/test";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const SCREENSHOTS = path.resolve(here, "..", "test-results", "screenshots");

// Answers the API gives on purpose, which Chromium logs as "Failed to load resource": asking who
// is signed in while signed out (401/403), a rejected login (400/429), a degraded health (503).
const EXPECTED_STATUS: [RegExp, RegExp][] = [
  [/\/api\/auth\/me\/$/, /status of 40[13]/],
  [/\/api\/auth\/login\/$/, /status of (400|429)/],
  [/\/api\/health$/, /status of 503/],
];

function expectedNetworkError(message: ConsoleMessage): boolean {
  const url = message.location().url ?? "";
  return EXPECTED_STATUS.some(([where, what]) => where.test(url) && what.test(message.text()));
}

interface Fixtures {
  consoleErrors: string[];
  shoot: (name: string, target?: Page) => Promise<void>;
}

export const test = base.extend<Fixtures>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture names from this pattern
  baseURL: async ({}, use) => {
    await use(process.env.E2E_URL);
  },
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error" && !expectedNetworkError(message)) errors.push(`console: ${message.text()} (${message.location().url})`);
      });
      page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
      await use(errors);
      expect(errors, "the page logged errors").toEqual([]);
    },
    { auto: true },
  ],
  shoot: async ({ page }, use) => {
    await use(async (name: string, target?: Page) => {
      await (target ?? page).screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    });
  },
});

export { expect };
