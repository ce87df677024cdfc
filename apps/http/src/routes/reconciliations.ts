/** Reconciliation passes on demand, and their reports. */
import { LeaderLock, ReportRepository, reconcilePass } from "@tickettoken/minting-core"
import { toReportView } from "@tickettoken/minting-core/client"
import { Effect, Option } from "effect"
import { HttpFailure, httpError } from "../HttpErrors.ts"
import type { Implementations } from "../Routes.ts"

/** The daemon's default lock name (RECONCILE_LOCK_NAME), so the two never overlap. */
const lockName = process.env.RECONCILE_LOCK_NAME ?? "reconciler"

export const reconciliationRoutes: Pick<Implementations, "runReconciliation" | "listReports" | "getReport"> =
  {
    runReconciliation: () =>
      Effect.gen(function* () {
        // The same leader lock as the reconciler daemon: one pass at a time across replicas.
        const lock = yield* LeaderLock
        const report = yield* lock.withLock(lockName, reconcilePass())
        if (Option.isNone(report)) {
          return yield* Effect.fail(
            new HttpFailure(httpError(409, "reconciliation_running", "a reconciliation pass is running"))
          )
        }
        return { status: 201, json: toReportView(report.value) }
      }),

    listReports: ({ query }) =>
      Effect.gen(function* () {
        const reports = yield* ReportRepository
        const page = yield* reports.list({ cursor: query.cursor, limit: query.limit ?? 20 })
        return { status: 200, json: { items: page.items.map(toReportView), nextCursor: page.nextCursor } }
      }),

    getReport: ({ params }) =>
      Effect.gen(function* () {
        const reports = yield* ReportRepository
        const report = yield* reports.get(params.id)
        if (Option.isNone(report)) {
          return yield* Effect.fail(
            new HttpFailure(httpError(404, "report_not_found", "no such reconciliation report"))
          )
        }
        return { status: 200, json: toReportView(report.value) }
      })
  }
