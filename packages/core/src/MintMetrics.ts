/**
 * The domain's own metrics, recorded where things happen; the HTTP app exposes them (with the
 * gauges it reads at scrape time) in the Prometheus format.
 */
import { DateTime, Effect, Metric } from "effect"
import type { Mint } from "./Mint.ts"
import type { ReasonCode } from "./Reconciliation.ts"

export const acceptedToCompleted = Metric.histogram("mint_accepted_to_completed_seconds", {
  description: "Seconds from a ticket's acceptance to its confirmed mint",
  boundaries: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600]
})

export const outcomes = Metric.counter("mint_outcomes_total", {
  description: "Ends of mint attempts, by outcome (completed, requeued, deferred, failed) and code",
  incremental: true
})

/** Conditions an operator must hear about at once: an empty fee payer, a tree that filled up. */
export const alerts = Metric.counter("mint_alerts_total", {
  description:
    "Alert-level conditions met by the mint worker, by alert (fee_payer_insufficient_funds, tree_full, tree_missing, worker_stalled)",
  incremental: true
})

/** 1 while mints wait and none has completed for STALL_WARN_AFTER (see ProgressWatchdog), else 0. */
export const workerStalled = Metric.gauge("mint_worker_stalled", {
  description: "1 while mints are waiting and none has completed for STALL_WARN_AFTER, by reason; 0 otherwise"
})

export const findings = Metric.counter("reconciliation_findings_total", {
  description: "Reconciliation findings, by reason code",
  incremental: true
})

export const recordCompleted = (mint: Mint) =>
  Effect.gen(function* () {
    const now = yield* DateTime.now
    const seconds = (DateTime.toEpochMillis(now) - DateTime.toEpochMillis(mint.createdAt)) / 1000
    yield* Metric.update(acceptedToCompleted, seconds)
    yield* Metric.update(Metric.withAttributes(outcomes, { outcome: "completed", code: "ok" }), 1)
  })

export const recordOutcome = (outcome: "requeued" | "deferred" | "failed", code: string) =>
  Metric.update(Metric.withAttributes(outcomes, { outcome, code }), 1)

export type Alert = "fee_payer_insufficient_funds" | "tree_full" | "tree_missing" | "worker_stalled"

export const recordAlert = (alert: Alert) => Metric.update(Metric.withAttributes(alerts, { alert }), 1)

export const recordFindings = (counts: Readonly<Record<ReasonCode, number>>) =>
  Effect.forEach(
    Object.entries(counts),
    ([reason, n]) => (n > 0 ? Metric.update(Metric.withAttributes(findings, { reason }), n) : Effect.void),
    { discard: true }
  )

export const openFindings = Metric.gauge("reconciliation_open_findings", {
  description: "Findings open after the last reconciliation pass, by reason code"
})

/** Critical reconciliation conditions: a changed cluster, an unproved replica, a withheld mass repair. */
export const reconcileAlerts = Metric.counter("reconciliation_alerts_total", {
  description:
    "Reconciliation passes' alerts (chain_reset, replica_incomplete, mass repair withheld, double_mint)",
  incremental: true
})

export const recordOpenFindings = (counts: Readonly<Record<ReasonCode, number>>) =>
  Effect.forEach(
    Object.entries(counts),
    ([reason, n]) => Metric.update(Metric.withAttributes(openFindings, { reason }), n),
    { discard: true }
  )

export const recordReconcileAlerts = (n: number) => (n > 0 ? Metric.update(reconcileAlerts, n) : Effect.void)
