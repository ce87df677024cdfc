import { LeaderLock, ReportRepository, reconcilePass } from "@tickettoken/minting-core"
import { ListReportsParams, ReportIdParam, toReportView } from "@tickettoken/minting-core/client"
import { Effect, Option } from "effect"
import { Hono } from "hono"
import { decodeParams } from "../Body.ts"
import { type HandlerContext, handler } from "../Handler.ts"
import { HttpFailure, httpError } from "../HttpErrors.ts"

/** The daemon's default lock name (RECONCILE_LOCK_NAME), so the two never overlap. */
const lockName = process.env.RECONCILE_LOCK_NAME ?? "reconciler"

export const reconciliationRoutes = (ctx: HandlerContext) =>
  new Hono()
    .post(
      "/",
      handler(ctx, "operator", () =>
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
        })
      )
    )
    .get(
      "/",
      handler(ctx, "internal", (_request, c) =>
        Effect.gen(function* () {
          const params = yield* decodeParams(ListReportsParams, c.req.query())
          const reports = yield* ReportRepository
          const page = yield* reports.list({ cursor: params.cursor, limit: params.limit ?? 20 })
          return { status: 200, json: { items: page.items.map(toReportView), nextCursor: page.nextCursor } }
        })
      )
    )
    .get(
      "/:id",
      handler(ctx, "internal", (_request, c) =>
        Effect.gen(function* () {
          const { id } = yield* decodeParams(ReportIdParam, c.req.param(), "path")
          const reports = yield* ReportRepository
          const report = yield* reports.get(id)
          if (Option.isNone(report)) {
            return yield* Effect.fail(
              new HttpFailure(httpError(404, "report_not_found", "no such reconciliation report"))
            )
          }
          return { status: 200, json: toReportView(report.value) }
        })
      )
    )
