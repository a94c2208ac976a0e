import { defineConfig } from "@playwright/test";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromiumLaunchOptions } from "./browser";

const here = path.dirname(fileURLToPath(import.meta.url));

// One worker against one real stack (gunicorn + db_workers + fake CLI) that global-setup starts.
export default defineConfig({
  testDir: ".",
  testMatch: /.*\.spec\.ts$/,
  outputDir: "../test-results/playwright",
  globalSetup: "./global-setup.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    browserName: "chromium",
    launchOptions: chromiumLaunchOptions,
    storageState: path.resolve(here, "..", "test-results", ".auth", "staff.json"),
    viewport: { width: 1280, height: 860 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
});
