/**
 * Running one of the project's Node scripts to its end in a process of its own, as an operator
 * runs a command or a pass (`pnpm tree lost`, `pnpm reconcile --once`): what the tests and the
 * smoke scripts do to check a command's exit code and output.
 */
import { spawn } from "node:child_process"

/** How the process ended and everything it wrote. */
export interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Asynchronous, not `spawnSync`: a local devnet or a service in the caller's own process must
 * keep answering while the script talks to it.
 */
export const run = (
  script: string,
  args: ReadonlyArray<string>,
  options: { readonly env: NodeJS.ProcessEnv; readonly cwd?: string; readonly timeoutMs?: number }
): Promise<Finished> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: options.env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.once("error", reject)
    child.once("exit", (code) => resolve({ code, stdout, stderr }))
  })

/** The last line of a command's output as JSON (the commands end with one, for scripts). */
export const lastJson = <A>(finished: Finished): A =>
  JSON.parse(finished.stdout.trim().split("\n").at(-1)!) as A
