import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each file starts a localnet or child processes and a database of its own: one at a time
    // keeps a 2-core machine from timing itself out.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000
  }
})
