/**
 * GET /metrics: the domain's metrics (recorded in core and the adapters with effect's Metric),
 * plus gauges read from the database at scrape time, in the Prometheus text format.
 */
import {
  ChainGateway,
  FindingRepository,
  MintMetrics,
  MintRepository,
  mintStatuses,
  TreeRegistry
} from "@tickettoken/minting-core"
import { Effect, Metric, Option } from "effect"
import { PrometheusMetrics } from "effect/observability"

const mintsByStatus = Metric.gauge("mints", { description: "Mints by status" })
const queueDepth = Metric.gauge("mint_queue_depth", { description: "Mints waiting for a worker (pending)" })
const treeFill = Metric.gauge("tree_fill_ratio", { description: "Fill of the active tree, 0 to 1" })
const feePayerLamports = Metric.gauge("fee_payer_lamports", {
  description: "The fee payer's balance, read from the chain at scrape time"
})

export const httpRequests = Metric.counter("http_requests_total", {
  description: "HTTP requests, by method, route and status",
  incremental: true
})
export const httpDuration = Metric.histogram("http_request_duration_seconds", {
  description: "HTTP request durations",
  boundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
})

export const scrape = Effect.gen(function* () {
  const mints = yield* MintRepository
  const trees = yield* TreeRegistry
  const counts = yield* mints.countByStatus()
  for (const status of mintStatuses) {
    yield* Metric.update(Metric.withAttributes(mintsByStatus, { status }), counts[status])
  }
  yield* Metric.update(queueDepth, counts.pending)
  const active = yield* trees.active
  if (Option.isSome(active)) {
    yield* Metric.update(
      treeFill,
      active.value.capacity === 0 ? 1 : active.value.minted / active.value.capacity
    )
  }
  // The balance that pays for every mint: one RPC read, bounded; a chain that does not answer
  // leaves the last value (its errors show in chain_errors_total).
  const info = yield* (yield* ChainGateway).info.pipe(Effect.timeoutOption("2 seconds"), Effect.option)
  if (Option.isSome(info) && Option.isSome(info.value)) {
    yield* Metric.update(feePayerLamports, info.value.value.feePayerLamports)
  }
  // Open findings as the database has them, whichever process ran the last pass.
  yield* MintMetrics.recordOpenFindings(yield* (yield* FindingRepository).openCounts)
  return yield* PrometheusMetrics.format()
})
