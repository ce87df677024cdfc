/** The embedded database: persisted under its data directory, migrated at start, served on an ephemeral port. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { MintRepository } from "@tickettoken/minting-core"
import { ContractFixtures as F } from "@tickettoken/minting-core/testing/contracts"
import { Effect, Option } from "effect"
import { Database } from "../src/Database.ts"
import { layerPglite, PgliteDatabase } from "../src/PgliteDatabase.ts"

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
})
