/**
 * The daemon: a pass every interval (the first at once), each under the leader lock. A failed
 * pass is logged and the next one tries again. When the process is told to stop, no new pass
 * starts; the pass under way may finish until the shutdown deadline, then it is abandoned.
 * Abandoning is safe: every repair is its own versioned write, the scan checkpoint only moves
 * past pages already judged, and the lock is let go as the pass unwinds.
 */
import { Cause, Duration, Effect, Fiber, type Ref, Schedule } from "effect"
import { type PassOptions, type PassOutcome, runPass } from "./Pass.ts"
import * as StatusServer from "./StatusServer.ts"

export interface DaemonOptions extends PassOptions {
  readonly intervalMs: number
  /** How long a pass under way may still run once shutdown begins. */
  readonly shutdownDeadlineMs: number
  /** Where each pass's outcome is recorded for /health and /metrics (none: not recorded). */
  readonly status?: Ref.Ref<StatusServer.Status> | undefined
}

export const logOutcome = (outcome: PassOutcome) => {
  switch (outcome._tag) {
    case "Reconciled": {
      const { report } = outcome
      return Effect.logInfo("reconciliation pass finished").pipe(
        Effect.annotateLogs({
          reportId: report.id,
          durationMs: outcome.durationMs,
          rpcCalls: report.rpcCalls,
          examined: report.examined,
          notable: report.findings.length,
          ...report.counts.byReason
        })
      )
    }
    case "LockHeld":
      return Effect.logInfo("pass skipped: another replica holds the leader lock")
    case "Recent":
      return Effect.logDebug("pass skipped: a replica reconciled moments ago").pipe(
        Effect.annotateLogs({ reportId: outcome.reportId, ageMs: outcome.ageMs })
      )
  }
}

const logged = (options: DaemonOptions) =>
  runPass(options).pipe(
    Effect.tap(logOutcome),
    Effect.tap((outcome) =>
      options.status === undefined ? Effect.void : StatusServer.record(options.status, outcome)
    ),
    Effect.asVoid,
    Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.failCause(cause)
        : Effect.logError("reconciliation pass failed; the next one will try again").pipe(
            Effect.annotateLogs({ error: String(Cause.squash(cause)) }),
            Effect.andThen(
              options.status === undefined
                ? Effect.void
                : StatusServer.record(options.status, { _tag: "Failed", error: String(Cause.squash(cause)) })
            )
          )
    )
  )

/** One pass in a fiber of its own, so shutdown can give it until the deadline. */
const turn = (options: DaemonOptions) =>
  Effect.gen(function* () {
    const pass = yield* Effect.forkChild(logged(options))
    yield* Fiber.join(pass).pipe(
      Effect.onInterrupt(() =>
        Effect.gen(function* () {
          yield* Effect.logInfo("shutting down: letting the pass under way finish").pipe(
            Effect.annotateLogs({ deadlineMs: options.shutdownDeadlineMs })
          )
          const finished = yield* Fiber.await(pass).pipe(
            Effect.timeoutOption(Duration.millis(options.shutdownDeadlineMs))
          )
          if (finished._tag === "None") {
            yield* Effect.logWarning("shutdown deadline passed: pass abandoned")
            yield* Fiber.interrupt(pass)
          }
        })
      )
    )
  })

export const run = (options: DaemonOptions) =>
  Effect.gen(function* () {
    yield* Effect.logInfo("reconciler daemon started").pipe(
      Effect.annotateLogs({
        intervalMs: options.intervalMs,
        batchSize: options.batchSize,
        repair: options.repair,
        lock: options.lockName
      })
    )
    yield* turn(options).pipe(Effect.repeat(Schedule.fixed(Duration.millis(options.intervalMs))))
  }).pipe(Effect.onInterrupt(() => Effect.logInfo("reconciler daemon stopped")))
