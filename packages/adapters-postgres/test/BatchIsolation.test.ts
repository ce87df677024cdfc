/**
 * Issue 11, item 2: requests that arrive together are written by one multi-row statement, and a
 * row the database refuses must fail only its own request. Here a NUL (which PostgreSQL refuses
 * in text and JSON) is slipped past the domain's checks on purpose, as a stand-in for any row
 * the database could refuse, alongside valid requests that share its statement.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Mint, MintRepository, MintRequest, NonceStore } from "@tickettoken/minting-core"
import { ContractFixtures as F } from "@tickettoken/minting-core/testing/contracts"
import { Effect, Exit } from "effect"
import { SqlClient } from "effect/sql"
import { client, createDatabase, freshRepositories } from "./TestDatabase.ts"

const database = await createDatabase()
afterAll(() => database.drop())

const layer = freshRepositories(client(database.url, 4))

/** A mint the database will refuse: its stored request carries a NUL. */
const poisoned = (): Mint => {
  const good = F.mint()
  const request = new MintRequest({ ...good.request, orderId: "o\u0000" }, { disableChecks: true })
  return new Mint({ ...good, request }, { disableChecks: true })
}

describe("multi-row statements isolate a refused row", () => {
  it.live(
    "40 valid creates and 1 refused one, together: the 40 are written, only the bad one fails",
    () =>
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const sql = yield* SqlClient.SqlClient
        for (let round = 0; round < 5; round++) {
          const good = Array.from({ length: 40 }, () => F.mint())
          const bad = poisoned()
          const all = [...good.slice(0, 20), bad, ...good.slice(20)]
          const exits = yield* Effect.forEach(all, (m) => Effect.exit(repo.create(m)), {
            concurrency: "unbounded"
          })
          exits.forEach((exit, i) => {
            if (all[i] === bad) assert.isTrue(Exit.isFailure(exit), "the refused row fails")
            else assert.isTrue(Exit.isSuccess(exit) && exit.value.created, `valid create ${i} succeeds`)
          })
          const ids = good.map((m) => m.id)
          const stored = yield* sql<{
            n: number
          }>`SELECT count(*)::int AS n FROM mints WHERE id IN ${sql.in(ids)}`
          assert.strictEqual(stored[0]!.n, 40)
          const none = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM mints WHERE id = ${bad.id}`
          assert.strictEqual(none[0]!.n, 0)
        }
      }).pipe(Effect.provide(layer)),
    60_000
  )

  it.live(
    "20 valid nonces and 1 refused one, together: the 20 are fresh, only the bad one fails",
    () =>
      Effect.gen(function* () {
        const nonces = yield* NonceStore
        const now = F.at(0)
        const expires = F.at(600)
        const good = Array.from({ length: 20 }, () => F.uniqueId("nonce"))
        const all = [...good.slice(0, 10), "bad\u0000nonce", ...good.slice(10)]
        const exits = yield* Effect.forEach(all, (n) => Effect.exit(nonces.remember(n, expires, now)), {
          concurrency: "unbounded"
        })
        exits.forEach((exit, i) => {
          if (all[i]!.includes("\u0000")) assert.isTrue(Exit.isFailure(exit))
          else assert.deepStrictEqual(exit, Exit.succeed(true), `nonce ${i} is fresh`)
        })
        // Each nonce was remembered exactly once: a second use is refused.
        const again = yield* Effect.forEach(good, (n) => nonces.remember(n, expires, now), {
          concurrency: "unbounded"
        })
        assert.deepStrictEqual(
          again,
          good.map(() => false)
        )
      }).pipe(Effect.provide(layer)),
    60_000
  )
})
