/** Mint intake, lookups and the operator's retry. */
import { MintRepository, requestMint, retryMint } from "@tickettoken/minting-core"
import { type BatchItem, toView } from "@tickettoken/minting-core/client"
import { Cause, Effect, Exit, Option } from "effect"
import { fromCause, HttpFailure, httpError } from "../HttpErrors.ts"
import type { Implementations } from "../Routes.ts"

export const mintRoutes: Pick<
  Implementations,
  "requestMint" | "requestMints" | "listMints" | "getMint" | "retryMint"
> = {
  requestMint: ({ body }) =>
    Effect.map(requestMint(body), ({ mint, created }) => ({
      status: created ? 202 : 200,
      json: toView(mint)
    })),

  requestMints: ({ body }) =>
    Effect.gen(function* () {
      // Each ticket on its own, always answered on its own: a refusal, an outage or even a
      // defect in one ticket is that ticket's result, never the whole batch's answer.
      const results = yield* Effect.forEach(body.mints, (mint) => Effect.exit(requestMint(mint)), {
        concurrency: 8
      })
      const items = yield* Effect.forEach(results, (exit, i): Effect.Effect<BatchItem> => {
        const ticketId = body.mints[i]!.ticketId
        if (Exit.isSuccess(exit)) {
          const { mint, created } = exit.value
          return Effect.succeed({ ticketId, result: created ? "accepted" : "existing", mint: toView(mint) })
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
      return { status: 200, json: { results: items } }
    }),

  listMints: ({ query }) =>
    Effect.gen(function* () {
      const mints = yield* MintRepository
      const page = yield* mints.list({
        status: query.status,
        eventId: query.eventId,
        owner: query.owner,
        cursor: query.cursor,
        limit: query.limit ?? 50
      })
      return { status: 200, json: { items: page.items.map(toView), nextCursor: page.nextCursor } }
    }),

  getMint: ({ params }) =>
    Effect.gen(function* () {
      const mints = yield* MintRepository
      const mint = yield* mints.findByTicket(params.ticketId)
      if (Option.isNone(mint)) {
        return yield* Effect.fail(
          new HttpFailure(httpError(404, "mint_not_found", `no mint for ticket ${params.ticketId}`))
        )
      }
      return { status: 200, json: toView(mint.value) }
    }),

  retryMint: ({ params }) =>
    Effect.map(retryMint(params.ticketId), (mint) => ({ status: 202, json: toView(mint) }))
}
