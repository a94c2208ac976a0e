import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "../api/hooks";
import { fakeServer } from "../test/http";
import { SignInPage } from "./SignInPage";

afterEach(() => vi.unstubAllGlobals());

function renderSignIn() {
  const client = new QueryClient({ defaultOptions: { mutations: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <SignInPage />
    </QueryClientProvider>,
  );
  return client;
}

describe("the sign-in page", () => {
  it("it shows the server's message when the password is wrong", async () => {
    fakeServer([
      ["POST", /\/api\/auth\/login\/$/, { status: 400, body: { error: "Sign-in failed", code: "BAD_CREDENTIALS", message: "Wrong username or password." } }],
    ]);
    renderSignIn();
    await userEvent.type(screen.getByLabelText("Username"), "ann");
    await userEvent.type(screen.getByLabelText("Password"), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Sign-in failed");
    expect(alert).toHaveTextContent("Wrong username or password.");
  });

  it("it stores the signed-in user so the app opens", async () => {
    const { requests } = fakeServer([["POST", /\/api\/auth\/login\/$/, { body: { username: "ann", is_staff: true } }]]);
    const client = renderSignIn();
    await userEvent.type(screen.getByLabelText("Username"), "ann");
    await userEvent.type(screen.getByLabelText("Password"), "secret");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await vi.waitFor(() => expect(client.getQueryData(keys.me)).toEqual({ username: "ann", is_staff: true }));
    expect(requests.find((request) => request.method === "POST")?.body).toEqual({ username: "ann", password: "secret" });
  });
});
