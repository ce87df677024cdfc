/**
 * The mint worker inside the service process: a pipeline, not rounds. Claiming, signing and
 * sending run for new mints while earlier ones wait for their confirmation; a mint that never
 * confirms holds one in-flight place until its blockhash expires, nothing more. Status reads of
 * all mints in flight go out together (MintWorker.batchedReader), and so do the writes of mints
 * that complete or are signed together (BatchedWrites).
 *
 * - At most `concurrency` mints are in the signing stage (claimed, not yet signed and stored)
 *   and at most `maxInFlight` mints are held at all; claims are sized to the free places.
 * - While the chain turns mints away (rate limits, an outage, an empty fee payer) nothing is
 *   claimed until the shared ChainGate's backoff passes, then one mint at a time probes.
 * - RecoverInFlight at start and periodically: mints whose lease lapsed mid-flight elsewhere.
 * - The progress watchdog: when mints wait and none has completed for STALL_WARN_AFTER, a WARN
 *   with the reason the worker knows, the alert metric and /health degraded; INFO on resume.
 * - Stopping is graceful: no new claims, mints in flight may finish until the deadline, then
 *   they are interrupted, which hands each back (signature kept) for the next worker.
 */
import {
  BatchedWrites,
  type ChainErrorReason,
  type Mint,
  MintMetrics,
  MintRepository,
  MintWorker,
  ProgressWatchdog
} from "@tickettoken/minting-core"
import { DateTime, Deferred, Duration, Effect, Fiber, Metric, Ref } from "effect"
import type { AppRuntime } from "./AppServices.ts"

export interface WorkerOptions {
  readonly batchSize: number
  /** Mints in the signing stage at once. */
  readonly concurrency: number
  /** Mints held at once, awaiting confirmation included. */
  readonly maxInFlight: number
  readonly idleMs: number
  readonly recoveryIntervalMs: number
  /** No completion for this long while mints wait: stalled. */
  readonly stallWarnAfterMs: number
  /** Status reads of mints in flight within this window go out as one call. */
  readonly statusWindowMs?: number
  /** Completions (and signed transactions) within this window are written as one transaction. */
  readonly writeWindowMs?: number
}

/** What /health shows of the worker. */
export interface WorkerHealth {
  readonly status: "ok" | "degraded"
  readonly reason?: ProgressWatchdog.StallReason
  /** Milliseconds since the last completion, when stalled. */
  readonly stalledForMs?: number
  readonly inFlight: number
}

const stallReasonOf = (reason: ChainErrorReason["_tag"]): ProgressWatchdog.StallReason => {
  switch (reason) {
    case "InsufficientFunds":
      return "fee_payer_empty"
    case "TreeMissing":
      return "tree_missing"
    case "RateLimited":
    case "Timeout":
    case "RpcUnavailable":
      return "chain_unreachable"
    default:
      return "unknown"
  }
}

export const start = (runtime: AppRuntime, options: WorkerOptions) => {
  const stopping = Ref.makeUnsafe(false)
  const idle = Deferred.makeUnsafe<void>()
  const gate = MintWorker.makeGate()
  let inFlight = 0
  let signing = 0
  let watch = ProgressWatchdog.start(Date.now())
  /** The database's last failure, for the watchdog (the chain's live in the gate). */
  let databaseTroubleAt: number | undefined

  const trouble = (): ProgressWatchdog.StallReason | null => {
    const chain = gate.trouble
    const chainAt = chain === undefined ? undefined : DateTime.toEpochMillis(chain.at)
    const recent = (at: number | undefined) => at !== undefined && at >= watch.lastProgressAt
    if (recent(databaseTroubleAt) && (!recent(chainAt) || databaseTroubleAt! >= chainAt!))
      return "database_unavailable"
    return recent(chainAt) ? stallReasonOf(chain!.reason) : null
  }

  const onEvent = (event: ProgressWatchdog.Event | null) => {
    if (event === null) return Effect.void
    switch (event._tag) {
      case "Stalled":
      case "StillStalled":
        return Effect.all([
          MintMetrics.recordAlert("worker_stalled"),
          Metric.update(Metric.withAttributes(MintMetrics.workerStalled, { reason: event.reason }), 1),
          Effect.logWarning("mint worker stalled: mints are waiting and none has completed", {
            alert: "worker_stalled",
            reason: event.reason,
            idleMs: event.idleMs,
            inFlight
          })
        ])
      case "Resumed":
        return Effect.all([
          Effect.forEach(
            ["chain_unreachable", "fee_payer_empty", "tree_missing", "database_unavailable", "unknown"],
            (reason) => Metric.update(Metric.withAttributes(MintMetrics.workerStalled, { reason }), 0)
          ),
          Effect.logInfo("mint worker progressing again", { stalledMs: event.stalledMs })
        ])
    }
  }

  const completed = Effect.suspend(() => {
    const next = ProgressWatchdog.progressed(watch, Date.now())
    watch = next.state
    return onEvent(next.event)
  })

  /** Every second or so: are mints waiting, and is any completing? */
  const watchdog = Effect.gen(function* () {
    const tick = Duration.millis(Math.max(100, Math.min(1_000, options.stallWarnAfterMs / 5)))
    while (true) {
      yield* Effect.sleep(tick)
      const now = Date.now()
      // Only asked once nothing has completed for a while: a busy worker costs no query.
      let waiting: boolean | "unknown" = true
      if (now - watch.lastProgressAt >= options.stallWarnAfterMs || watch.stalled !== null) {
        waiting =
          inFlight > 0 ||
          (yield* Effect.gen(function* () {
            const mints = yield* MintRepository
            const counts = yield* mints.countByStatus()
            return counts.pending + counts.minting > 0
          }).pipe(
            Effect.timeout(Duration.seconds(2)),
            Effect.orElseSucceed(() => "unknown" as const)
          ))
      }
      const next = ProgressWatchdog.check(watch, now, waiting, trouble(), options.stallWarnAfterMs)
      watch = next.state
      yield* onEvent(next.event)
    }
  })

  /** One mint's turn, in its own fiber: it leaves the signing stage once signed, the pipeline when done. */
  const launch = (mint: Mint, reader: MintWorker.ChainReader, writes: BatchedWrites.BatchedWrites) => {
    inFlight++
    signing++
    let signed = false
    const leaveSigning = Effect.sync(() => {
      if (!signed) {
        signed = true
        signing--
      }
    })
    return MintWorker.processMint(mint, { gate, reader, writes, signed: leaveSigning }).pipe(
      Effect.tap((outcome) => (outcome === "completed" ? completed : Effect.void)),
      Effect.ensuring(
        Effect.andThen(
          leaveSigning,
          Effect.sync(() => {
            inFlight--
          })
        )
      ),
      Effect.forkChild
    )
  }

  const claim = (limit: number, inFlightOnly: boolean) =>
    MintWorker.claim(limit, inFlightOnly).pipe(
      Effect.catchCause((cause) =>
        Effect.as(
          Effect.suspend(() => {
            databaseTroubleAt = Date.now()
            return Effect.logWarning("worker could not claim mints", { cause: String(cause) })
          }),
          [] as ReadonlyArray<Mint>
        )
      )
    )

  const loop = Effect.gen(function* () {
    const reader = yield* MintWorker.batchedReader(options.statusWindowMs ?? 20)
    const writes = BatchedWrites.make(options.writeWindowMs ?? 5)
    yield* Effect.forkChild(watchdog)
    let lastRecovery = Number.NEGATIVE_INFINITY
    while (!(yield* Ref.get(stopping))) {
      const free = Math.min(options.maxInFlight - inFlight, options.batchSize)
      if (Date.now() - lastRecovery >= options.recoveryIntervalMs && free > 0) {
        for (const mint of yield* claim(free, true)) yield* launch(mint, reader, writes)
        lastRecovery = Date.now()
      }
      const now = yield* DateTime.now
      if (MintWorker.isHeld(gate, now)) {
        // The chain turned a mint away: leave it alone until the backoff passes.
        const waitMs = DateTime.toEpochMillis(gate.held!.retryAt) - DateTime.toEpochMillis(now)
        yield* Effect.sleep(Duration.millis(Math.max(10, Math.min(waitMs, 1_000))))
        continue
      }
      // After a deferral, one mint at a time probes until one gets through.
      const signingRoom = gate.streak > 0 ? 1 - signing : options.concurrency - signing
      const limit = Math.min(free, signingRoom)
      // While mints are being signed, a claim waits for a quarter of the stage to be free: one
      // claim query per few mints rather than one per mint, at no cost in latency worth noting.
      const worthClaiming = signing === 0 || limit >= Math.max(1, Math.floor(options.concurrency / 4))
      if (limit <= 0 || !worthClaiming) {
        yield* Effect.sleep(Duration.millis(5))
        continue
      }
      const claimed = yield* claim(limit, false)
      for (const mint of claimed) yield* launch(mint, reader, writes)
      if (claimed.length === 0) yield* Effect.sleep(Duration.millis(options.idleMs))
    }
    // Stopping: let the mints in flight finish (stop() interrupts them at the deadline).
    while (inFlight > 0) yield* Effect.sleep(Duration.millis(20))
  }).pipe(Effect.ensuring(Deferred.succeed(idle, undefined)))

  const fiber = runtime.runFork(loop)

  /** Stops claiming; waits for the mints in flight up to the deadline, then interrupts them. */
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

  const health = (): WorkerHealth =>
    watch.stalled === null
      ? { status: "ok", inFlight }
      : {
          status: "degraded",
          reason: watch.stalled.reason,
          stalledForMs: Date.now() - watch.lastProgressAt,
          inFlight
        }

  return { stop, health }
}
