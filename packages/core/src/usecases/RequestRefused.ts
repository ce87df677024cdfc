/**
 * Why a caller's request was refused. One error with a reason union, mapped to HTTP statuses
 * in exactly one place at the edge.
 */
import { Schema } from "effect"
import { MintStatus } from "../Mint.ts"
import { MetadataViolation } from "../TicketMetadata.ts"

export class InvalidMetadata extends Schema.TaggedError<InvalidMetadata>()("InvalidMetadata", {
  violations: Schema.Array(MetadataViolation)
}) {}

/** The ticket already has a mint, requested with a different body. */
export class TicketConflict extends Schema.TaggedError<TicketConflict>()("TicketConflict", {
  ticketId: Schema.String
}) {}

export class UnknownCollection extends Schema.TaggedError<UnknownCollection>()("UnknownCollection", {
  collectionId: Schema.String
}) {}

export class CollectionFull extends Schema.TaggedError<CollectionFull>()("CollectionFull", {
  collectionId: Schema.String
}) {}

export class MintNotFound extends Schema.TaggedError<MintNotFound>()("MintNotFound", {
  ticketId: Schema.String
}) {}

export class RetryNotAllowed extends Schema.TaggedError<RetryNotAllowed>()("RetryNotAllowed", {
  ticketId: Schema.String,
  status: MintStatus
}) {}

/**
 * The ticket's leaf is already on chain (the replica holds it) although no mint row says so, or
 * a retry would mint a ticket whose leaf exists: minting again would be a second leaf.
 */
export class TicketMintedOnChain extends Schema.TaggedError<TicketMintedOnChain>()("TicketMintedOnChain", {
  ticketId: Schema.String,
  assetId: Schema.NullOr(Schema.String),
  tree: Schema.NullOr(Schema.String),
  leafIndex: Schema.NullOr(Schema.Int),
  signature: Schema.NullOr(Schema.String)
}) {}

export class CollectionNotFound extends Schema.TaggedError<CollectionNotFound>()("CollectionNotFound", {
  collectionId: Schema.String
}) {}

/** The collection's NFT is still being created: a ticket minted now would miss the collection. */
export class CollectionNotReady extends Schema.TaggedError<CollectionNotReady>()("CollectionNotReady", {
  collectionId: Schema.String
}) {}

/** The collection id exists, created with a different name, symbol, uri or seller fee. */
export class CollectionConflict extends Schema.TaggedError<CollectionConflict>()("CollectionConflict", {
  collectionId: Schema.String,
  fields: Schema.Array(Schema.String)
}) {}

/** A collection's name, symbol, uri, seller fee or max supply breaks Token Metadata's limits. */
export class InvalidCollection extends Schema.TaggedError<InvalidCollection>()("InvalidCollection", {
  problems: Schema.Array(Schema.String)
}) {}

/** A max supply below the places already taken. */
export class MaxSupplyBelowSupply extends Schema.TaggedError<MaxSupplyBelowSupply>()("MaxSupplyBelowSupply", {
  collectionId: Schema.String,
  maxSupply: Schema.Int,
  currentSupply: Schema.Int
}) {}

export const RequestRefusedReason = Schema.Union([
  CollectionNotFound,
  CollectionConflict,
  CollectionNotReady,
  InvalidCollection,
  MaxSupplyBelowSupply,
  InvalidMetadata,
  TicketConflict,
  UnknownCollection,
  CollectionFull,
  MintNotFound,
  RetryNotAllowed,
  TicketMintedOnChain
])
export type RequestRefusedReason = typeof RequestRefusedReason.Type

export class RequestRefused extends Schema.TaggedError<RequestRefused>()("RequestRefused", {
  reason: RequestRefusedReason
}) {
  override get message(): string {
    return describe(this.reason)
  }
}

const describe = (r: RequestRefusedReason): string => {
  switch (r._tag) {
    case "CollectionNotFound":
      return `no collection ${r.collectionId}`
    case "CollectionConflict":
      return `collection ${r.collectionId} exists with a different ${r.fields.join(", ")}; a retried creation must send the same values`
    case "CollectionNotReady":
      return `collection ${r.collectionId} is still being created: its NFT has not landed (POST /v1/collections again to finish it)`
    case "InvalidCollection":
      return r.problems.join("; ")
    case "MaxSupplyBelowSupply":
      return `collection ${r.collectionId} already holds ${r.currentSupply} tickets: its max supply cannot go down to ${r.maxSupply}`
    case "InvalidMetadata":
      return r.violations.map((v) => v.message).join("; ")
    case "TicketConflict":
      return `ticket ${r.ticketId} already has a mint requested with a different body`
    case "UnknownCollection":
      return `collection ${r.collectionId} does not exist`
    case "CollectionFull":
      return `collection ${r.collectionId} has reached its max supply`
    case "MintNotFound":
      return `no mint for ticket ${r.ticketId}`
    case "RetryNotAllowed":
      return `ticket ${r.ticketId} is ${r.status}; only failed, missing_on_chain or imported mints (with a known owner) can be retried`
    case "TicketMintedOnChain":
      return `ticket ${r.ticketId} is already minted on chain${r.assetId === null ? "" : ` as asset ${r.assetId}`}${r.signature === null ? "" : ` (signature ${r.signature})`}; it is not minted again (an operator restores the row with \`pnpm reconcile adopt ${r.assetId ?? "<assetId>"}\`)`
  }
}

export const refuse = (reason: RequestRefusedReason) => new RequestRefused({ reason })
