import {
  Collection,
  CollectionRepository,
  ConstraintViolated,
  notFound,
  RepositoryError
} from "@tickettoken/minting-core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import * as R from "./Rows.ts"
import { orRepositoryError } from "./SqlErrors.ts"

const toCollection = (row: R.Row) =>
  new Collection({
    id: R.text(row, "id"),
    name: R.text(row, "name"),
    symbol: R.text(row, "symbol"),
    collectionMint: R.textOrNull(row, "collection_mint"),
    maxSupply: R.intOrNull(row, "max_supply"),
    currentSupply: R.int(row, "current_supply"),
    createdAt: R.time(row, "created_at")
  })

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const exists = (id: string) =>
    Effect.map(sql`SELECT 1 FROM collections WHERE id = ${id}`, (rows) => rows.length > 0)

  return CollectionRepository.of({
    create: Effect.fn("PostgresCollectionRepository.create")(function* (collection: Collection) {
      const rows = yield* sql<R.Row>`
        INSERT INTO collections ${sql.insert({
          id: collection.id,
          name: collection.name,
          symbol: collection.symbol,
          collection_mint: collection.collectionMint,
          max_supply: collection.maxSupply,
          current_supply: collection.currentSupply,
          created_at: R.toDate(collection.createdAt)
        })}
        RETURNING *`
      return toCollection(rows[0]!)
    }, orRepositoryError),
    get: Effect.fn("PostgresCollectionRepository.get")(
      (id: string) =>
        Effect.map(sql<R.Row>`SELECT * FROM collections WHERE id = ${id}`, (rows) =>
          Option.map(Option.fromNullishOr(rows[0]), toCollection)
        ),
      orRepositoryError
    ),
    list: Effect.fn("PostgresCollectionRepository.list")(
      () => Effect.map(sql<R.Row>`SELECT * FROM collections ORDER BY id`, (rows) => rows.map(toCollection)),
      orRepositoryError
    ),
    // One conditional UPDATE: the row lock serialises concurrent reserves, and the condition is
    // re-checked on the row each one finally sees, so the supply can never be passed.
    reserve: Effect.fn("PostgresCollectionRepository.reserve")(function* (id: string) {
      const rows = yield* sql<R.Row>`
        UPDATE collections SET current_supply = current_supply + 1, updated_at = now()
        WHERE id = ${id} AND (max_supply IS NULL OR current_supply < max_supply)
        RETURNING *`
      const row = rows[0]
      if (row !== undefined) return toCollection(row)
      if (!(yield* exists(id))) return yield* Effect.fail(notFound("collection", id))
      return yield* Effect.fail(
        new RepositoryError({
          reason: new ConstraintViolated({
            constraint: "max_supply",
            message: `collection ${id} is at its max supply`
          })
        })
      )
    }, orRepositoryError),
    release: Effect.fn("PostgresCollectionRepository.release")(function* (id: string) {
      const rows = yield* sql`
        UPDATE collections SET current_supply = GREATEST(current_supply - 1, 0), updated_at = now()
        WHERE id = ${id} RETURNING id`
      if (rows.length === 0) return yield* Effect.fail(notFound("collection", id))
    }, orRepositoryError),
    setCollectionMint: Effect.fn("PostgresCollectionRepository.setCollectionMint")(function* (
      id: string,
      collectionMint: string
    ) {
      const rows = yield* sql`
        UPDATE collections SET collection_mint = ${collectionMint}, updated_at = now()
        WHERE id = ${id} RETURNING id`
      if (rows.length === 0) return yield* Effect.fail(notFound("collection", id))
    }, orRepositoryError)
  })
})

export const layer: Layer.Layer<CollectionRepository, never, SqlClient.SqlClient> = Layer.effect(
  CollectionRepository,
  make
)
