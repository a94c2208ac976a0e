import { lazy, Suspense } from "react";
import { Navigate, RouterProvider, createBrowserRouter, useRouteError } from "react-router";
import { useMe } from "./api/hooks";
import { ErrorMessage } from "./components/ErrorMessage";
import { Layout } from "./components/Layout";
import { AgentDetailPage } from "./pages/AgentDetailPage";
import { AgentsPage } from "./pages/AgentsPage";
import { ExecutionPage } from "./pages/ExecutionPage";
import { HistoryPage } from "./pages/HistoryPage";
import { McpPage } from "./pages/McpPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { SignInPage } from "./pages/SignInPage";

// The chart library is the biggest dependency: load it only when the usage screen opens.
const UsagePage = lazy(() => import("./pages/UsagePage").then((module) => ({ default: module.UsagePage })));

function RouteError() {
  const error = useRouteError();
  return (
    <main className="page">
      <ErrorMessage error={error instanceof Error ? error : new Error("This page failed to load.")} />
    </main>
  );
}

export const routes = [
  {
    path: "/",
    element: <Layout />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <Navigate to="/agents" replace /> },
      { path: "agents", element: <AgentsPage /> },
      { path: "agents/:folder", element: <AgentDetailPage /> },
      { path: "executions", element: <HistoryPage /> },
      { path: "executions/:id", element: <ExecutionPage /> },
      {
        path: "usage",
        element: (
          <Suspense fallback={<div className="page muted">Loading charts…</div>}>
            <UsagePage />
          </Suspense>
        ),
      },
      { path: "mcp", element: <McpPage /> },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
];

const router = createBrowserRouter(routes);

/** Signed-out visitors see only the sign-in page, whatever the address; it then shows that address. */
export function App() {
  const me = useMe();
  if (me.isPending) return <div className="splash">Loading…</div>;
  if (me.isError)
    return (
      <main className="page narrow">
        <ErrorMessage error={me.error} title="Cannot reach the Orchestrator" />
        <button type="button" onClick={() => me.refetch()}>
          Try again
        </button>
      </main>
    );
  if (!me.data) return <SignInPage />;
  return <RouterProvider router={router} />;
}
