/**
 * PostgreSQL going down and coming back while the repositories are in use: the transaction in
 * flight fails retryably with nothing half-written, calls fail retryably while the server is
 * down, succeed once it is back, and nothing acknowledged is lost. It runs on a server of its
 * own (DisposableServer), so the shared one other test files use is never disturbed.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import { MintRepository, RepositoryError, Transactor } from "@tickettoken/minting-core"
import { ContractFixtures as F } from "@tickettoken/minting-core/testing/contracts"
import { Effect, Fiber, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import * as DisposableServer from "../src/testing/DisposableServer.ts"
import { client, freshRepositories } from "./TestDatabase.ts"

const server = await DisposableServer.make()
afterAll(() => server.dispose())

const layer = freshRepositories(client(Redacted.make(server.url), 4))

const isRetryable = (failure: unknown) => failure instanceof RepositoryError && failure.retryable

describe("PostgreSQL stopped and started while in use", () => {
  it.live(
    "fails retryably while down, succeeds afterwards, loses nothing acknowledged, half-writes nothing",
    () =>
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const tx = yield* Transactor
        const sql = yield* SqlClient.SqlClient
        const before = Array.from({ length: 50 }, () => F.mint())
        for (const m of before) yield* repo.create(m)

        // A transaction still running on the server when it goes down.
        const doomed = F.mint()
        const inFlight = yield* Effect.forkChild(
          Effect.result(tx.withTransaction(Effect.andThen(repo.create(doomed), sql`SELECT pg_sleep(30)`)))
        )
        yield* Effect.sleep("300 millis")
        server.stop()

        const interrupted = yield* Fiber.join(inFlight)
        assert.strictEqual(interrupted._tag, "Failure")
        if (interrupted._tag === "Failure") {
          assert.isTrue(isRetryable(interrupted.failure), `not retryable: ${String(interrupted.failure)}`)
        }

        const whileDown = yield* Effect.forEach([1, 2, 3], () => Effect.result(repo.create(F.mint())))
        for (const outcome of whileDown) {
          assert.strictEqual(outcome._tag, "Failure")
          if (outcome._tag === "Failure") assert.isTrue(isRetryable(outcome.failure), String(outcome.failure))
        }

        server.start()
        const acknowledged: Array<string> = []
        for (let tries = 0; acknowledged.length < 5 && tries < 200; tries++) {
          const m = F.mint()
          const outcome = yield* Effect.result(repo.create(m))
          if (outcome._tag === "Success") acknowledged.push(m.id)
          else {
            assert.isTrue(isRetryable(outcome.failure), String(outcome.failure))
            yield* Effect.sleep("50 millis")
          }
        }
        assert.strictEqual(acknowledged.length, 5, "the repositories never came back")

        for (const id of [...before.map((m) => m.id), ...acknowledged]) {
          assert.isTrue(Option.isSome(yield* repo.get(id)), `mint ${id} was lost`)
        }
        assert.isTrue(Option.isNone(yield* repo.get(doomed.id)), "a rolled-back mint was written")
      }).pipe(Effect.provide(layer)),
    120_000
  )
})
