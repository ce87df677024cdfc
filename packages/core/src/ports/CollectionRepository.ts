import { Context, type Effect, type Option } from "effect"
import type { Collection, CollectionChanges, CollectionCreation } from "../Collection.ts"
import type { RepositoryError } from "../RepositoryError.ts"

export class CollectionRepository extends Context.Service<
  CollectionRepository,
  {
    create(collection: Collection): Effect.Effect<Collection, RepositoryError>
    get(id: string): Effect.Effect<Option.Option<Collection>, RepositoryError>
    list(): Effect.Effect<ReadonlyArray<Collection>, RepositoryError>
    /**
     * Counts one more ticket against the collection's supply, atomically. Refused with
     * `ConstraintViolated("max_supply")` when the collection is full, `NotFound` when absent.
     */
    reserve(id: string): Effect.Effect<Collection, RepositoryError>
    /** Gives a reserved place back (the mint failed for good). Never goes below zero. */
    release(id: string): Effect.Effect<void, RepositoryError>
    /** Records the landed collection NFT; the stored creation bytes are dropped (its signature stays). */
    setCollectionMint(id: string, collectionMint: string): Effect.Effect<void, RepositoryError>
    /**
     * Changes the max supply and/or the metadata, atomically against reserves: a max supply
     * below the current supply is refused with `ConstraintViolated("max_supply")`.
     */
    update(id: string, changes: CollectionChanges): Effect.Effect<Collection, RepositoryError>
    /** Stores the signed creation transaction before it is sent (replacing an expired one). */
    recordCreation(id: string, creation: CollectionCreation): Effect.Effect<void, RepositoryError>
    /** The creation transaction stored for a collection whose NFT has not been recorded yet. */
    creation(id: string): Effect.Effect<Option.Option<CollectionCreation>, RepositoryError>
    /** How many trees hold completed mints of the collection. */
    treeCount(id: string): Effect.Effect<number, RepositoryError>
  }
>()("@tickettoken/minting-core/CollectionRepository") {}
