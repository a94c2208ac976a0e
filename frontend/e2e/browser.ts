// The system Chromium (Debian's package), never a downloaded browser. Playwright gives every
// launch a fresh temporary user-data-dir of its own.
import type { LaunchOptions } from "@playwright/test";

export const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";

export const chromiumLaunchOptions: LaunchOptions = {
  executablePath: CHROMIUM,
  args: [
    // Root in a container: Chromium's sandbox needs user namespaces it cannot get there.
    ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
  ],
};
