import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      // The contract suites run here against in-memory adapters; the client runs against the app.
      reporter: ["text-summary", "text"],
      thresholds: { lines: 90 }
    }
  }
})
