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
    /**
     * Stores the signed creation transaction before it is sent, only if the one stored is still
     * `replaces` (its signature; null: none stored yet) and no collection mint is recorded: false
     * when another creation got there first (its transaction is then the one to send). So
     * concurrent creations of one collection never send two different transactions.
     */
    recordCreation(
      id: string,
      creation: CollectionCreation,
      replaces: string | null
    ): Effect.Effect<boolean, RepositoryError>
    /** The creation transaction stored for a collection whose NFT has not been recorded yet. */
    creation(id: string): Effect.Effect<Option.Option<CollectionCreation>, RepositoryError>
    /** How many trees hold completed mints of the collection. */
    treeCount(id: string): Effect.Effect<number, RepositoryError>
  }
>()("@tickettoken/minting-core/CollectionRepository") {}
