/** A Bubblegum merkle tree the service mints into. Only one is active at a time. */
import { Schema } from "effect"

export const TreeStatus = Schema.Literals(["active", "standby", "full"])
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

export const fill = (tree: Tree): number => (tree.capacity === 0 ? 1 : tree.minted / tree.capacity)

/** Past this fill a new tree is created and takes over, so mints never fail for capacity. */
export const rotationThreshold = 0.95

export const needsSuccessor = (tree: Tree, threshold = rotationThreshold): boolean => fill(tree) >= threshold
