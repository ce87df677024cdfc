import { Effect, Layer, Option } from "effect"
import { Collection } from "../Collection.ts"
import { CollectionRepository } from "../ports/CollectionRepository.ts"
import { ConstraintViolated, notFound, RepositoryError } from "../RepositoryError.ts"
import { InMemoryStore } from "./InMemoryStore.ts"

const violated = (constraint: string, message: string) =>
  new RepositoryError({ reason: new ConstraintViolated({ constraint, message }) })

export const make = Effect.gen(function* () {
  const store = yield* InMemoryStore

  const update = (id: string, f: (c: Collection) => Effect.Effect<Collection, RepositoryError>) =>
    store.use((s) => {
      const current = s.collections.get(id)
      if (current === undefined) return Effect.fail(notFound("collection", id))
      return Effect.tap(f(current), (next) => Effect.sync(() => s.collections.set(id, next)))
    })

  return CollectionRepository.of({
    create: Effect.fn("InMemoryCollectionRepository.create")((collection: Collection) =>
      store.use((s) => {
        if (s.collections.has(collection.id)) {
          return Effect.fail(violated("collections_pkey", `collection ${collection.id} exists`))
        }
        s.collections.set(collection.id, collection)
        return Effect.succeed(collection)
      })
    ),
    get: Effect.fn("InMemoryCollectionRepository.get")((id: string) =>
      store.use((s) => Effect.succeed(Option.fromNullishOr(s.collections.get(id))))
    ),
    list: Effect.fn("InMemoryCollectionRepository.list")(() =>
      store.use((s) =>
        Effect.succeed([...s.collections.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
      )
    ),
    reserve: Effect.fn("InMemoryCollectionRepository.reserve")((id: string) =>
      update(id, (c) =>
        c.maxSupply !== null && c.currentSupply >= c.maxSupply
          ? Effect.fail(violated("max_supply", `collection ${id} holds its maximum of ${c.maxSupply}`))
          : Effect.succeed(new Collection({ ...c, currentSupply: c.currentSupply + 1 }))
      )
    ),
    release: Effect.fn("InMemoryCollectionRepository.release")((id: string) =>
      Effect.asVoid(
        update(id, (c) =>
          Effect.succeed(new Collection({ ...c, currentSupply: Math.max(0, c.currentSupply - 1) }))
        )
      )
    ),
    setCollectionMint: Effect.fn("InMemoryCollectionRepository.setCollectionMint")(
      (id: string, collectionMint: string) =>
        Effect.asVoid(update(id, (c) => Effect.succeed(new Collection({ ...c, collectionMint }))))
    )
  })
})

export const layer: Layer.Layer<CollectionRepository, never, InMemoryStore> = Layer.effect(
  CollectionRepository,
  make
)
