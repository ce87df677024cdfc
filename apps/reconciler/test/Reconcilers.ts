/**
 * The reconciler as operators run it: `node src/main.ts` in a child process of its own, with an
 * environment of the test's choosing, its JSON log lines collected as they come.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))

/** One JSON object a line: `message` a string, annotations and fields beside it. */
export interface LogLine {
  readonly message: string
  readonly level: string
  readonly [field: string]: unknown
}

export interface Reconciler {
  readonly child: ChildProcess
  /** JSON log lines so far (stdout for the daemon, stderr for --once). */
  readonly logs: Array<LogLine>
  stdout(): string
  stderr(): string
  readonly exited: Promise<number | null>
  /** Resolves when a log line's message is `message` for the `count`th time. */
  logged(message: string, count?: number, timeoutMs?: number): Promise<void>
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

export const messageOf = (line: LogLine) => line.message

export const startReconciler = (args: ReadonlyArray<string>, env: Record<string, string>): Reconciler => {
  const child = spawn(process.execPath, [main, ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      LOG_LEVEL: "debug",
      // Several daemons run side by side in these tests: each serves /metrics on a free port.
      RECONCILER_PORT: "0",
      ...env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const logs: Array<LogLine> = []
  let out = ""
  let err = ""
  const waiters = new Set<() => void>()
  const collect = (text: string) => {
    for (const line of text.split("\n")) {
      if (!line.startsWith("{")) continue
      try {
        logs.push(JSON.parse(line) as LogLine)
      } catch {
        // Not a log line (the summary, or --json output).
      }
    }
    for (const waiter of waiters) waiter()
  }
  let outTail = ""
  let errTail = ""
  child.stdout!.on("data", (chunk: Buffer) => {
    out += chunk.toString()
    const lines = (outTail + chunk.toString()).split("\n")
    outTail = lines.pop() ?? ""
    collect(lines.join("\n"))
  })
  child.stderr!.on("data", (chunk: Buffer) => {
    err += chunk.toString()
    const lines = (errTail + chunk.toString()).split("\n")
    errTail = lines.pop() ?? ""
    collect(lines.join("\n"))
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const logged = (message: string, count = 1, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (logs.filter((line) => messageOf(line) === message).length >= count) {
          waiters.delete(check)
          clearTimeout(timer)
          resolve()
        }
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(
          new Error(`no "${message}" (x${count}) within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`)
        )
      }, timeoutMs)
      waiters.add(check)
      check()
    })
  return {
    child,
    logs,
    stdout: () => out,
    stderr: () => err,
    exited,
    logged,
    stop: (signal = "SIGTERM") => {
      child.kill(signal)
      return exited
    }
  }
}
