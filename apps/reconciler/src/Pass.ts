/**
 * One reconciliation pass as a replica runs it: under the leader lock, so replicas never run
 * two at once, and (for the daemon) only when no replica has run one lately, so N replicas make
 * about one pass per interval between them rather than N.
 */
import {
  LeaderLock,
  type ReconciliationReport,
  ReportRepository,
  reconcilePass
} from "@tickettoken/minting-core"
import { DateTime, Effect, Option } from "effect"

export interface PassOptions {
  readonly lockName: string
  /** Mints per database page and per status round. */
  readonly batchSize: number
  /** Apply the repairs the chain proves; false only reports. */
  readonly repair: boolean
  /** Skip when the newest stored pass started less than this long ago (0: always run). */
  readonly minGapMs: number
  /** Most mints a pass may mark missing (default: 1% of those examined, at least 10). */
  readonly repairLimit?: number | undefined
  /** An operator looked: apply mark_missing repairs over the limit (one pass only). */
  readonly acceptMassRepair?: boolean | undefined
}

export type PassOutcome =
  | { readonly _tag: "Reconciled"; readonly report: ReconciliationReport; readonly durationMs: number }
  /** Another replica holds the lock: it is reconciling now. */
  | { readonly _tag: "LockHeld" }
  /** A replica finished a pass a moment ago. */
  | { readonly _tag: "Recent"; readonly reportId: string; readonly ageMs: number }

const newestPassAge = Effect.gen(function* () {
  const reports = yield* ReportRepository
  const newest = (yield* reports.list({ limit: 1 })).items[0]
  if (newest === undefined) return Option.none<{ readonly reportId: string; readonly ageMs: number }>()
  const now = yield* DateTime.now
  return Option.some({
    reportId: newest.id,
    ageMs: DateTime.toEpochMillis(now) - DateTime.toEpochMillis(newest.startedAt)
  })
})

export const durationMs = (report: ReconciliationReport) =>
  DateTime.toEpochMillis(report.finishedAt) - DateTime.toEpochMillis(report.startedAt)

export const runPass = Effect.fn("Reconciler.pass")(function* (options: PassOptions) {
  const lock = yield* LeaderLock
  const underLock = Effect.gen(function* () {
    if (options.minGapMs > 0) {
      const newest = yield* newestPassAge
      if (Option.isSome(newest) && newest.value.ageMs >= 0 && newest.value.ageMs < options.minGapMs) {
        return { _tag: "Recent", ...newest.value } satisfies PassOutcome
      }
    }
    const report = yield* reconcilePass({
      batchSize: options.batchSize,
      repair: options.repair,
      ...(options.repairLimit === undefined ? {} : { repairLimit: options.repairLimit }),
      ...(options.acceptMassRepair === true ? { acceptMassRepair: true } : {})
    })
    return { _tag: "Reconciled", report, durationMs: durationMs(report) } satisfies PassOutcome
  })
  const outcome = yield* lock.withLock(options.lockName, underLock)
  return Option.getOrElse(outcome, (): PassOutcome => ({ _tag: "LockHeld" }))
})
