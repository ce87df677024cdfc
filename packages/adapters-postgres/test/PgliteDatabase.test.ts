/** The embedded database: persisted under its data directory, migrated at start, served on an ephemeral port. */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { MintRepository } from "@tickettoken/minting-core"
import { ContractFixtures as F } from "@tickettoken/minting-core/testing/contracts"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { Database } from "../src/Database.ts"
import * as Migrations from "../src/Migrations.ts"
import { layerClient, layerPglite, PgliteDatabase } from "../src/PgliteDatabase.ts"

const scratch = mkdtempSync(join(tmpdir(), "tt-pglite-"))
const dataDir = join(scratch, "pglite")
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe("layerPglite", () => {
  it.live(
    "keeps what was written across a stop and a start of the same data directory",
    () =>
      Effect.gen(function* () {
        const mint = F.mint()
        yield* Effect.gen(function* () {
          const pglite = yield* PgliteDatabase
          const database = yield* Database
          yield* database.ping
          assert.strictEqual(database.kind, "pglite")
          assert.isFalse(database.supportsListen)
          assert.strictEqual(pglite.host, "127.0.0.1")
          assert.isAbove(pglite.port, 0)
          assert.isTrue((yield* (yield* MintRepository).create(mint)).created)
        }).pipe(Effect.provide(layerPglite({ dataDir })))

        const stored = yield* Effect.flatMap(MintRepository, (repo) => repo.get(mint.id)).pipe(
          Effect.provide(layerPglite({ dataDir }))
        )
        assert.strictEqual(Option.getOrThrow(stored).ticketId, mint.ticketId)
      }),
    60_000
  )

  it.live(
    "a data directory of an earlier version (its tables in public) keeps its rows in the schema",
    () =>
      Effect.gen(function* () {
        const earlier = join(scratch, "earlier")
        // As an earlier version left it: every table and its migrations in public.
        yield* Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* Migrations.migrateIn("public")
          yield* sql`INSERT INTO public.collections (id, name, symbol, created_at) VALUES ('kept', 'Kept', 'K', now())`
        }).pipe(
          Effect.provide(layerClient.pipe(Layer.provideMerge(PgliteDatabase.layer({ dataDir: earlier }))))
        )
        const kept = yield* Effect.flatMap(
          SqlClient.SqlClient,
          (sql) =>
            sql<{ name: string; schema: string }>`
            SELECT name, (SELECT relnamespace::regnamespace::text FROM pg_class WHERE relname = 'collections') AS schema
            FROM collections WHERE id = 'kept'`
        ).pipe(Effect.provide(layerPglite({ dataDir: earlier })))
        assert.deepStrictEqual(
          [...kept].map((r) => ({ ...r })),
          [{ name: "Kept", schema: "minting" }]
        )
      }),
    60_000
  )

  // Issue 11, item 11: the database's files were created 0666 and an existing folder was left
  // as it was found.
  it.live(
    "keeps its folder 0700 and no file readable by others, tightening a folder it finds open",
    () =>
      Effect.gen(function* () {
        const open = join(scratch, "open")
        mkdirSync(open, { mode: 0o755 })
        chmodSync(open, 0o777)
        writeFileSync(join(open, "left-over"), "x", { mode: 0o666 })
        chmodSync(join(open, "left-over"), 0o666)
        yield* Effect.flatMap(Database, (database) => database.ping).pipe(
          Effect.provide(layerPglite({ dataDir: open }))
        )
        const loose: Array<string> = []
        const walk = (dir: string) => {
          for (const entry of readdirSync(dir, { withFileTypes: true })) {
            const path = join(dir, entry.name)
            if ((statSync(path).mode & 0o077) !== 0) loose.push(path)
            if (entry.isDirectory()) walk(path)
          }
        }
        walk(open)
        assert.strictEqual(statSync(open).mode & 0o777, 0o700)
        assert.deepStrictEqual(loose, [])
      }),
    60_000
  )
})
