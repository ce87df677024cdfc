import {
  Collection,
  type CollectionChanges,
  CollectionCreation,
  CollectionMetadata,
  CollectionRepository,
  ConstraintViolated,
  notFound,
  RepositoryError
} from "@tickettoken/minting-core"
import { Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import * as R from "./Rows.ts"
import { orRepositoryError } from "./SqlErrors.ts"

const decodeMetadata = Schema.decodeUnknownSync(CollectionMetadata)

const toCollection = (row: R.Row) => {
  const uri = R.textOrNull(row, "uri")
  const fee = R.intOrNull(row, "seller_fee_basis_points")
  const metadata = row.metadata === null || row.metadata === undefined ? null : R.json(row, "metadata")
  return new Collection({
    id: R.text(row, "id"),
    name: R.text(row, "name"),
    symbol: R.text(row, "symbol"),
    collectionMint: R.textOrNull(row, "collection_mint"),
    maxSupply: R.intOrNull(row, "max_supply"),
    currentSupply: R.int(row, "current_supply"),
    createdAt: R.time(row, "created_at"),
    ...(uri === null ? {} : { uri }),
    ...(fee === null ? {} : { sellerFeeBasisPoints: fee }),
    ...(metadata === null ? {} : { metadata: decodeMetadata(metadata) })
  })
}

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
          created_at: R.toDate(collection.createdAt),
          uri: collection.uri ?? null,
          seller_fee_basis_points: collection.sellerFeeBasisPoints ?? null,
          metadata: collection.metadata === undefined ? null : JSON.stringify(collection.metadata)
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
        UPDATE collections SET collection_mint = ${collectionMint}, creation_wire = NULL, updated_at = now()
        WHERE id = ${id} RETURNING id`
      if (rows.length === 0) return yield* Effect.fail(notFound("collection", id))
    }, orRepositoryError),
    // One statement: the supply check and the change see the same row, so a reserve racing
    // this update can never leave the supply above the new maximum (the CHECK backs it).
    update: Effect.fn("PostgresCollectionRepository.update")(function* (
      id: string,
      changes: CollectionChanges
    ) {
      const setMax = changes.maxSupply !== undefined
      const max = changes.maxSupply ?? null
      const metadata = changes.metadata === undefined ? null : JSON.stringify(changes.metadata)
      const rows = yield* sql<R.Row>`
        UPDATE collections SET
          max_supply = CASE WHEN ${setMax} THEN ${max}::integer ELSE max_supply END,
          metadata = COALESCE(${metadata}::jsonb, metadata),
          updated_at = now()
        WHERE id = ${id} AND (NOT ${setMax} OR ${max}::integer IS NULL OR current_supply <= ${max}::integer)
        RETURNING *`
      const row = rows[0]
      if (row !== undefined) return toCollection(row)
      const current = yield* sql<R.Row>`SELECT current_supply FROM collections WHERE id = ${id}`
      if (current[0] === undefined) return yield* Effect.fail(notFound("collection", id))
      return yield* Effect.fail(
        new RepositoryError({
          reason: new ConstraintViolated({
            constraint: "max_supply",
            message: `collection ${id} already holds ${R.int(current[0], "current_supply")}, over ${max}`
          })
        })
      )
    }, orRepositoryError),
    recordCreation: Effect.fn("PostgresCollectionRepository.recordCreation")(function* (
      id: string,
      creation: CollectionCreation,
      replaces: string | null
    ) {
      // Compare-and-set on the stored signature: of two creations racing, one stores its bytes
      // and the other learns it lost (and sends the winner's instead of its own).
      const rows = yield* sql`
        UPDATE collections SET
          creation_mint = ${creation.mint},
          creation_signature = ${creation.signature},
          creation_wire = ${creation.wire},
          creation_last_valid_block_height = ${creation.lastValidBlockHeight},
          creation_signed_at = ${R.toDate(creation.signedAt)},
          updated_at = now()
        WHERE id = ${id} AND collection_mint IS NULL
          AND creation_signature IS NOT DISTINCT FROM ${replaces}
        RETURNING id`
      if (rows.length > 0) return true
      if (!(yield* exists(id))) return yield* Effect.fail(notFound("collection", id))
      return false
    }, orRepositoryError),
    creation: Effect.fn("PostgresCollectionRepository.creation")(
      (id: string) =>
        Effect.map(
          sql<R.Row>`
            SELECT * FROM collections
            WHERE id = ${id} AND collection_mint IS NULL AND creation_wire IS NOT NULL`,
          (rows) =>
            Option.map(
              Option.fromNullishOr(rows[0]),
              (row) =>
                new CollectionCreation({
                  mint: R.text(row, "creation_mint"),
                  signature: R.text(row, "creation_signature"),
                  wire: R.bytes(row, "creation_wire"),
                  lastValidBlockHeight: R.int(row, "creation_last_valid_block_height"),
                  signedAt: R.time(row, "creation_signed_at")
                })
            )
        ),
      orRepositoryError
    ),
    treeCount: Effect.fn("PostgresCollectionRepository.treeCount")(
      (id: string) =>
        Effect.map(
          sql<R.Row>`
            SELECT count(DISTINCT asset_tree)::int AS trees FROM mints
            WHERE collection_id = ${id} AND status = 'completed' AND asset_tree IS NOT NULL`,
          (rows) => R.int(rows[0]!, "trees")
        ),
      orRepositoryError
    )
  })
})

export const layer: Layer.Layer<CollectionRepository, never, SqlClient.SqlClient> = Layer.effect(
  CollectionRepository,
  make
)
