/**
 * The service as a process of its own (`src/main.ts` with `env` over this process's environment),
 * its stdout and stderr kept, waited for until it listens.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"

export interface ServiceUnderTest {
  readonly child: ChildProcess
  /** Everything it printed so far, stdout and stderr interleaved as they came. */
  readonly output: Array<string>
}

export const startService = async (
  env: Record<string, string>,
  timeoutMs = 60_000
): Promise<ServiceUnderTest> => {
  const child = spawn(process.execPath, ["src/main.ts"], {
    cwd: join(import.meta.dirname, ".."),
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const output: Array<string> = []
  child.stdout!.on("data", (chunk: Buffer) => output.push(chunk.toString()))
  child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()))
  const deadline = Date.now() + timeoutMs
  while (!output.join("").includes("listening on")) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`server did not start:\n${output.join("")}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return { child, output }
}
