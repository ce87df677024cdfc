/** A collection as the seed had it: tickets minted into it count against its max supply. */
import { Schema } from "effect"

export class Collection extends Schema.Class<Collection>("@tickettoken/minting-core/Collection")({
  id: Schema.String,
  name: Schema.String,
  symbol: Schema.String,
  /** The on-chain collection NFT (a Token Metadata mint), when it has been created. */
  collectionMint: Schema.NullOr(Schema.String),
  /** Null means unlimited. */
  maxSupply: Schema.NullOr(Schema.Int),
  currentSupply: Schema.Int,
  createdAt: Schema.DateTimeUtc
}) {}

export const hasRoom = (collection: Collection): boolean =>
  collection.maxSupply === null || collection.currentSupply < collection.maxSupply
