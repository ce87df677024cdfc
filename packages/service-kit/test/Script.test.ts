import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { Script } from "../src/index.ts"

const dir = mkdtempSync(join(tmpdir(), "tt-script-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("Script.run", () => {
  it("returns the exit code, both outputs whole, and the last line as JSON", async () => {
    const script = join(dir, "command.mjs")
    writeFileSync(
      script,
      `process.stderr.write("warned\\n")
console.log("line " + process.argv[2] + " " + process.env.GREETING)
console.log(JSON.stringify({ done: true }))
process.exitCode = 3`
    )
    const finished = await Script.run(script, ["one"], { env: { GREETING: "hi" } })
    expect(finished.code).toBe(3)
    expect(finished.stderr).toBe("warned\n")
    expect(finished.stdout).toBe('line one hi\n{"done":true}\n')
    expect(Script.lastJson(finished)).toEqual({ done: true })
  })

  it("stops a script that outlives its timeout", async () => {
    const script = join(dir, "forever.mjs")
    writeFileSync(script, "setInterval(() => {}, 1000)")
    const finished = await Script.run(script, [], { env: {}, timeoutMs: 300 })
    expect(finished.code).toBeNull()
  })
})
