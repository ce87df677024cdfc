import {
  MintRepository,
  type MintStatus,
  requestMint,
  requestMints,
  retryMint
} from "@tickettoken/minting-core"
import {
  BatchMintRequest,
  ListMintsParams,
  MintRequest,
  TicketIdParam,
  toView
} from "@tickettoken/minting-core/client"
import { Effect, Option } from "effect"
import { Hono } from "hono"
import { decodeJson, decodeParams } from "../Body.ts"
import { type HandlerContext, handler } from "../Handler.ts"
import { fromFailure, HttpFailure, httpError } from "../HttpErrors.ts"

export const mintRoutes = (ctx: HandlerContext) =>
  new Hono()
    .post(
      "/",
      handler(ctx, "internal", (request) =>
        Effect.gen(function* () {
          const body = yield* decodeJson(MintRequest, request.body, request.header("content-type"))
          const { mint, created } = yield* requestMint(body)
          return { status: created ? 202 : 200, json: toView(mint) }
        })
      )
    )
    .post(
      "/batch",
      handler(ctx, "internal", (request) =>
        Effect.gen(function* () {
          const body = yield* decodeJson(BatchMintRequest, request.body, request.header("content-type"))
          const results = yield* requestMints(body.mints)
          // Nothing could be written at all (the database is away): that is the request's answer,
          // 503, not a 200 listing the same refusal for every ticket.
          const unavailable = results.every(
            (r) => !r.ok && r.error._tag === "RepositoryError" && r.error.retryable
          )
          const first = results[0]
          if (unavailable && first !== undefined && !first.ok) return yield* Effect.fail(first.error)
          return {
            status: 200,
            json: {
              results: results.map((r) =>
                r.ok
                  ? {
                      ticketId: r.ticketId,
                      result: r.created ? "accepted" : "existing",
                      mint: toView(r.mint)
                    }
                  : { ticketId: r.ticketId, result: "refused", error: fromFailure(r.error).body.error }
              )
            }
          }
        })
      )
    )
    .get(
      "/",
      handler(ctx, "internal", (_request, c) =>
        Effect.gen(function* () {
          const params = yield* decodeParams(ListMintsParams, c.req.query())
          const mints = yield* MintRepository
          const page = yield* mints.list({
            status: params.status as MintStatus | undefined,
            eventId: params.eventId,
            owner: params.owner,
            cursor: params.cursor,
            limit: params.limit ?? 50
          })
          return { status: 200, json: { items: page.items.map(toView), nextCursor: page.nextCursor } }
        })
      )
    )
    .get(
      "/:ticketId",
      handler(ctx, "internal", (_request, c) =>
        Effect.gen(function* () {
          const { ticketId } = yield* decodeParams(TicketIdParam, c.req.param(), "path")
          const mints = yield* MintRepository
          const mint = yield* mints.findByTicket(ticketId)
          if (Option.isNone(mint)) {
            return yield* Effect.fail(
              new HttpFailure(httpError(404, "mint_not_found", `no mint for ticket ${ticketId}`))
            )
          }
          return { status: 200, json: toView(mint.value) }
        })
      )
    )
    .post(
      "/:ticketId/retry",
      handler(ctx, "operator", (_request, c) =>
        Effect.gen(function* () {
          const { ticketId } = yield* decodeParams(TicketIdParam, c.req.param(), "path")
          return { status: 202, json: toView(yield* retryMint(ticketId)) }
        })
      )
    )
