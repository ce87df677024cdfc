import { Context, type Effect, type Option } from "effect"
import type { Collection } from "../Collection.ts"
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
    setCollectionMint(id: string, collectionMint: string): Effect.Effect<void, RepositoryError>
  }
>()("@tickettoken/minting-core/CollectionRepository") {}
