import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The localnet cases send hundreds of transactions; a busy machine can take many seconds.
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
