/**
 * RequestMint: accept a sold ticket for minting, exactly once. The same body again returns the
 * mint already accepted; a different body for the same ticket is a conflict. Nothing is
 * written for a refused request, and an accepted one is written whole (the mint and its
 * collection place) or not at all.
 */
import { DateTime, Effect, Option } from "effect"
import * as Ids from "../Ids.ts"
import { Mint } from "../Mint.ts"
import { fingerprint, type MintRequest } from "../MintRequest.ts"
import { CollectionRepository } from "../ports/CollectionRepository.ts"
import { MintRepository } from "../ports/MintRepository.ts"
import { ReplicaRepository } from "../ports/ReplicaRepository.ts"
import { Transactor } from "../ports/Transactor.ts"
import type { RepositoryError } from "../RepositoryError.ts"
import * as TicketMetadata from "../TicketMetadata.ts"
import { MintingSettings } from "./MintingSettings.ts"
import {
  CollectionFull,
  CollectionNotReady,
  InvalidMetadata,
  type RequestRefused,
  refuse,
  TicketConflict,
  TicketMintedOnChain,
  UnknownCollection
} from "./RequestRefused.ts"

export interface Accepted {
  readonly mint: Mint
  /** False when the ticket already had this very request. */
  readonly created: boolean
}

const sameRequestOrConflict = (existing: Mint, request: MintRequest) =>
  fingerprint(existing.request) === fingerprint(request)
    ? Effect.succeed<Accepted>({ mint: existing, created: false })
    : Effect.fail(refuse(new TicketConflict({ ticketId: request.ticketId })))

export const requestMint = Effect.fn("RequestMint")(function* (request: MintRequest) {
  const settings = yield* MintingSettings
  const mints = yield* MintRepository
  const collections = yield* CollectionRepository
  const transactor = yield* Transactor
  const replica = yield* ReplicaRepository

  // No look-up of the mint first: the insert itself tells a new ticket from a known one (one
  // round trip fewer on the path every sale takes). The replica is looked up, beside the
  // collection: a ticket whose leaf is on chain (its row deleted) must never be minted again.
  const [found, onChain] = yield* Effect.all(
    [
      request.collectionId === undefined
        ? Effect.succeed(Option.none())
        : collections.get(request.collectionId),
      replica.find({ ticketIds: [request.ticketId] })
    ],
    { concurrency: 2 }
  )
  const collection = Option.getOrNull(found)
  if (request.collectionId !== undefined && collection === null) {
    return yield* refuse(new UnknownCollection({ collectionId: request.collectionId }))
  }
  // Created by this service and its NFT not landed yet: the ticket would be minted outside it.
  // (A collection without an NFT and without a creation, made by other tools, mints as before.)
  if (
    collection !== null &&
    collection.collectionMint === null &&
    Option.isSome(yield* collections.creation(collection.id))
  ) {
    return yield* refuse(new CollectionNotReady({ collectionId: collection.id }))
  }

  const uri = TicketMetadata.uriFor(settings.publicBaseUrl, request.ticketId)
  const violations = TicketMetadata.validate(
    TicketMetadata.onChainMetadata(request, uri, collection?.collectionMint)
  )
  if (violations.length > 0) return yield* refuse(new InvalidMetadata({ violations }))

  const leaf = onChain[0]
  if (leaf !== undefined) {
    // The ticket is on chain. Its row answers as a repeated request would; with no row (it was
    // deleted), minting again would make a second leaf: refuse, and say where the leaf is.
    const existing = yield* mints.findByTicket(request.ticketId)
    if (Option.isSome(existing)) return yield* sameRequestOrConflict(existing.value, request)
    return yield* refuse(
      new TicketMintedOnChain({
        ticketId: request.ticketId,
        assetId: leaf.assetId,
        tree: leaf.tree,
        leafIndex: leaf.leafIndex,
        signature: leaf.mintedSignature
      })
    )
  }

  const now = yield* DateTime.now
  const mint = new Mint({
    id: yield* Ids.uuid,
    ticketId: request.ticketId,
    request,
    metadataUri: uri,
    status: "pending",
    attempts: 0,
    maxAttempts: settings.retryPolicy.maxAttempts,
    nextAttemptAt: now,
    lease: null,
    transaction: null,
    asset: null,
    failure: null,
    version: 0,
    createdAt: now,
    updatedAt: now,
    completedAt: null
  })
  const insert = Effect.gen(function* () {
    const result = yield* mints.create(mint)
    // Lost a race with the same ticket: judge it like any repeated request.
    if (!result.created) return yield* sameRequestOrConflict(result.mint, request)
    if (collection !== null) {
      yield* collections
        .reserve(collection.id)
        .pipe(
          Effect.catchReason("RepositoryError", "ConstraintViolated", () =>
            Effect.fail(refuse(new CollectionFull({ collectionId: collection.id })))
          )
        )
    }
    return { mint: result.mint, created: true }
  })
  // The metadata document is not written here: it is a function of the stored request and the
  // moment of acceptance, served from the mint itself (see MetadataStore). So a ticket outside
  // any collection is accepted in one statement; one in a collection also takes its place, in
  // the same transaction.
  const accepted: Accepted = yield* collection === null ? insert : transactor.withTransaction(insert)
  return accepted
})

export type ItemResult =
  | { readonly ok: true; readonly ticketId: string; readonly mint: Mint; readonly created: boolean }
  | { readonly ok: false; readonly ticketId: string; readonly error: RequestRefused | RepositoryError }

/** Each request on its own: one refused ticket does not refuse the others. */
export const requestMints = Effect.fn("RequestMints")(function* (
  requests: ReadonlyArray<MintRequest>,
  concurrency = 8
) {
  return yield* Effect.forEach(
    requests,
    (request) =>
      requestMint(request).pipe(
        Effect.match({
          onSuccess: (accepted): ItemResult => ({ ok: true, ticketId: request.ticketId, ...accepted }),
          onFailure: (error): ItemResult => ({ ok: false, ticketId: request.ticketId, error })
        })
      ),
    { concurrency }
  )
})
