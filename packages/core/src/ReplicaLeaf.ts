/**
 * One leaf of a managed tree as the replica holds it: its state now (owner, delegate, burned),
 * and the change that created it (the mint: its signature, the owner and hashes it minted, the
 * URI its instruction carried and so the ticket it names). Kept from the chain's change logs
 * and Bubblegum's leaf events, never from the database's own records.
 */
import { Schema } from "effect"
import { MintedAsset } from "./Mint.ts"

/**
 * `live`: the leaf the last leaf event described. `burned`: emptied (burn, or redeem).
 * `unknown`: changed by an instruction that logged no leaf Bubblegum's way, so only its hash is
 * known.
 */
export const ReplicaLeafState = Schema.Literals(["live", "burned", "unknown"])
export type ReplicaLeafState = typeof ReplicaLeafState.Type

export class ReplicaLeaf extends Schema.Class<ReplicaLeaf>("@tickettoken/minting-core/ReplicaLeaf")({
  tree: Schema.String,
  leafIndex: Schema.Int,
  /** base58 of the hash the tree holds for this leaf now. */
  leafHash: Schema.String,
  state: ReplicaLeafState,
  assetId: Schema.NullOr(Schema.String),
  owner: Schema.NullOr(Schema.String),
  delegate: Schema.NullOr(Schema.String),
  nonce: Schema.NullOr(Schema.Int),
  dataHash: Schema.NullOr(Schema.String),
  creatorHash: Schema.NullOr(Schema.String),
  /** The mint: null when the replica never saw the leaf created (it should always have). */
  mintedSignature: Schema.NullOr(Schema.String),
  mintedSlot: Schema.NullOr(Schema.Int),
  mintedOwner: Schema.NullOr(Schema.String),
  mintedDataHash: Schema.NullOr(Schema.String),
  mintedCreatorHash: Schema.NullOr(Schema.String),
  mintedUri: Schema.NullOr(Schema.String),
  /** The ticket the minted URI names (`.../metadata/<ticketId>`), if it names one. */
  ticketId: Schema.NullOr(Schema.String),
  lastSignature: Schema.String,
  lastSeq: Schema.Int
}) {}

/** The ticket a metadata URI of this service names: the segment after `/metadata/`. */
export const ticketIdOfUri = (uri: string | null): string | null => {
  if (uri === null) return null
  const at = uri.lastIndexOf("/metadata/")
  if (at < 0) return null
  const segment = uri.slice(at + "/metadata/".length)
  if (segment.length === 0 || segment.includes("/") || segment.includes("?") || segment.includes("#"))
    return null
  try {
    return decodeURIComponent(segment)
  } catch {
    return null
  }
}

/** The asset the leaf's mint created, as a mint row records it; null when the replica never saw the mint. */
export const mintedAssetOf = (leaf: ReplicaLeaf): MintedAsset | null =>
  leaf.assetId === null ||
  leaf.mintedSignature === null ||
  leaf.mintedOwner === null ||
  leaf.mintedDataHash === null
    ? null
    : new MintedAsset({
        assetId: leaf.assetId,
        tree: leaf.tree,
        leafIndex: leaf.leafIndex,
        signature: leaf.mintedSignature,
        slot: leaf.mintedSlot ?? 0,
        owner: leaf.mintedOwner,
        dataHash: leaf.mintedDataHash
      })
