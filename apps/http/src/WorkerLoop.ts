/**
 * The mint worker inside the service process: rounds back to back while there is work, and
 * RecoverInFlight at start-up and then periodically. Stopping is graceful: no new claims, the
 * round under way may finish until the deadline, then whatever is still in flight is
 * interrupted, which hands its mint back (signature kept) for the next worker. While the chain
 * turns mints away (rate limits, timeouts, an empty fee payer) the loop backs off with jitter
 * and probes with one mint a round (MintWorker.afterRound).
 */
import { MintWorker } from "@tickettoken/minting-core"
import { Deferred, Duration, Effect, Fiber, Ref } from "effect"
import type { AppRuntime } from "./AppServices.ts"

export interface WorkerOptions {
  readonly batchSize: number
  readonly concurrency: number
  readonly idleMs: number
  readonly recoveryIntervalMs: number
}

export const start = (runtime: AppRuntime, options: WorkerOptions) => {
  const stopping = Ref.makeUnsafe(false)
  const idle = Deferred.makeUnsafe<void>()

  const round = (inFlightOnly: boolean, streak: number) =>
    MintWorker.runRound({
      batchSize: options.batchSize,
      concurrency: options.concurrency,
      inFlightOnly,
      streak
    }).pipe(
      Effect.catchCause((cause) =>
        Effect.as(Effect.logWarning("worker round failed", { cause: String(cause) }), {
          claimed: 0,
          deferral: null
        })
      )
    )

  const loop = Effect.gen(function* () {
    yield* round(true, 0)
    let lastRecovery = Date.now()
    let streak = 0
    while (!(yield* Ref.get(stopping))) {
      if (Date.now() - lastRecovery >= options.recoveryIntervalMs) {
        yield* round(true, streak)
        lastRecovery = Date.now()
      }
      const next = MintWorker.afterRound(yield* round(false, streak), streak, options.idleMs)
      streak = next.streak
      if (next.pauseMs > 0) yield* Effect.sleep(Duration.millis(next.pauseMs))
    }
  }).pipe(Effect.ensuring(Deferred.succeed(idle, undefined)))

  const fiber = runtime.runFork(loop)

  /** Stops claiming; waits for the round in progress up to the deadline, then interrupts it. */
  const stop = (deadlineMs: number) =>
    runtime.runPromise(
      Effect.gen(function* () {
        yield* Ref.set(stopping, true)
        const finished = yield* Deferred.await(idle).pipe(Effect.timeoutOption(Duration.millis(deadlineMs)))
        if (finished._tag === "None") {
          yield* Effect.logWarning("shutdown deadline passed; handing in-flight mints back")
        }
        yield* Fiber.interrupt(fiber)
      })
    )

  return { stop }
}
