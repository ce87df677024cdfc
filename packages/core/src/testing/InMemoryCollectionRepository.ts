import { Effect, Layer, Option } from "effect"
import { Collection, type CollectionChanges, type CollectionCreation } from "../Collection.ts"
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
        Effect.asVoid(
          store.use((s) => {
            const current = s.collections.get(id)
            if (current === undefined) return Effect.fail(notFound("collection", id))
            s.collectionCreations.delete(id)
            s.collections.set(id, new Collection({ ...current, collectionMint }))
            return Effect.void
          })
        )
    ),
    update: Effect.fn("InMemoryCollectionRepository.update")((id: string, changes: CollectionChanges) =>
      update(id, (c) => {
        const maxSupply = changes.maxSupply === undefined ? c.maxSupply : changes.maxSupply
        if (maxSupply !== null && maxSupply < c.currentSupply) {
          return Effect.fail(
            violated("max_supply", `collection ${id} already holds ${c.currentSupply}, over ${maxSupply}`)
          )
        }
        return Effect.succeed(
          new Collection({
            ...c,
            maxSupply,
            ...(changes.metadata === undefined ? {} : { metadata: changes.metadata })
          })
        )
      })
    ),
    recordCreation: Effect.fn("InMemoryCollectionRepository.recordCreation")(
      (id: string, creation: CollectionCreation, replaces: string | null) =>
        store.use((s) => {
          const collection = s.collections.get(id)
          if (collection === undefined) return Effect.fail(notFound("collection", id))
          const stored = s.collectionCreations.get(id)?.signature ?? null
          if (collection.collectionMint !== null || stored !== replaces) return Effect.succeed(false)
          s.collectionCreations.set(id, creation)
          return Effect.succeed(true)
        })
    ),
    creation: Effect.fn("InMemoryCollectionRepository.creation")((id: string) =>
      store.use((s) =>
        Effect.succeed(
          s.collections.get(id)?.collectionMint === null
            ? Option.fromNullishOr(s.collectionCreations.get(id))
            : Option.none<CollectionCreation>()
        )
      )
    ),
    treeCount: Effect.fn("InMemoryCollectionRepository.treeCount")((id: string) =>
      store.use((s) => {
        const trees = new Set<string>()
        for (const mint of s.mints.values()) {
          if (mint.request.collectionId === id && mint.status === "completed" && mint.asset !== null)
            trees.add(mint.asset.tree)
        }
        return Effect.succeed(trees.size)
      })
    )
  })
})

export const layer: Layer.Layer<CollectionRepository, never, InMemoryStore> = Layer.effect(
  CollectionRepository,
  make
)
