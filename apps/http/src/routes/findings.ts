/** Findings across reconciliation passes: which are open, and an operator closing one. */

import { FindingRepository } from "@tickettoken/minting-core"
import { ListFindingsParams, ResolveFindingRequest, toFindingView } from "@tickettoken/minting-core/client"
import { DateTime, Effect } from "effect"
import { Hono } from "hono"
import { decodeJson, decodeParams } from "../Body.ts"
import { type HandlerContext, handler } from "../Handler.ts"

export const findingRoutes = (ctx: HandlerContext) =>
  new Hono()
    .get(
      "/",
      handler(ctx, "internal", (_request, c) =>
        Effect.gen(function* () {
          const params = yield* decodeParams(ListFindingsParams, c.req.query())
          const findings = yield* FindingRepository
          const page = yield* findings.list({
            state: params.state,
            reason: params.reason,
            cursor: params.cursor,
            limit: params.limit ?? 100
          })
          return { status: 200, json: { items: page.items.map(toFindingView), nextCursor: page.nextCursor } }
        })
      )
    )
    .post(
      "/:id/resolve",
      handler(ctx, "operator", (request, c) =>
        Effect.gen(function* () {
          const body = yield* decodeJson(ResolveFindingRequest, request.body, request.header("content-type"))
          const findings = yield* FindingRepository
          const resolved = yield* findings.resolve(
            c.req.param("id") ?? "",
            `operator:${body.by}`,
            yield* DateTime.now
          )
          return { status: 200, json: toFindingView(resolved) }
        })
      )
    )
