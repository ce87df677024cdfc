/**
 * The mint queue under real concurrency on the real server: many connections claiming at once,
 * racing creates, a lease taken over, and a connection killed in the middle of a transaction.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Mint, MintRepository, Outbox, type RepositoryError, Transactor } from "@tickettoken/minting-core"
import { ContractFixtures as F } from "@tickettoken/minting-core/testing/contracts"
import { Effect, Exit, Option } from "effect"
import { SqlClient } from "effect/sql"
import { client, createDatabase, freshRepositories } from "./TestDatabase.ts"

const database = await createDatabase()
afterAll(() => database.drop())

const layer = freshRepositories(client(database.url, 12))

/** A statement on a connection of its own, outside whatever transaction the caller is in. */
const elsewhere = <A>(f: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  Effect.orDie(Effect.provide(Effect.flatMap(SqlClient.SqlClient, f), client(database.url, 1)))

describe("PostgresMintRepository under concurrency", () => {
  it.live(
    "8 concurrent claimers over 1,000 due mints: each claimed exactly once, none lost",
    () =>
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const sql = yield* SqlClient.SqlClient
        const mints = Array.from({ length: 1_000 }, (_, i) => F.mint({ nextAttemptAt: F.at(i % 97) }))
        yield* Effect.forEach(mints, (m) => repo.create(m), { concurrency: 10, discard: true })
        const claimer = (owner: string) =>
          Effect.gen(function* () {
            const mine: Array<Mint> = []
            while (true) {
              const batch = yield* repo.claim({ owner, now: F.at(100), leaseExpiresAt: F.at(400), limit: 10 })
              if (batch.length === 0) return mine
              mine.push(...batch)
            }
          })
        const results = yield* Effect.forEach(
          Array.from({ length: 8 }, (_, i) => `worker-${i}`),
          claimer,
          { concurrency: "unbounded" }
        )
        const claimed = results.flat()
        assert.strictEqual(claimed.length, 1_000)
        assert.strictEqual(new Set(claimed.map((m) => m.id)).size, 1_000)
        assert.isTrue(
          results.every((r) => r.length > 0),
          "every claimer got work"
        )
        const rows = yield* sql<{ id: string; lease_owner: string; version: number }>`
          SELECT id, lease_owner, version FROM mints WHERE status = 'minting'`
        assert.strictEqual(rows.length, 1_000)
        const owners = new Map(results.flatMap((r, i) => r.map((m) => [m.id, `worker-${i}`] as const)))
        for (const row of rows) {
          assert.strictEqual(row.lease_owner, owners.get(row.id))
          assert.strictEqual(row.version, 1)
        }
      }).pipe(Effect.provide(layer)),
    120_000
  )

  it.live("50 concurrent creates for one ticket leave one row", () =>
    Effect.gen(function* () {
      const repo = yield* MintRepository
      const sql = yield* SqlClient.SqlClient
      const ticketId = F.uniqueId("ticket")
      const results = yield* Effect.forEach(
        Array.from({ length: 50 }, () => F.mint({ ticketId })),
        (m) => repo.create(m),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(results.filter((r) => r.created).length, 1)
      assert.strictEqual(new Set(results.map((r) => r.mint.id)).size, 1)
      const [row] = yield* sql<{
        n: number
      }>`SELECT count(*)::int AS n FROM mints WHERE ticket_id = ${ticketId}`
      assert.strictEqual(row?.n, 1)
    }).pipe(Effect.provide(layer))
  )

  it.live("a lease taken over by a second worker: the first worker's save is refused", () =>
    Effect.gen(function* () {
      const repo = yield* MintRepository
      yield* repo.create(F.mint())
      const [first] = yield* repo.claim({ owner: "first", now: F.at(0), leaseExpiresAt: F.at(30), limit: 1 })
      const [second] = yield* repo.claim({
        owner: "second",
        now: F.at(45),
        leaseExpiresAt: F.at(75),
        limit: 1
      })
      assert.strictEqual(second?.id, first?.id)
      // Both write at once; only the holder of the current version can win.
      const [late, current] = yield* Effect.all(
        [
          Effect.flip(repo.save(new Mint({ ...first!, transaction: F.signedTransaction() }), first!.version)),
          repo.save(new Mint({ ...second!, transaction: F.signedTransaction() }), second!.version)
        ],
        { concurrency: 2 }
      )
      assert.strictEqual(late.reason._tag, "StaleVersion")
      assert.strictEqual(current.lease?.owner, "second")
      const stored = Option.getOrThrow(yield* repo.get(first!.id))
      assert.strictEqual(stored.transaction?.signature, current.transaction?.signature)
    }).pipe(Effect.provide(layer))
  )
})

describe("a connection lost mid-transaction", () => {
  it.live("leaves nothing half-written, fails as retryable, and the next call succeeds", () =>
    Effect.gen(function* () {
      const repo = yield* MintRepository
      const outbox = yield* Outbox
      const tx = yield* Transactor
      const sql = yield* SqlClient.SqlClient
      const doomed = F.mint()
      const exit = yield* Effect.exit(
        tx.withTransaction(
          Effect.gen(function* () {
            yield* repo.create(doomed)
            yield* outbox.append(F.outboxEvent(F.at(1)))
            const [me] = yield* sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`
            yield* elsewhere((admin) => admin`SELECT pg_terminate_backend(${me!.pid})`)
            yield* repo.create(F.mint())
          })
        )
      )
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? Exit.findErrorOption(exit).pipe(Option.getOrUndefined) : undefined
      assert.isDefined(error, `expected a typed failure, got ${exit}`)
      const repositoryError = error as RepositoryError
      assert.strictEqual(repositoryError.reason._tag, "Unavailable")
      assert.isTrue(repositoryError.retryable)

      const survivor = F.mint()
      assert.isTrue((yield* repo.create(survivor)).created)
      assert.isTrue(Option.isNone(yield* repo.get(doomed.id)))
      assert.strictEqual((yield* outbox.unsent(10)).length, 0)
      const counts = yield* repo.countByStatus()
      assert.strictEqual(counts.pending, 1)
    }).pipe(Effect.provide(layer))
  )
})
