/** Mint intake, lookups and the operator's retry. */
import {
  assetProof,
  type Mint,
  MintRepository,
  ReplicaRepository,
  requestMint,
  retryMint
} from "@tickettoken/minting-core"
import { type BatchItem, toView, toViewWithLeaf } from "@tickettoken/minting-core/client"
import { Cause, Effect, Exit, Option } from "effect"
import { fromCause, HttpFailure, httpError } from "../HttpErrors.ts"
import type { Implementations } from "../Routes.ts"

/** Views with each completed mint's current holder and burn state, from the replica (one query). */
const withLeaves = (mints: ReadonlyArray<Mint>) =>
  Effect.gen(function* () {
    const replica = yield* ReplicaRepository
    const assetIds = mints.flatMap((m) => (m.asset === null ? [] : [m.asset.assetId]))
    const leaves = assetIds.length === 0 ? [] : yield* replica.find({ assetIds })
    const byAsset = new Map(leaves.map((l) => [l.assetId, l]))
    return mints.map((m) =>
      toViewWithLeaf(m, m.asset === null ? null : (byAsset.get(m.asset.assetId) ?? null))
    )
  })

export const mintRoutes: Pick<
  Implementations,
  "requestMint" | "requestMints" | "listMints" | "getMint" | "retryMint" | "getProof"
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
      return { status: 200, json: { items: yield* withLeaves(page.items), nextCursor: page.nextCursor } }
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
      return { status: 200, json: (yield* withLeaves([mint.value]))[0]! }
    }),

  getProof: ({ params }) =>
    Effect.map(assetProof(params.ticketId), (proof) => ({ status: 200, json: proof })),

  retryMint: ({ params }) =>
    Effect.map(retryMint(params.ticketId), (mint) => ({ status: 202, json: toView(mint) }))
}
