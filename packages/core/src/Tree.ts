/** A Bubblegum merkle tree the service mints into. Only one is active at a time. */
import { Schema } from "effect"

/**
 * `full`: retired, no more mints, still reconciled. `lost`: an operator confirmed the chain no
 * longer holds it (a reset cluster): never minted into or activated again, and no longer
 * reconciled; its mints are judged as the chain now shows them (their leaves are gone).
 */
export const TreeStatus = Schema.Literals(["active", "standby", "full", "lost"])
export type TreeStatus = typeof TreeStatus.Type

export class Tree extends Schema.Class<Tree>("@tickettoken/minting-core/Tree")({
  address: Schema.String,
  maxDepth: Schema.Int,
  maxBufferSize: Schema.Int,
  canopyDepth: Schema.Int,
  /** Leaves the tree holds: 2^maxDepth. */
  capacity: Schema.Int,
  /** Leaves this service has seen completed in it. */
  minted: Schema.Int,
  status: TreeStatus,
  createdAt: Schema.DateTimeUtc
}) {}

/** Still on the cluster as far as the service knows: minted into, reconciled, proved. */
export const isManaged = (tree: Tree): boolean => tree.status !== "lost"

export const fill = (tree: Tree): number => (tree.capacity === 0 ? 1 : tree.minted / tree.capacity)

/** Past this fill a new tree is created and takes over, so mints never fail for capacity. */
export const rotationThreshold = 0.95

export const needsSuccessor = (tree: Tree, threshold = rotationThreshold): boolean => fill(tree) >= threshold
