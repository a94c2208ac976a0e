/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Django serves the build through whitenoise under /static/; the dev server proxies the API to
// the Django process `make dev` starts on 5111.
export default defineConfig({
  base: "/static/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      "/api": "http://127.0.0.1:5111",
      "/admin": "http://127.0.0.1:5111",
      // Any dashboard route on Django sets the CSRF cookie (see CSRF_BOOTSTRAP_PATH in src/api/client.ts).
      "/dashboard-csrf": "http://127.0.0.1:5111",
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
  },
});
