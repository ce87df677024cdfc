/**
 * FAULT INJECTION: for the fault tests and the soak run only; off unless one of these is set.
 *
 *   TT_FAULT_CRASH_AT=signed|persisted|sent|confirmed   the worker SIGKILLs its own process the
 *                                                        first time a mint reaches that point
 *   TT_FAULT_STOP_AT=signed|persisted|sent|confirmed    the worker SIGSTOPs its own process there
 *                                                        (once); SIGCONT resumes it
 *
 * The points are MintWorker's: `signed` (signed, not yet stored), `persisted` (stored, not yet
 * sent), `sent` (sent, not yet confirmed), `confirmed` (landed, not yet completed in the
 * database). A test can only hit those exact steps from inside the process; a signal from
 * outside lands wherever the worker happens to be. Start-up announces the hook when it is on.
 */
import { type CrashPoint, WorkerHooks } from "@tickettoken/minting-core"
import { Config, Effect, Layer, Option } from "effect"

const points: ReadonlyArray<CrashPoint> = ["signed", "persisted", "sent", "confirmed"]

export const config = Config.all({
  crashAt: Config.Literals(points, "TT_FAULT_CRASH_AT").pipe(Config.option),
  stopAt: Config.Literals(points, "TT_FAULT_STOP_AT").pipe(Config.option)
})

export type FaultHooksConfig = Config.Success<typeof config>

/** What is armed, for the start-up announcement; null when nothing is. */
export const describe = (settings: FaultHooksConfig): string | null => {
  const armed = [
    ...Option.toArray(Option.map(settings.crashAt, (p) => `SIGKILL at ${p}`)),
    ...Option.toArray(Option.map(settings.stopAt, (p) => `SIGSTOP at ${p}`))
  ]
  return armed.length === 0 ? null : `FAULT INJECTION ON: the worker will ${armed.join(" and ")}`
}

const announce = (signal: string, point: CrashPoint, mintId: string) =>
  // Synchronous on a pipe or a file, so the line is out before the signal.
  process.stdout.write(
    `${JSON.stringify({ level: "WARN", message: `fault injection: ${signal} at ${point}`, point, mintId, pid: process.pid, timestamp: new Date().toISOString() })}\n`
  )

/** The WorkerHooks for these settings; the default (no-op) hooks when nothing is armed. */
export const layer = (settings: FaultHooksConfig): Layer.Layer<never> => {
  if (Option.isNone(settings.crashAt) && Option.isNone(settings.stopAt)) return Layer.empty
  let stopped = false
  return Layer.succeed(WorkerHooks, {
    reached: (point, mint) =>
      Effect.sync(() => {
        if (Option.contains(settings.crashAt, point)) {
          announce("SIGKILL", point, mint.id)
          process.kill(process.pid, "SIGKILL")
        }
        if (!stopped && Option.contains(settings.stopAt, point)) {
          stopped = true
          announce("SIGSTOP", point, mint.id)
          process.kill(process.pid, "SIGSTOP")
        }
      })
  }) as Layer.Layer<never>
}
