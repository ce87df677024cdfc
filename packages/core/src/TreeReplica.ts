/**
 * The rules of a tree replica: the database's copy of a Bubblegum merkle tree, kept from the
 * change logs that SPL account compression emits for every change, and proved against the root
 * the tree account holds.
 *
 * A change log carries the changed leaf's whole path after the change (leaf first, root last)
 * and the tree's sequence number. Applying one recomputes that path from the leaf with the
 * siblings the replica already holds: if every hash agrees, the replica had every earlier change
 * that shaped those siblings; if not, it lacks one. Applied in sequence order with no gap, the
 * replica's root is then the tree's root at that sequence number, which the tree account's
 * change-log buffer holds: that comparison is the proof that the replica is the chain's tree,
 * so that judging the database against it judges it against the chain.
 *
 * Nodes are numbered as a heap: the root is 1, the children of n are 2n and 2n + 1, and leaf i
 * of a tree of depth d is 2^d + i (the numbering SPL's change-log events use).
 */
import * as Base58 from "./Base58.ts"
import { keccak256 } from "./Keccak.ts"

export type Hash = Uint8Array

/** One change the tree made: a leaf written, and the path it gave (leaf first, root last). */
export interface ChangeLog {
  readonly tree: string
  readonly seq: number
  readonly leafIndex: number
  /** maxDepth + 1 hashes. */
  readonly path: ReadonlyArray<Hash>
}

/** Bubblegum's LeafSchema V1 fields, as its leaf event logs them (addresses and hashes in base58). */
export interface LeafSchema {
  readonly assetId: string
  readonly owner: string
  readonly delegate: string
  readonly nonce: number
  readonly dataHash: string
  readonly creatorHash: string
}

const emptyCache = new Map<number, ReadonlyArray<Hash>>()

/** The hash of an empty subtree at each level, 0 (an empty leaf, 32 zero bytes) to `depth`. */
export const emptyNodes = (depth: number): ReadonlyArray<Hash> => {
  let nodes = emptyCache.get(depth)
  if (nodes === undefined) {
    const built: Array<Hash> = [new Uint8Array(32)]
    for (let level = 1; level <= depth; level++) built.push(keccak256(built[level - 1]!, built[level - 1]!))
    nodes = built
    emptyCache.set(depth, nodes)
  }
  return nodes
}

/** The heap index of the node at `level` (0: the leaf) on the path of `leafIndex`. */
export const nodeIndex = (depth: number, leafIndex: number, level: number): number =>
  2 ** (depth - level) + Math.floor(leafIndex / 2 ** level)

/** The level of a heap index in a tree of `depth` (the root is at `depth`). */
export const levelOf = (depth: number, index: number): number => depth - Math.floor(Math.log2(index))

/** The heap indexes of the siblings on the path of `leafIndex`, leaf level first. */
export const siblingIndexes = (depth: number, leafIndex: number): ReadonlyArray<number> =>
  Array.from({ length: depth }, (_, level) => nodeIndex(depth, leafIndex, level) ^ 1)

export const parentOf = (left: Hash, right: Hash): Hash => keccak256(left, right)

export const equalHashes = (a: Hash, b: Hash): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export const isEmptyLeaf = (leaf: Hash): boolean => leaf.every((byte) => byte === 0)

/** A node the replica holds, or undefined: never written, so its subtree is empty. */
export type NodeLookup = (index: number) => Hash | undefined

export type ApplyResult =
  | {
      readonly _tag: "Applied"
      /** The path's nodes by heap index, the root (index 1) included. */
      readonly writes: ReadonlyArray<readonly [index: number, hash: Hash]>
      readonly root: Hash
    }
  | {
      /** The path disagrees with the replica's siblings: a change before this one is missing. */
      readonly _tag: "Inconsistent"
      readonly level: number
      readonly expected: Hash
      readonly computed: Hash
    }
  | { readonly _tag: "Malformed"; readonly reason: string }

/** Applies one change log to a replica of a tree of `depth`. */
const malformed = (depth: number, change: ChangeLog): string | undefined => {
  if (change.path.length !== depth + 1)
    return `a path of ${change.path.length} nodes in a tree of depth ${depth}`
  if (!Number.isInteger(change.leafIndex) || change.leafIndex < 0 || change.leafIndex >= 2 ** depth)
    return `leaf index ${change.leafIndex} outside a tree of depth ${depth}`
  return undefined
}

export const applyChange = (depth: number, nodes: NodeLookup, change: ChangeLog): ApplyResult => {
  const problem = malformed(depth, change)
  if (problem !== undefined) return { _tag: "Malformed", reason: problem }
  const empty = emptyNodes(depth)
  let node = change.path[0]!
  const writes: Array<readonly [number, Hash]> = [[nodeIndex(depth, change.leafIndex, 0), node]]
  for (let level = 0; level < depth; level++) {
    const index = nodeIndex(depth, change.leafIndex, level)
    const sibling = nodes(index ^ 1) ?? empty[level]!
    node = index % 2 === 0 ? parentOf(node, sibling) : parentOf(sibling, node)
    const expected = change.path[level + 1]!
    if (!equalHashes(node, expected)) {
      return { _tag: "Inconsistent", level: level + 1, expected, computed: node }
    }
    writes.push([nodeIndex(depth, change.leafIndex, level + 1), node])
  }
  return { _tag: "Applied", writes, root: node }
}

export type BatchResult =
  | Extract<ApplyResult, { readonly _tag: "Applied" }>
  | {
      /** The change at `at` (its position in the run) is malformed or disagrees with the replica. */
      readonly _tag: "Refused"
      readonly at: number
      readonly why: Exclude<ApplyResult, { readonly _tag: "Applied" }>
    }

/**
 * Applies a run of consecutive change logs at once: every changed leaf is set, every node above
 * them recomputed once, level by level, and the root compared with the root the last change
 * logged. A root commits to every leaf under it, so agreement proves the replica holds the
 * chain's leaves as of the last change. Applied one at a time, each change hashes its whole path
 * (15 hashes a mint in a tree of depth 14); here each changed node is hashed once (about two a
 * mint when mints fill a tree in order). Only when the roots disagree are the changes applied one
 * at a time, to name the first one that disagrees.
 */
export const applyChanges = (
  depth: number,
  nodes: NodeLookup,
  changes: ReadonlyArray<ChangeLog>
): BatchResult => {
  for (let at = 0; at < changes.length; at++) {
    const problem = malformed(depth, changes[at]!)
    if (problem !== undefined) return { _tag: "Refused", at, why: { _tag: "Malformed", reason: problem } }
  }
  const empty = emptyNodes(depth)
  const written = new Map<number, Hash>()
  let dirty = new Set<number>()
  for (const change of changes) {
    const index = nodeIndex(depth, change.leafIndex, 0)
    written.set(index, change.path[0]!)
    dirty.add(index)
  }
  const valueAt = (index: number, level: number) => written.get(index) ?? nodes(index) ?? empty[level]!
  for (let level = 0; level < depth; level++) {
    const parents = new Set<number>()
    for (const index of dirty) parents.add(Math.floor(index / 2))
    for (const parent of parents)
      written.set(parent, parentOf(valueAt(2 * parent, level), valueAt(2 * parent + 1, level)))
    dirty = parents
  }
  const root = written.get(1)
  const last = changes.at(-1)
  if (root !== undefined && last !== undefined && equalHashes(root, last.path[depth]!)) {
    return { _tag: "Applied", writes: [...written], root }
  }
  // The roots disagree (or there was nothing to apply): one change at a time names the culprit.
  const overlay = new Map<number, Hash>()
  for (let at = 0; at < changes.length; at++) {
    const result = applyChange(depth, (index) => overlay.get(index) ?? nodes(index), changes[at]!)
    if (result._tag !== "Applied") return { _tag: "Refused", at, why: result }
    for (const [index, hash] of result.writes) overlay.set(index, hash)
  }
  return {
    _tag: "Refused",
    at: Math.max(0, changes.length - 1),
    why: { _tag: "Malformed", reason: "no change to apply" }
  }
}

/** The sibling hashes from leaf level to just below the root: a proof of `leafIndex`. */
export const proofOf = (depth: number, nodes: NodeLookup, leafIndex: number): ReadonlyArray<Hash> => {
  const empty = emptyNodes(depth)
  return siblingIndexes(depth, leafIndex).map((index, level) => nodes(index) ?? empty[level]!)
}

/** The root a leaf and its proof give. */
export const rootFromProof = (leaf: Hash, leafIndex: number, proof: ReadonlyArray<Hash>): Hash => {
  let node = leaf
  proof.forEach((sibling, level) => {
    node = Math.floor(leafIndex / 2 ** level) % 2 === 0 ? parentOf(node, sibling) : parentOf(sibling, node)
  })
  return node
}

const u64le = (value: number) => {
  const bytes = new Uint8Array(8)
  let rest = value
  for (let i = 0; i < 8 && rest > 0; i++) {
    bytes[i] = rest % 256
    rest = Math.floor(rest / 256)
  }
  return bytes
}

const key = (text: string, what: string): Uint8Array => {
  const bytes = Base58.decode(text)
  if (bytes === undefined || bytes.length !== 32) throw new Error(`${what} ${text} is not 32 bytes of base58`)
  return bytes
}

/**
 * Bubblegum's leaf hash of a LeafSchema V1: keccak(version 1, id, owner, delegate, nonce as u64
 * LE, data hash, creator hash). The hash is what the tree holds; a leaf event whose fields do not
 * hash to the change log's leaf is not believed.
 */
export const leafHash = (leaf: LeafSchema): Hash =>
  keccak256(
    new Uint8Array([1]),
    key(leaf.assetId, "asset id"),
    key(leaf.owner, "owner"),
    key(leaf.delegate, "delegate"),
    u64le(leaf.nonce),
    key(leaf.dataHash, "data hash"),
    key(leaf.creatorHash, "creator hash")
  )

/** The sequence numbers missing between the replica's `have` and the next change's `next`. */
export const gapBetween = (have: number, next: number): ReadonlyArray<number> =>
  next > have + 1 ? [have + 1, next - 1] : []
