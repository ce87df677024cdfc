/**
 * The service deploys into the platform's database: every table of ours in its own schema
 * (DB_SCHEMA), the old service's tables of the same names untouched, the platform's tickets
 * updated where they are.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import { TicketLedger } from "@tickettoken/minting-core"
import { DateTime, Effect, type Redacted } from "effect"
import { SqlClient } from "effect/sql"
import * as Migrations from "../src/Migrations.ts"
import * as PostgresDatabase from "../src/PostgresDatabase.ts"
import { LegacySeed } from "../src/testing/index.ts"
import { client, createDatabase, execute } from "./TestDatabase.ts"

const ticketId = "7a1c0d2e-3f40-4b5c-8d6e-7f8091a2b3c4"

const platform = await createDatabase()
const upgraded = await createDatabase()
afterAll(() => Promise.all([platform.drop(), upgraded.drop()]))

await execute(
  platform.url,
  ...LegacySeed.ddl,
  `INSERT INTO public.tickets (id, ticket_number, status) VALUES ('${ticketId}', 'TKT-1', 'SOLD')`,
  `INSERT INTO public.nft_mints (ticket_id, transaction_signature, mint_address, status) VALUES ('${ticketId}', 'sig-old', 'addr-old', 'completed')`,
  `INSERT INTO public.mints (ticket_id, status, blockchain) VALUES ('${ticketId}', 'completed', 'solana')`,
  `INSERT INTO public.collections (name, symbol, contract_address, blockchain, max_supply, current_supply) VALUES ('Old', 'OLD', 'coll-old', 'solana', 10, 3)`,
  `INSERT INTO public.nfts (token_id, contract_address, owner_address, blockchain) VALUES ('tok', 'coll-old', 'owner-old', 'solana')`,
  `INSERT INTO public.reconciliation_reports (report_data, db_to_chain_count, chain_to_db_count, mismatch_count, success_count) VALUES ('{}', 0, 0, 0, 1)`
)

const inspect = (sql: SqlClient.SqlClient) =>
  Effect.gen(function* () {
    const fingerprint = yield* sql.unsafe<{ table: string; rows: number; digest: string }>(
      LegacySeed.fingerprintQuery
    )
    const columns = yield* sql.unsafe<{ column: string }>(LegacySeed.columnsQuery)
    return { fingerprint, columns: columns.map((c) => c.column) }
  })

const tablesIn = (sql: SqlClient.SqlClient, schema: string) =>
  sql<{ name: string }>`SELECT tablename AS name FROM pg_tables WHERE schemaname = ${schema} ORDER BY 1`.pipe(
    Effect.map((rows) => rows.map((r) => r.name))
  )

const raw = (url: Redacted.Redacted) => client(url, 1)

describe("the service's own schema", () => {
  it.live("migrates into DB_SCHEMA beside the old service's tables and leaves them untouched", () =>
    Effect.gen(function* () {
      const before = yield* Effect.flatMap(SqlClient.SqlClient, inspect).pipe(
        Effect.provide(raw(platform.url))
      )
      assert.strictEqual(before.fingerprint.length, LegacySeed.tables.length)

      const service = PostgresDatabase.layer({ url: platform.url, maxConnections: 2, schema: "minting" })
      // Started twice: the second start finds everything applied.
      yield* Effect.provide(Effect.void, service)
      yield* Effect.gen(function* () {
        const ledger = yield* TicketLedger
        assert.isTrue(
          yield* ledger.markMinted(ticketId, "asset-new", DateTime.makeUnsafe("2026-03-01T00:00:00Z"))
        )
        const sql = yield* SqlClient.SqlClient
        const [where] = yield* sql<{ schema: string }>`SELECT current_schema() AS schema`
        assert.strictEqual(where?.schema, "minting")
      }).pipe(Effect.provide(service))

      yield* Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const ours = yield* tablesIn(sql, "minting")
        assert.includeMembers(ours, [...Migrations.tables, Migrations.migrationsTable])
        assert.sameMembers(yield* tablesIn(sql, "public"), [
          "collections",
          "mints",
          "nft_mints",
          "nfts",
          "reconciliation_reports",
          "tickets"
        ])
        const after = yield* inspect(sql)
        assert.deepStrictEqual(after.columns, before.columns)
        // Only the tickets row changed, and only its mint columns.
        assert.deepStrictEqual(
          after.fingerprint.filter((f) => f.table !== "public.tickets"),
          before.fingerprint.filter((f) => f.table !== "public.tickets")
        )
        const [ticket] = yield* sql<{ mint_address: string; blockchain_status: string; status: string }>`
          SELECT mint_address, blockchain_status, status FROM public.tickets`
        assert.deepStrictEqual(
          { ...ticket },
          { mint_address: "asset-new", blockchain_status: "minted", status: "SOLD" }
        )
        const [applied] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM minting.minting_migrations`
        assert.strictEqual(applied?.n, Object.keys(Migrations.migrations).length)
      }).pipe(Effect.provide(raw(platform.url)))
    })
  )

  it.live("moves the tables of an earlier version out of public into the schema, rows and all", () =>
    Effect.gen(function* () {
      // The earlier version migrated into public.
      yield* Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql.unsafe(`SET search_path TO public`)
        yield* sql.withTransaction(
          Effect.gen(function* () {
            yield* sql.unsafe("SET LOCAL search_path TO public")
            yield* Migrations.migrateIn("public")
            yield* sql.unsafe(
              `INSERT INTO public.collections (id, name, symbol, created_at) VALUES ('c1', 'Kept', 'K', now())`
            )
          })
        )
      }).pipe(Effect.provide(raw(upgraded.url)))
      yield* Effect.provide(Effect.void, PostgresDatabase.layer({ url: upgraded.url, maxConnections: 2 }))
      yield* Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        assert.deepStrictEqual(yield* tablesIn(sql, "public"), [])
        const [kept] = yield* sql<{ name: string }>`SELECT name FROM minting.collections`
        assert.strictEqual(kept?.name, "Kept")
      }).pipe(Effect.provide(raw(upgraded.url)))
    })
  )

  it.effect("refuses a schema name that is not a plain identifier", () =>
    Effect.sync(() => {
      assert.isUndefined(Migrations.checkSchema("minting_2"))
      assert.match(Migrations.checkSchema("minting; DROP TABLE x") ?? "", /DB_SCHEMA/)
    })
  )
})
