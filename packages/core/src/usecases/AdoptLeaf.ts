/**
 * Adopting a leaf: the row of a ticket that is on chain but not in the database (its row was
 * deleted, or lost with a restore) is written back from the replica's leaf, so the ticket is
 * never minted again and the reconciler judges it like any other. The leaf gives the ticket (its
 * URI names it), the owner, the signature and the asset; the operator gives what the chain does
 * not hold: the order and event ids (taken as given: they are in the off-chain document only)
 * and any metadata the request carried. The adoption is refused unless that request's on-chain
 * metadata (name, symbol, creators, collection, URI) hashes to the data hash the leaf was
 * minted with.
 */
import { DateTime, Effect, Option, Schema } from "effect"
import * as Ids from "../Ids.ts"
import { Mint } from "../Mint.ts"
import { MintRequest, type TicketMetadataInput } from "../MintRequest.ts"
import { ChainGateway } from "../ports/ChainGateway.ts"
import { CollectionRepository } from "../ports/CollectionRepository.ts"
import { MintRepository } from "../ports/MintRepository.ts"
import { ReplicaRepository } from "../ports/ReplicaRepository.ts"
import { TicketLedger } from "../ports/TicketLedger.ts"
import { Transactor } from "../ports/Transactor.ts"
import { mintedAssetOf } from "../ReplicaLeaf.ts"
import * as TicketMetadata from "../TicketMetadata.ts"
import { MintingSettings } from "./MintingSettings.ts"

export interface AdoptInput {
  readonly assetId: string
  readonly orderId: string
  readonly eventId: string
  readonly collectionId?: string | undefined
  readonly metadata?: TicketMetadataInput | undefined
}

export class AdoptRefused extends Schema.TaggedError<AdoptRefused>()("AdoptRefused", {
  assetId: Schema.String,
  message: Schema.String
}) {}

export const adoptLeaf = Effect.fn("AdoptLeaf")(function* (input: AdoptInput) {
  const replica = yield* ReplicaRepository
  const mints = yield* MintRepository
  const chain = yield* ChainGateway
  const collections = yield* CollectionRepository
  const transactor = yield* Transactor
  const ledger = yield* TicketLedger
  const settings = yield* MintingSettings
  const refused = (message: string) => Effect.fail(new AdoptRefused({ assetId: input.assetId, message }))

  const found = yield* replica.findByAssetId(input.assetId)
  if (Option.isNone(found))
    return yield* refused("no leaf of that asset in the replica (run a reconciliation pass first)")
  const leaf = found.value
  const asset = mintedAssetOf(leaf)
  if (leaf.ticketId === null || leaf.mintedUri === null || asset === null) {
    return yield* refused(
      `leaf ${leaf.leafIndex} of tree ${leaf.tree} names no ticket of this service in its URI`
    )
  }
  const existing = yield* mints.findByTicket(leaf.ticketId)
  if (Option.isSome(existing)) {
    return yield* refused(
      `ticket ${leaf.ticketId} already has a mint (${existing.value.id}); nothing to adopt`
    )
  }
  const request = new MintRequest({
    ticketId: leaf.ticketId,
    orderId: input.orderId,
    eventId: input.eventId,
    owner: asset.owner,
    ...(input.collectionId === undefined ? {} : { collectionId: input.collectionId }),
    ...(input.metadata === undefined ? {} : { metadata: input.metadata })
  })
  const collection =
    input.collectionId === undefined ? null : Option.getOrNull(yield* collections.get(input.collectionId))
  if (input.collectionId !== undefined && collection === null)
    return yield* refused(`no collection ${input.collectionId}`)
  // Hashed at the URI the leaf was minted with, whatever PUBLIC_BASE_URL says now.
  const metadata = TicketMetadata.onChainMetadata(request, leaf.mintedUri, collection?.collectionMint ?? null)
  const violations = TicketMetadata.validate(metadata)
  if (violations.length > 0) {
    return yield* refused(
      `this request's metadata is not valid Bubblegum metadata: ${violations.map((v) => v.message).join("; ")}`
    )
  }
  const dataHash = yield* chain.hashMetadata(metadata)
  if (dataHash !== asset.dataHash) {
    return yield* refused(
      `this request hashes to ${dataHash}, the leaf was minted with ${asset.dataHash}: give the metadata (name, symbol, creators) and collection ticket ${leaf.ticketId} was minted with`
    )
  }
  const now = yield* DateTime.now
  const mint = new Mint({
    id: yield* Ids.uuid,
    ticketId: leaf.ticketId,
    request,
    metadataUri: leaf.mintedUri,
    status: "completed",
    attempts: 0,
    maxAttempts: settings.retryPolicy.maxAttempts,
    nextAttemptAt: null,
    lease: null,
    transaction: null,
    asset,
    failure: null,
    version: 0,
    createdAt: now,
    updatedAt: now,
    completedAt: now
  })
  return yield* transactor.withTransaction(
    Effect.gen(function* () {
      const created = yield* mints.create(mint)
      if (!created.created)
        return yield* refused(`ticket ${leaf.ticketId} got a mint meanwhile; nothing adopted`)
      yield* ledger.markMinted(leaf.ticketId!, input.assetId, now)
      return created.mint
    })
  )
})
