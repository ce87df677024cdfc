/**
 * Collections an operator creates: the row first (the client's id is the idempotency key), then
 * the collection NFT on chain the way a mint goes there. The signed transaction is stored before
 * its first send; a retried or resumed creation sends the same bytes again, and signs new ones
 * (a new NFT address) only once the old blockhash has provably expired with the signature
 * absent, or the transaction landed with an error (which created nothing). So a collection gets
 * exactly one NFT however often its creation is retried or interrupted.
 */
import { DateTime, Duration, Effect, Option } from "effect"
import {
  Collection,
  type CollectionChanges,
  CollectionCreation,
  type CollectionMetadata
} from "../Collection.ts"
import { ChainGateway } from "../ports/ChainGateway.ts"
import { CollectionRepository } from "../ports/CollectionRepository.ts"
import type { SignatureObservation } from "../Reconciliation.ts"
import { MintingSettings } from "./MintingSettings.ts"
import {
  CollectionConflict,
  CollectionNotFound,
  InvalidCollection,
  MaxSupplyBelowSupply,
  refuse
} from "./RequestRefused.ts"

export interface CreateCollectionInput {
  /** Chosen by the caller: a retried creation with the same id and values creates nothing new. */
  readonly id: string
  readonly name: string
  readonly symbol: string
  /** Null: unlimited. */
  readonly maxSupply: number | null
  readonly sellerFeeBasisPoints?: number | undefined
  readonly metadata?: CollectionMetadata | undefined
  /** The URI the NFT carries; default the service's own `/metadata/collections/{id}`. */
  readonly uri?: string | undefined
}

export interface CreateCollectionOptions {
  /** How long to wait for the transaction to land before answering `pending` (default 60 s). */
  readonly waitFor?: Duration.Input | undefined
}

/** `created`: its NFT landed now. `existing`: it was already created. `pending`: sent, not landed yet. */
export type CreationOutcome = "created" | "existing" | "pending"

const utf8 = new TextEncoder()

/** The URI of a collection's public Metaplex JSON, served by the service. */
export const collectionUri = (publicBaseUrl: string, id: string): string =>
  `${publicBaseUrl.replace(/\/+$/, "")}/metadata/collections/${encodeURIComponent(id)}`

/** What Token Metadata (and the collections table) would refuse. */
export const collectionProblems = (input: {
  readonly name: string
  readonly symbol: string
  readonly uri: string
  readonly sellerFeeBasisPoints: number
  readonly maxSupply: number | null
}): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const name = utf8.encode(input.name).length
  if (name === 0 || name > 32) problems.push(`name is ${name} bytes; 1 to 32 are allowed`)
  if (utf8.encode(input.symbol).length > 10) problems.push("symbol is over 10 bytes")
  if (utf8.encode(input.uri).length > 200) problems.push("uri is over 200 bytes")
  if (
    !Number.isInteger(input.sellerFeeBasisPoints) ||
    input.sellerFeeBasisPoints < 0 ||
    input.sellerFeeBasisPoints > 10_000
  )
    problems.push("sellerFeeBasisPoints is a whole number from 0 to 10000")
  if (input.maxSupply !== null && (!Number.isInteger(input.maxSupply) || input.maxSupply < 0))
    problems.push("maxSupply is a whole number from 0, or null for unlimited")
  return problems
}

/** The NFT-defining values in which a retried creation differs from the stored collection. */
const differences = (stored: Collection, wanted: Collection): ReadonlyArray<string> => [
  ...(stored.name === wanted.name ? [] : ["name"]),
  ...(stored.symbol === wanted.symbol ? [] : ["symbol"]),
  ...((stored.uri ?? wanted.uri) === wanted.uri ? [] : ["uri"]),
  ...((stored.sellerFeeBasisPoints ?? 0) === (wanted.sellerFeeBasisPoints ?? 0)
    ? []
    : ["sellerFeeBasisPoints"])
]

const notFound = (id: string) => refuse(new CollectionNotFound({ collectionId: id }))

/** What to do next with a stored creation transaction, from what the chain says of it. */
export type CreationStep =
  /** It landed: its NFT exists. */
  | { readonly _tag: "Landed" }
  /** It can never create the NFT (failed, or expired unseen): sign other bytes in its place. */
  | { readonly _tag: "SignAnew"; readonly reason: "failed" | "expired" }
  /** Still able to land, and due to be sent (again). */
  | { readonly _tag: "Send" }
  /** Still able to land; sent recently. */
  | { readonly _tag: "Wait" }
  /** Still able to land, but the caller's wait is over: it answers "pending". */
  | { readonly _tag: "GiveUp" }

/**
 * The creation's next step: pure, like the worker's judgement of a mint. Only a failed landing or
 * a block height past the blockhash's life lets other bytes be signed; anything else keeps these.
 */
export const creationStep = (input: {
  readonly observed: SignatureObservation | undefined
  readonly blockHeight: number
  readonly lastValidBlockHeight: number
  readonly now: number
  readonly deadline: number
  /** When these bytes were last sent (0: never by this caller). */
  readonly lastSend: number
  readonly resendIntervalMs: number
}): CreationStep => {
  if (input.observed?.state === "landed") {
    return input.observed.err === null ? { _tag: "Landed" } : { _tag: "SignAnew", reason: "failed" }
  }
  if (input.blockHeight > input.lastValidBlockHeight) return { _tag: "SignAnew", reason: "expired" }
  if (input.now >= input.deadline) return { _tag: "GiveUp" }
  return input.lastSend === 0 || input.now - input.lastSend >= input.resendIntervalMs
    ? { _tag: "Send" }
    : { _tag: "Wait" }
}

/**
 * Sends the stored creation (or a newly signed one) and waits until it lands or `waitFor`
 * passes. Returns the collection NFT's address once landed.
 */
const ensureOnChain = Effect.fnUntraced(function* (collection: Collection, waitFor: Duration.Duration) {
  const repo = yield* CollectionRepository
  const chain = yield* ChainGateway
  const settings = yield* MintingSettings
  const pollMs = Math.max(settings.confirmPollMs, 10)
  const deadline = (yield* DateTime.now).epochMilliseconds + Duration.toMillis(waitFor)

  /**
   * Signs new bytes in place of `replaces` (null: none yet) and stores them before any send.
   * Another creation of the same collection may have stored its own first: then those are the
   * bytes to send, and these are dropped unsent.
   */
  const signInstead = (replaces: string | null) =>
    Effect.gen(function* () {
      const prepared = yield* chain.prepareCollection({
        name: collection.name,
        symbol: collection.symbol,
        uri: collection.uri ?? "",
        sellerFeeBasisPoints: collection.sellerFeeBasisPoints ?? 0
      })
      const creation = new CollectionCreation({
        mint: prepared.mint,
        signature: prepared.signature,
        wire: prepared.wire,
        lastValidBlockHeight: prepared.lastValidBlockHeight,
        signedAt: yield* DateTime.now
      })
      if (!(yield* repo.recordCreation(collection.id, creation, replaces))) return null
      yield* Effect.logInfo("collection NFT signed", {
        collectionId: collection.id,
        mint: creation.mint,
        signature: creation.signature
      })
      return creation
    })

  let lastSend = 0
  let sentSignature: string | null = null
  for (;;) {
    const stored = Option.getOrNull(yield* repo.creation(collection.id))
    if (stored === null) {
      // Recorded meanwhile by another creation of this collection?
      const current = Option.getOrNull(yield* repo.get(collection.id))
      if (current?.collectionMint != null) return Option.some(current.collectionMint)
    }
    const creation = stored ?? (yield* signInstead(null))
    if (creation === null) continue
    if (creation.signature !== sentSignature) lastSend = 0
    // The height first, then the status: a signature absent after the height passed its last
    // valid block can never land. (Read together, the status could predate a landing in that
    // very last block and new bytes would make a second NFT.)
    const blockHeight = yield* chain.blockHeight
    const [observed] = yield* chain.statuses([creation.signature])
    const now = (yield* DateTime.now).epochMilliseconds
    const step = creationStep({
      observed,
      blockHeight,
      lastValidBlockHeight: creation.lastValidBlockHeight,
      now,
      deadline,
      lastSend,
      resendIntervalMs: settings.resendIntervalMs
    })
    switch (step._tag) {
      case "Landed":
        yield* repo.setCollectionMint(collection.id, creation.mint)
        yield* Effect.logInfo("collection NFT landed", { collectionId: collection.id, mint: creation.mint })
        return Option.some(creation.mint)
      case "SignAnew":
        // A failed transaction created no account, an expired one never lands: new bytes are
        // signed (and stored) in its place.
        yield* Effect.logWarning("collection NFT transaction will never land; signing anew", {
          collectionId: collection.id,
          signature: creation.signature,
          reason: step.reason
        })
        yield* signInstead(creation.signature)
        continue
      case "GiveUp":
        return Option.none<string>()
      case "Send":
        // A refused send is judged by what follows (statuses, the block height), never a reason
        // to sign other bytes while these may still land.
        yield* chain.send(creation.wire).pipe(
          Effect.catchTag("ChainError", (error) =>
            error.retryable || error.reason._tag === "BlockhashNotFound"
              ? Effect.logWarning("collection NFT send refused; waiting", {
                  collectionId: collection.id,
                  reason: error.reason._tag
                })
              : Effect.fail(error)
          )
        )
        lastSend = now
        sentSignature = creation.signature
        break
      case "Wait":
        break
    }
    yield* Effect.sleep(Duration.millis(pollMs))
  }
})

/**
 * Creates the collection (row and NFT), or finishes a creation begun before, or answers the
 * collection already created with these values.
 */
export const createCollection = Effect.fn("Collections.create")(function* (
  input: CreateCollectionInput,
  options: CreateCollectionOptions = {}
) {
  const repo = yield* CollectionRepository
  const settings = yield* MintingSettings
  const uri = input.uri ?? collectionUri(settings.publicBaseUrl, input.id)
  const sellerFeeBasisPoints = input.sellerFeeBasisPoints ?? 0
  const problems = collectionProblems({ ...input, uri, sellerFeeBasisPoints })
  if (problems.length > 0) return yield* Effect.fail(refuse(new InvalidCollection({ problems })))
  const wanted = new Collection({
    id: input.id,
    name: input.name,
    symbol: input.symbol,
    collectionMint: null,
    maxSupply: input.maxSupply,
    currentSupply: 0,
    createdAt: yield* DateTime.now,
    uri,
    sellerFeeBasisPoints,
    metadata: input.metadata ?? {}
  })
  const existing = Option.getOrNull(yield* repo.get(input.id))
  const collection =
    existing ??
    (yield* repo.create(wanted).pipe(
      // Created by a concurrent request with this id in the meantime: judged like any retry.
      Effect.catchIf(
        (e) => e.reason._tag === "ConstraintViolated",
        (e) =>
          Effect.flatMap(repo.get(input.id), (found) =>
            Option.isSome(found) ? Effect.succeed(found.value) : Effect.fail(e)
          )
      )
    ))
  const changed = differences(collection, wanted)
  if (changed.length > 0) {
    return yield* Effect.fail(refuse(new CollectionConflict({ collectionId: input.id, fields: changed })))
  }
  if (collection.collectionMint !== null) return { collection, outcome: "existing" as CreationOutcome }
  const landed = yield* ensureOnChain(collection, Duration.fromInputUnsafe(options.waitFor ?? "60 seconds"))
  const current = Option.getOrElse(yield* repo.get(input.id), () => collection)
  return {
    collection: current,
    outcome: (Option.isSome(landed) ? "created" : "pending") as CreationOutcome
  }
})

/** A collection with what its listing shows: the trees holding its mints, its pending creation. */
export interface CollectionDetails {
  readonly collection: Collection
  readonly treeCount: number
  readonly creation: CollectionCreation | null
}

export const describeCollection = Effect.fn("Collections.describe")(function* (collection: Collection) {
  const repo = yield* CollectionRepository
  const [treeCount, creation] = yield* Effect.all([
    repo.treeCount(collection.id),
    collection.collectionMint === null ? repo.creation(collection.id) : Effect.succeed(Option.none())
  ])
  return { collection, treeCount, creation: Option.getOrNull(creation) } satisfies CollectionDetails
})

export const getCollection = Effect.fn("Collections.get")(function* (id: string) {
  const repo = yield* CollectionRepository
  const found = yield* repo.get(id)
  if (Option.isNone(found)) return yield* Effect.fail(notFound(id))
  return yield* describeCollection(found.value)
})

export const listCollections = Effect.fn("Collections.list")(function* () {
  const repo = yield* CollectionRepository
  return yield* Effect.forEach(yield* repo.list(), describeCollection, { concurrency: 4 })
})

/** Changes the max supply (never below the current supply) and/or the metadata. */
export const updateCollection = Effect.fn("Collections.update")(function* (
  id: string,
  changes: CollectionChanges
) {
  const repo = yield* CollectionRepository
  if (changes.maxSupply !== undefined && changes.maxSupply !== null) {
    if (!Number.isInteger(changes.maxSupply) || changes.maxSupply < 0) {
      return yield* Effect.fail(
        refuse(
          new InvalidCollection({ problems: ["maxSupply is a whole number from 0, or null for unlimited"] })
        )
      )
    }
  }
  const updated = yield* repo.update(id, changes).pipe(
    Effect.catchIf(
      (e) => e.reason._tag === "NotFound",
      () => Effect.fail(notFound(id))
    ),
    Effect.catchIf(
      (e) => e._tag === "RepositoryError" && e.reason._tag === "ConstraintViolated",
      () =>
        Effect.flatMap(repo.get(id), (found) =>
          Effect.fail(
            refuse(
              new MaxSupplyBelowSupply({
                collectionId: id,
                maxSupply: changes.maxSupply ?? 0,
                currentSupply: Option.match(found, { onNone: () => 0, onSome: (c) => c.currentSupply })
              })
            )
          )
        )
    )
  )
  return yield* describeCollection(updated)
})
