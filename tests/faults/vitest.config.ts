import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/globalSetup.ts"],
    // One file at a time: each runs service processes, a localnet and a PostgreSQL server of its
    // own, and several depend on timing (leases, backoff windows) that a busy machine stretches.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000
  }
})
