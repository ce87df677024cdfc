import { Context, type Effect, type Option } from "effect"
import type { Page } from "../Page.ts"
import type { ReplicaLeaf } from "../ReplicaLeaf.ts"
import type { RepositoryError } from "../RepositoryError.ts"
import type { Hash } from "../TreeReplica.ts"

/** How far a tree's replica has come: the last change applied, and where its scan resumes. */
export interface ReplicaState {
  readonly tree: string
  /** Sequence number of the last change applied; null before the first. */
  readonly seq: number | null
  /** base58 of the root after that change. */
  readonly root: string | null
  /** The newest signature of the tree whose changes are all applied: the scan resumes after it. */
  readonly checkpoint: string | null
}

/** The changes of one page of a scan, applied together or not at all. */
export interface ReplicaUpdate {
  readonly seq: number | null
  readonly root: string | null
  readonly checkpoint: string | null
  /** Nodes by heap index, the leaves' level and the root included. */
  readonly nodes: ReadonlyArray<readonly [index: number, hash: Hash]>
  /** Every leaf the page changed, as it now is. */
  readonly leaves: ReadonlyArray<ReplicaLeaf>
}

/** Which leaves to find: by the signature that minted them, by asset id, by the ticket their URI names. */
export interface LeafQuery {
  readonly signatures?: ReadonlyArray<string> | undefined
  readonly assetIds?: ReadonlyArray<string> | undefined
  readonly ticketIds?: ReadonlyArray<string> | undefined
}

/**
 * The replica of every managed tree: its nodes (what the root check and the asset proofs need)
 * and its leaves, kept only by the reconciler (under its leader lock), read by everyone.
 */
export class ReplicaRepository extends Context.Service<
  ReplicaRepository,
  {
    /** The tree's state; an empty state (nulls) for a tree never scanned. */
    state(tree: string): Effect.Effect<ReplicaState, RepositoryError>
    /** The nodes held at these heap indexes (a node never written is left out: its subtree is empty). */
    nodes(
      tree: string,
      indexes: ReadonlyArray<number>
    ): Effect.Effect<ReadonlyMap<number, Hash>, RepositoryError>
    /** The leaves held at these indexes. */
    leaves(
      tree: string,
      indexes: ReadonlyArray<number>
    ): Effect.Effect<ReadonlyMap<number, ReplicaLeaf>, RepositoryError>
    /** Applies a page's changes and moves the state, in one transaction. */
    apply(tree: string, update: ReplicaUpdate): Effect.Effect<void, RepositoryError>
    /** Forgets the tree's replica (nodes, leaves, state): the next pass reads it again from its start. */
    reset(tree: string): Effect.Effect<void, RepositoryError>
    /** Leaves matching any of the query's keys, each once. */
    find(query: LeafQuery): Effect.Effect<ReadonlyArray<ReplicaLeaf>, RepositoryError>
    findByAssetId(assetId: string): Effect.Effect<Option.Option<ReplicaLeaf>, RepositoryError>
    /** How many leaves the replica holds, every tree together. */
    countLeaves(): Effect.Effect<number, RepositoryError>
    /** Every leaf of every tree, in (tree, leaf index) order. */
    scan(cursor: string | null, limit: number): Effect.Effect<Page<ReplicaLeaf>, RepositoryError>
  }
>()("@tickettoken/minting-core/ReplicaRepository") {}
