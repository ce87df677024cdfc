/** Everything that can happen to a mint. Schemas, so property tests can generate them. */
import { Schema } from "effect"
import { MintedAsset, MintFailure, SignedTransaction } from "./Mint.ts"

/** A worker took the mint under a lease: a due pending mint, or an in-flight one whose lease lapsed. */
export const Claimed = Schema.TaggedStruct("Claimed", {
  owner: Schema.String,
  leaseExpiresAt: Schema.DateTimeUtc
})

export const LeaseRenewed = Schema.TaggedStruct("LeaseRenewed", {
  owner: Schema.String,
  leaseExpiresAt: Schema.DateTimeUtc
})

/** The transaction was signed; persisted before it is ever sent. */
export const Signed = Schema.TaggedStruct("Signed", { transaction: SignedTransaction })

/** The chain shows the leaf: the only way into `completed`. */
export const Confirmed = Schema.TaggedStruct("Confirmed", { asset: MintedAsset })

/** Block height passed the signature's lastValidBlockHeight and the signature is absent. */
export const ExpiredUnseen = Schema.TaggedStruct("ExpiredUnseen", {
  signature: Schema.String,
  retryAt: Schema.DateTimeUtc
})

/**
 * The attempt failed. `settledSignature` names the in-flight signature that is known to be
 * final (it landed with an error); without it a mint with a live signature cannot fail,
 * because that signature might still land.
 */
export const Failed = Schema.TaggedStruct("Failed", {
  failure: MintFailure,
  retryAt: Schema.NullOr(Schema.DateTimeUtc),
  settledSignature: Schema.NullOr(Schema.String)
})

/**
 * The chain could not take the attempt for a reason that is not the mint's: the endpoint
 * rate-limited, timed out or was down, the fee payer is empty, the tree is full. Back to the
 * queue at `retryAt` without counting an attempt; an outage must not use up the attempts of every
 * mint waiting through it. Usually nothing was signed; `settledSignature` names the in-flight
 * signature when it is known to be final (it landed in a tree that had filled meanwhile).
 */
export const Deferred = Schema.TaggedStruct("Deferred", {
  owner: Schema.String,
  failure: MintFailure,
  retryAt: Schema.DateTimeUtc,
  settledSignature: Schema.NullOr(Schema.String)
})

/** A worker hands the mint back (shutdown): claimable again at once. */
export const LeaseReleased = Schema.TaggedStruct("LeaseReleased", { owner: Schema.String })

/** Nobody renewed the lease in time. */
export const LeaseExpired = Schema.TaggedStruct("LeaseExpired", {})

/** The reconciler cannot find a completed mint's transaction on chain. */
export const MarkedMissing = Schema.TaggedStruct("MarkedMissing", { reason: Schema.String })

/** An operator asks for a failed or missing mint to be tried again. */
export const OperatorRetry = Schema.TaggedStruct("OperatorRetry", {})

export const MintEvent = Schema.Union([
  Claimed,
  LeaseRenewed,
  Signed,
  Confirmed,
  ExpiredUnseen,
  Failed,
  Deferred,
  LeaseReleased,
  LeaseExpired,
  MarkedMissing,
  OperatorRetry
])
export type MintEvent = typeof MintEvent.Type
export type MintEventTag = MintEvent["_tag"]

export const mintEventTags: ReadonlyArray<MintEventTag> = MintEvent.members.map(
  (m) => m.fields._tag.schema.literal
)
