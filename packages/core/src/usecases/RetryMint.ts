/** An operator's retry of a failed or missing mint: back to pending, attempts reset. */
import { DateTime, Effect, Option } from "effect"
import type { Mint } from "../Mint.ts"
import { transition } from "../MintTransitions.ts"
import { ChainGateway } from "../ports/ChainGateway.ts"
import { CollectionRepository } from "../ports/CollectionRepository.ts"
import { MintRepository } from "../ports/MintRepository.ts"
import { ReplicaRepository } from "../ports/ReplicaRepository.ts"
import { Transactor } from "../ports/Transactor.ts"
import {
  CollectionFull,
  MintNotFound,
  RetryNotAllowed,
  refuse,
  TicketMintedOnChain
} from "./RequestRefused.ts"

/**
 * A retry mints again, so it is refused when the ticket is on chain after all: a leaf the
 * replica holds for the ticket, its asset or any signature the mint issued, or one of those
 * signatures landed (asked of the chain now, not at the last pass).
 */
const notOnChain = Effect.fnUntraced(function* (mint: Mint) {
  const mints = yield* MintRepository
  const replica = yield* ReplicaRepository
  const chain = yield* ChainGateway
  const issued = new Set((yield* mints.signaturesOf([mint.id])).get(mint.id) ?? [])
  if (mint.transaction !== null) issued.add(mint.transaction.signature)
  if (mint.asset !== null) issued.add(mint.asset.signature)
  const signatures = [...issued]
  const leaves = yield* replica.find({
    signatures,
    ticketIds: [mint.ticketId],
    assetIds: mint.asset === null ? [] : [mint.asset.assetId]
  })
  const leaf = leaves[0]
  if (leaf !== undefined) {
    return yield* refuse(
      new TicketMintedOnChain({
        ticketId: mint.ticketId,
        assetId: leaf.assetId,
        tree: leaf.tree,
        leafIndex: leaf.leafIndex,
        signature: leaf.mintedSignature
      })
    )
  }
  const statuses = signatures.length === 0 ? [] : yield* chain.statuses(signatures)
  const landed = statuses.find((s) => s.state === "landed" && s.err === null)
  if (landed !== undefined) {
    return yield* refuse(
      new TicketMintedOnChain({
        ticketId: mint.ticketId,
        assetId: null,
        tree: null,
        leafIndex: null,
        signature: landed.signature
      })
    )
  }
})

export const retryMint = Effect.fn("RetryMint")(function* (ticketId: string) {
  const mints = yield* MintRepository
  const collections = yield* CollectionRepository
  const transactor = yield* Transactor
  const found = yield* mints.findByTicket(ticketId)
  if (Option.isNone(found)) return yield* refuse(new MintNotFound({ ticketId }))
  const mint = found.value
  const next = transition(mint, { _tag: "OperatorRetry" }, yield* DateTime.now)
  if (next._tag === "Failure") return yield* refuse(new RetryNotAllowed({ ticketId, status: mint.status }))
  yield* notOnChain(mint)
  return yield* transactor.withTransaction(
    Effect.gen(function* () {
      // A failed mint gave its collection place back; a retry takes one again.
      const collectionId = mint.request.collectionId
      if (mint.status === "failed" && collectionId !== undefined) {
        yield* collections
          .reserve(collectionId)
          .pipe(
            Effect.catchReason("RepositoryError", "ConstraintViolated", () =>
              Effect.fail(refuse(new CollectionFull({ collectionId })))
            )
          )
      }
      return yield* mints.save(next.success, mint.version)
    })
  )
})
