/** A collection as the seed had it: tickets minted into it count against its max supply. */
import { Schema } from "effect"

/** What the collection's public Metaplex JSON says beyond its name and symbol. */
export const CollectionMetadata = Schema.Struct({
  description: Schema.optionalKey(Schema.String),
  image: Schema.optionalKey(Schema.String),
  externalUrl: Schema.optionalKey(Schema.String)
})
export type CollectionMetadata = typeof CollectionMetadata.Type

export class Collection extends Schema.Class<Collection>("@tickettoken/minting-core/Collection")({
  id: Schema.String,
  name: Schema.String,
  symbol: Schema.String,
  /** The on-chain collection NFT (a Token Metadata mint), when it has been created. */
  collectionMint: Schema.NullOr(Schema.String),
  /** Null means unlimited. */
  maxSupply: Schema.NullOr(Schema.Int),
  currentSupply: Schema.Int,
  createdAt: Schema.DateTimeUtc,
  /** The URI the collection NFT carries on chain (absent for collections made by other tools). */
  uri: Schema.optionalKey(Schema.String),
  sellerFeeBasisPoints: Schema.optionalKey(Schema.Int),
  metadata: Schema.optionalKey(CollectionMetadata)
}) {}

export const hasRoom = (collection: Collection): boolean =>
  collection.maxSupply === null || collection.currentSupply < collection.maxSupply

/**
 * The signed transaction that creates a collection's NFT, stored before its first send (as a
 * mint's is): after a crash the same bytes are sent again, and new ones are signed only once the
 * blockhash has provably expired with the signature absent, so one collection gets one NFT.
 */
export class CollectionCreation extends Schema.Class<CollectionCreation>(
  "@tickettoken/minting-core/CollectionCreation"
)({
  /** The collection NFT's address, if this transaction lands. */
  mint: Schema.String,
  signature: Schema.String,
  wire: Schema.Uint8Array,
  lastValidBlockHeight: Schema.Int,
  signedAt: Schema.DateTimeUtc
}) {}

/** What an operator may change after creation: never below the supply already taken. */
export interface CollectionChanges {
  /** Null: unlimited. Absent: unchanged. */
  readonly maxSupply?: number | null | undefined
  /** Replaces the metadata when present. */
  readonly metadata?: CollectionMetadata | undefined
}
