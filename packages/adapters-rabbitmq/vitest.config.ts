import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/globalSetup.ts"],
    // One file at a time: the restart test takes the broker down, which no other file may see.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
