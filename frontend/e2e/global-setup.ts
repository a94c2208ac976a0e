// Starts frontend/e2e/stack.py (the real stack on a free port), waits for its URL, signs the
// staff user in once and saves the session for the tests; the returned function stops the stack.
import { chromium } from "@playwright/test";
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromiumLaunchOptions } from "./browser";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..");
const authFile = path.resolve(here, "..", "test-results", ".auth", "staff.json");

interface StackInfo {
  url: string;
  username: string;
  reader: string;
  password: string;
  home: string;
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const python = path.join(repo, ".venv", "bin", "python");
  const child = spawn(python, [path.join(here, "stack.py")], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const info = await new Promise<StackInfo>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => reject(new Error(`stack.py gave no URL within 120 s\n${stderr}`)), 120_000);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split("\n").find((text) => text.startsWith("{"));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as StackInfo);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`stack.py exited with ${code}\n${stderr}`));
    });
  });
  process.env.E2E_URL = info.url;
  process.env.E2E_USERNAME = info.username;
  process.env.E2E_PASSWORD = info.password;
  process.env.E2E_READER = info.reader;

  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 40_000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
  };

  try {
    mkdirSync(path.dirname(authFile), { recursive: true });
    const browser = await chromium.launch(chromiumLaunchOptions);
    const page = await browser.newPage();
    await page.goto(info.url + "/");
    await page.getByLabel("Username").fill(info.username);
    await page.getByLabel("Password").fill(info.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Agents" }).waitFor();
    await page.context().storageState({ path: authFile });
    await browser.close();
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}
