import { Context, type Effect, type Option } from "effect"
import type { RepositoryError } from "../RepositoryError.ts"
import type { Tree } from "../Tree.ts"

/** The trees the service mints into, the one that is active, and each tree's scan checkpoint. */
export class TreeRegistry extends Context.Service<
  TreeRegistry,
  {
    /** Adds a tree; if it is `active`, any other active tree becomes `standby`. */
    register(tree: Tree): Effect.Effect<void, RepositoryError>
    readonly active: Effect.Effect<Option.Option<Tree>, RepositoryError>
    /**
     * Makes this tree the only active one; the previous one becomes `full` if it passed the
     * threshold, else `standby`. A lost tree is refused (`ConstraintViolated`).
     */
    activate(address: string): Effect.Effect<void, RepositoryError>
    /** Retires the tree; a lost tree stays lost. */
    markFull(address: string): Effect.Effect<void, RepositoryError>
    /**
     * An operator confirmed the chain no longer holds the tree: it becomes `lost` for good (an
     * active one leaves no active tree; the worker creates the next).
     */
    markLost(address: string): Effect.Effect<void, RepositoryError>
    /** Counts `count` (default 1) more leaves minted into the tree. */
    recordMinted(address: string, count?: number): Effect.Effect<void, RepositoryError>
    get(address: string): Effect.Effect<Option.Option<Tree>, RepositoryError>
    readonly list: Effect.Effect<ReadonlyArray<Tree>, RepositoryError>
    /** The newest signature of this tree that a reconciliation scan has processed. */
    checkpoint(address: string): Effect.Effect<Option.Option<string>, RepositoryError>
    saveCheckpoint(address: string, signature: string): Effect.Effect<void, RepositoryError>
    /**
     * The genesis hash of the cluster the trees live on: the first one recorded stays (recorded
     * with the first tree, or by the first reconciliation pass of a database that predates it).
     * Returns the hash on record.
     */
    recordGenesis(genesisHash: string): Effect.Effect<string, RepositoryError>
    /** The genesis hash on record, without recording one. */
    readonly genesis: Effect.Effect<Option.Option<string>, RepositoryError>
    /**
     * An operator confirmed a reset of the cluster: the genesis on record becomes `to`, only if
     * it is still `from` (a concurrent move wins once). `from` is kept as evidence, with when it
     * was replaced; with none on record, `to` is recorded. Returns the genesis on record afterwards.
     */
    moveGenesis(from: string, to: string): Effect.Effect<string, RepositoryError>
  }
>()("@tickettoken/minting-core/TreeRegistry") {}
