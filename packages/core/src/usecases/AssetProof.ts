/**
 * A ticket's asset proof, from the tree replica: what a service needs to transfer the ticket
 * or burn it at check-in with mpl-bubblegum (root, proof path, leaf, index, hashes, nonce),
 * without a DAS provider. The replica's root is checked against the roots the tree account
 * holds now: a proof is only handed out when the chain would accept its root.
 */
import { Effect, Option, Schema } from "effect"
import * as Base58 from "../Base58.ts"
import { ChainGateway } from "../ports/ChainGateway.ts"
import { MintRepository } from "../ports/MintRepository.ts"
import { ReplicaRepository } from "../ports/ReplicaRepository.ts"
import { TreeRegistry } from "../ports/TreeRegistry.ts"
import * as TreeReplica from "../TreeReplica.ts"

export class AssetProof extends Schema.Class<AssetProof>("@tickettoken/minting-core/AssetProof")({
  ticketId: Schema.String,
  assetId: Schema.String,
  tree: Schema.String,
  leafIndex: Schema.Int,
  nonce: Schema.Int,
  /** base58: the leaf hash, the root and the proof path (leaf level first), as mpl-bubblegum takes them. */
  leaf: Schema.String,
  root: Schema.String,
  proof: Schema.Array(Schema.String),
  owner: Schema.String,
  delegate: Schema.String,
  dataHash: Schema.String,
  creatorHash: Schema.String,
  /** The tree's sequence number the root is at. */
  seq: Schema.Int,
  burned: Schema.Boolean
}) {}

/** Why no proof: the ticket has no leaf in the replica, or the chain would not accept the root now. */
export class ProofUnavailable extends Schema.TaggedError<ProofUnavailable>()("ProofUnavailable", {
  ticketId: Schema.String,
  reason: Schema.Literals(["no_leaf", "replica_behind", "tree_missing"]),
  message: Schema.String
}) {}

export const assetProof = Effect.fn("AssetProof")(function* (ticketId: string) {
  const mints = yield* MintRepository
  const replica = yield* ReplicaRepository
  const registry = yield* TreeRegistry
  const chain = yield* ChainGateway
  const mint = Option.getOrNull(yield* mints.findByTicket(ticketId))
  const leaves = yield* replica.find({
    ticketIds: [ticketId],
    assetIds: mint?.asset === null || mint === null ? [] : [mint.asset.assetId]
  })
  // The mint's own asset first; else the ticket's only leaf.
  const leaf =
    leaves.find((l) => l.assetId === mint?.asset?.assetId) ?? (leaves.length === 1 ? leaves[0] : undefined)
  if (
    leaf === undefined ||
    leaf.assetId === null ||
    leaf.owner === null ||
    leaf.delegate === null ||
    leaf.nonce === null ||
    leaf.dataHash === null ||
    leaf.creatorHash === null
  ) {
    return yield* new ProofUnavailable({
      ticketId,
      reason: "no_leaf",
      message: `no leaf of ticket ${ticketId} in the replica (not minted yet, or not reconciled since)`
    })
  }
  const tree = Option.getOrNull(yield* registry.get(leaf.tree))
  const state = yield* replica.state(leaf.tree)
  const depth = tree?.maxDepth ?? 0
  const siblings = TreeReplica.siblingIndexes(depth, leaf.leafIndex)
  const nodes = yield* replica.nodes(leaf.tree, siblings)
  const proof = TreeReplica.proofOf(depth, (i) => nodes.get(i), leaf.leafIndex)
  const leafBytes = Base58.decode(leaf.leafHash) ?? new Uint8Array(32)
  const root = Base58.encode(TreeReplica.rootFromProof(leafBytes, leaf.leafIndex, proof))
  const observed = (yield* chain.observeTrees([leaf.tree])).trees[0]
  if (observed === undefined || observed._tag !== "Tree") {
    return yield* new ProofUnavailable({
      ticketId,
      reason: "tree_missing",
      message: `tree ${leaf.tree} is not on the cluster`
    })
  }
  // The replica's root at its sequence number must be one the tree still holds in its
  // change-log buffer: then the chain accepts the proof (it fast-forwards over newer changes).
  if (state.seq === null || root !== state.root || observed.roots.get(state.seq) !== root) {
    return yield* new ProofUnavailable({
      ticketId,
      reason: "replica_behind",
      message: `the replica of tree ${leaf.tree} is at change ${state.seq ?? "none"}, which the chain's buffer (${observed.seq - observed.maxBufferSize + 1} to ${observed.seq}) does not hold with this root; the next reconciliation pass catches up`
    })
  }
  return new AssetProof({
    ticketId,
    assetId: leaf.assetId,
    tree: leaf.tree,
    leafIndex: leaf.leafIndex,
    nonce: leaf.nonce,
    leaf: leaf.leafHash,
    root,
    proof: proof.map(Base58.encode),
    owner: leaf.owner,
    delegate: leaf.delegate,
    dataHash: leaf.dataHash,
    creatorHash: leaf.creatorHash,
    seq: state.seq,
    burned: leaf.state === "burned"
  })
})
