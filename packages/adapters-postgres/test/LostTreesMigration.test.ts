/**
 * Migration 0006 on a database an earlier version left at 0005, on PostgreSQL and on PGlite: the
 * trees and the genesis on record are kept, `lost` becomes a tree status, and the genesis a
 * recovery replaces is kept in chain_identity_history.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import { TreeRegistry } from "@tickettoken/minting-core"
import { Effect, type Layer, Option } from "effect"
import { Migrator, SqlClient } from "effect/sql"
import * as Migrations from "../src/Migrations.ts"
import * as PostgresTreeRegistry from "../src/PostgresTreeRegistry.ts"
import { client, createDatabase, startPglite } from "./TestDatabase.ts"

const database = await createDatabase()
const pglite = await startPglite()
afterAll(() => Promise.all([database.drop(), pglite.stop()]))

const upTo0005 = Object.fromEntries(
  Object.entries(Migrations.migrations).filter(([name]) => name < "0006")
) as Record<string, (typeof Migrations.migrations)[keyof typeof Migrations.migrations]>

const inSchema = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        yield* sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${Migrations.defaultSchema}`)
        yield* sql.unsafe(`SET LOCAL search_path TO ${Migrations.defaultSchema}`)
        return yield* self
      })
    )
  })

const upgrade = <E>(layer: Layer.Layer<SqlClient.SqlClient, E>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // As the previous version left it: migrated to 0005, a tree and the genesis on record.
    yield* inSchema(
      Migrator.make({})({ loader: Migrator.fromRecord(upTo0005), table: Migrations.migrationsTable })
    )
    yield* sql.unsafe(`SET search_path TO ${Migrations.defaultSchema}`)
    yield* sql`INSERT INTO trees (address, max_depth, max_buffer_size, canopy_depth, capacity, minted, status, created_at)
      VALUES ('old-tree', 14, 64, 0, 16384, 3, 'active', now())`
    yield* sql`INSERT INTO chain_identity (genesis_hash) VALUES ('genesis-old')`
    const refused = yield* Effect.flip(sql`UPDATE trees SET status = 'lost' WHERE address = 'old-tree'`)
    assert.strictEqual(refused.reason._tag, "ConstraintError", "0005 knows no lost tree")

    const ran = yield* Migrations.migrate
    assert.deepStrictEqual(
      ran.map(([, name]) => name),
      ["lost_trees"]
    )
    yield* Effect.gen(function* () {
      const registry = yield* TreeRegistry
      assert.strictEqual(Option.getOrThrow(yield* registry.get("old-tree")).minted, 3)
      assert.strictEqual(Option.getOrThrow(yield* registry.genesis), "genesis-old")
      yield* registry.markLost("old-tree")
      assert.strictEqual(Option.getOrThrow(yield* registry.get("old-tree")).status, "lost")
      assert.strictEqual(yield* registry.moveGenesis("genesis-old", "genesis-new"), "genesis-new")
    }).pipe(Effect.provide(PostgresTreeRegistry.layer))
    const [lostAt] = yield* sql<{ set: boolean }>`SELECT lost_at IS NOT NULL AS set FROM trees`
    assert.isTrue(lostAt?.set, "when it was declared lost is kept")
    const history = yield* sql<{ genesis_hash: string }>`SELECT genesis_hash FROM chain_identity_history`
    assert.deepStrictEqual(
      history.map((r) => r.genesis_hash),
      ["genesis-old"]
    )
  }).pipe(Effect.provide(layer))

describe("migration 0006 (lost trees) on a database at 0005", () => {
  it.live("PostgreSQL", () => upgrade(client(database.url, 1)), 60_000)
  it.live("PGlite", () => upgrade(client(pglite.url, 1)), 60_000)
})
