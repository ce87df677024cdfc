/**
 * The daemon's own port (RECONCILER_PORT): `/metrics` in the Prometheus text format (the passes,
 * the open findings as the database has them, the domain's metrics recorded during passes) and
 * `/health` (200 while passes succeed or are skipped for another replica, 503 after a failed
 * pass until one succeeds, or when the database does not answer).
 */
import { createServer, type Server } from "node:http"
import { FindingRepository, MintMetrics } from "@tickettoken/minting-core"
import { Database } from "@tickettoken/minting-postgres"
import { type Context, DateTime, Effect, Metric, Ref } from "effect"
import { PrometheusMetrics } from "effect/observability"
import type { PassOutcome } from "./Pass.ts"

export const passes = Metric.counter("reconciliation_passes_total", {
  description: "Reconciliation passes by outcome (reconciled, failed, lock_held, recent)",
  incremental: true
})
export const lastSuccess = Metric.gauge("reconciliation_last_success_timestamp_seconds", {
  description: "When the last pass that reconciled finished (unix seconds)"
})
export const consecutiveFailures = Metric.gauge("reconciliation_consecutive_failures", {
  description: "Failed passes since the last one that ran to its end"
})
export const passDuration = Metric.gauge("reconciliation_pass_duration_seconds", {
  description: "How long the last pass that reconciled took"
})

export interface Status {
  readonly startedAt: number
  readonly lastOutcome: "none" | "reconciled" | "failed" | "lock_held" | "recent"
  readonly lastReportId: string | null
  readonly lastSuccessAt: number | null
  readonly consecutiveFailures: number
  readonly lastError: string | null
}

export const makeStatus = Effect.map(DateTime.now, (now) => ({
  startedAt: DateTime.toEpochMillis(now),
  lastOutcome: "none" as const,
  lastReportId: null,
  lastSuccessAt: null,
  consecutiveFailures: 0,
  lastError: null
})).pipe(Effect.flatMap((status: Status) => Ref.make(status)))

/** Records one pass's outcome in the metrics and the status /health reads. */
export const record = (
  status: Ref.Ref<Status>,
  outcome: PassOutcome | { readonly _tag: "Failed"; readonly error: string }
) =>
  Effect.gen(function* () {
    const now = DateTime.toEpochMillis(yield* DateTime.now)
    switch (outcome._tag) {
      case "Reconciled": {
        yield* Metric.update(Metric.withAttributes(passes, { outcome: "reconciled" }), 1)
        yield* Metric.update(lastSuccess, now / 1000)
        yield* Metric.update(consecutiveFailures, 0)
        yield* Metric.update(passDuration, outcome.durationMs / 1000)
        yield* Ref.update(status, (s) => ({
          ...s,
          lastOutcome: "reconciled" as const,
          lastReportId: outcome.report.id,
          lastSuccessAt: now,
          consecutiveFailures: 0,
          lastError: null
        }))
        return
      }
      case "Failed": {
        const failures = (yield* Ref.get(status)).consecutiveFailures + 1
        yield* Metric.update(Metric.withAttributes(passes, { outcome: "failed" }), 1)
        yield* Metric.update(consecutiveFailures, failures)
        yield* Ref.update(status, (s) => ({
          ...s,
          lastOutcome: "failed" as const,
          consecutiveFailures: failures,
          lastError: outcome.error.slice(0, 300)
        }))
        return
      }
      case "LockHeld":
      case "Recent": {
        const name = outcome._tag === "LockHeld" ? ("lock_held" as const) : ("recent" as const)
        yield* Metric.update(Metric.withAttributes(passes, { outcome: name }), 1)
        yield* Ref.update(status, (s) => ({ ...s, lastOutcome: name }))
      }
    }
  })

const scrape = Effect.gen(function* () {
  // Open findings as the database has them, whichever replica ran the last pass.
  yield* MintMetrics.recordOpenFindings(yield* (yield* FindingRepository).openCounts)
  return yield* PrometheusMetrics.format()
})

const health = (status: Ref.Ref<Status>) =>
  Effect.gen(function* () {
    const current = yield* Ref.get(status)
    const database = yield* (yield* Database.Database).ping.pipe(
      Effect.as("ok" as const),
      Effect.catch(() => Effect.succeed("unavailable" as const))
    )
    const ok = database === "ok" && current.lastOutcome !== "failed"
    return { code: ok ? 200 : 503, body: { status: ok ? "ok" : "degraded", database, ...current } }
  })

/** Serves /metrics and /health until the scope closes. */
export const serve = (options: {
  readonly host: string
  readonly port: number
  readonly status: Ref.Ref<Status>
}) =>
  Effect.gen(function* () {
    const context = (yield* Effect.context<FindingRepository | Database.Database>()) as Context.Context<
      FindingRepository | Database.Database
    >
    const run = <A, E>(effect: Effect.Effect<A, E, FindingRepository | Database.Database>) =>
      Effect.runPromise(Effect.provideContext(effect, context))
    const server = yield* Effect.acquireRelease(
      Effect.callback<Server, Error>((resume) => {
        const server = createServer((request, response) => {
          const path = (request.url ?? "/").split("?")[0]
          const answer = (code: number, type: string, body: string) => {
            response.writeHead(code, { "content-type": type }).end(body)
          }
          if (request.method !== "GET") return answer(405, "text/plain", "method not allowed\n")
          if (path === "/metrics") {
            run(scrape).then(
              (text) => answer(200, "text/plain; version=0.0.4", text),
              () => answer(503, "text/plain", "metrics unavailable: the database did not answer\n")
            )
            return
          }
          if (path === "/health") {
            run(health(options.status)).then(
              ({ code, body }) => answer(code, "application/json", JSON.stringify(body)),
              () => answer(503, "application/json", JSON.stringify({ status: "degraded" }))
            )
            return
          }
          answer(404, "text/plain", "not found: /metrics, /health\n")
        })
        server.once("error", (error) => resume(Effect.fail(error)))
        server.listen(options.port, options.host, () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.callback<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeIdleConnections()
        })
    )
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : options.port
    yield* Effect.logInfo("reconciler status server listening").pipe(
      Effect.annotateLogs({ url: `http://${options.host}:${port}`, paths: "/metrics /health" })
    )
    return port
  })
