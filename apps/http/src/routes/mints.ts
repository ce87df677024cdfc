import { MintRepository, type MintStatus, requestMint, retryMint } from "@tickettoken/minting-core"
import {
  type BatchItem,
  BatchMintRequest,
  ListMintsParams,
  MintRequest,
  TicketIdParam,
  toView
} from "@tickettoken/minting-core/client"
import { Cause, Effect, Exit, Option } from "effect"
import { Hono } from "hono"
import { decodeJson, decodeParams } from "../Body.ts"
import { type HandlerContext, handler } from "../Handler.ts"
import { fromCause, HttpFailure, httpError } from "../HttpErrors.ts"

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
          // Each ticket on its own, always answered on its own: a refusal, an outage or even a
          // defect in one ticket is that ticket's result, never the whole batch's answer.
          const results = yield* Effect.forEach(body.mints, (mint) => Effect.exit(requestMint(mint)), {
            concurrency: 8
          })
          return {
            status: 200,
            json: {
              results: yield* Effect.forEach(results, (exit, i): Effect.Effect<BatchItem> => {
                const ticketId = body.mints[i]!.ticketId
                if (Exit.isSuccess(exit)) {
                  const { mint, created } = exit.value
                  return Effect.succeed({
                    ticketId,
                    result: created ? "accepted" : "existing",
                    mint: toView(mint)
                  })
                }
                const error = fromCause(exit.cause)
                const item: BatchItem = { ticketId, result: "refused", error: error.body.error }
                return error.body.error.code === "internal_error"
                  ? Effect.as(
                      Effect.logError("batch item failed", {
                        ticketId,
                        defect: String(Cause.squash(exit.cause)).split("\n")[0]
                      }),
                      item
                    )
                  : Effect.succeed(item)
              })
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
