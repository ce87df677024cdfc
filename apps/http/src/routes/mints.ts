import {
  assetProof,
  type Mint,
  MintRepository,
  type MintStatus,
  ReplicaRepository,
  requestMint,
  requestMints,
  retryMint
} from "@tickettoken/minting-core"
import {
  BatchMintRequest,
  ListMintsParams,
  MintRequest,
  toView,
  toViewWithLeaf
} from "@tickettoken/minting-core/client"
import { Effect, Option } from "effect"
import { Hono } from "hono"
import { decodeJson, decodeParams } from "../Body.ts"
import { type HandlerContext, handler } from "../Handler.ts"
import { fromFailure, HttpFailure, httpError } from "../HttpErrors.ts"

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
          return { status: 200, json: { items: yield* withLeaves(page.items), nextCursor: page.nextCursor } }
        })
      )
    )
    .get(
      "/:ticketId",
      handler(ctx, "internal", (_request, c) =>
        Effect.gen(function* () {
          const ticketId = c.req.param("ticketId") ?? ""
          const mints = yield* MintRepository
          const mint = yield* mints.findByTicket(ticketId)
          if (Option.isNone(mint)) {
            return yield* Effect.fail(
              new HttpFailure(httpError(404, "mint_not_found", `no mint for ticket ${ticketId}`))
            )
          }
          return { status: 200, json: (yield* withLeaves([mint.value]))[0]! }
        })
      )
    )
    .get(
      "/:ticketId/proof",
      handler(ctx, "internal", (_request, c) =>
        Effect.map(assetProof(c.req.param("ticketId") ?? ""), (proof) => ({ status: 200, json: proof }))
      )
    )
    .post(
      "/:ticketId/retry",
      handler(ctx, "operator", (_request, c) =>
        Effect.map(retryMint(c.req.param("ticketId") ?? ""), (mint) => ({ status: 202, json: toView(mint) }))
      )
    )
