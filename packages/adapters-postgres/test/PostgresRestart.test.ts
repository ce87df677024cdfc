/**
 * PostgreSQL restarted while the repositories are in use: calls fail with a retryable error
 * while it is down and succeed once it is back; nothing acknowledged is lost. It takes the
 * server down, so this package runs its test files one at a time (vitest.config.ts).
 */
import { execFile } from "node:child_process"
import { readdirSync } from "node:fs"
import { promisify } from "node:util"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { MintRepository, RepositoryError } from "@tickettoken/minting-core"
import { ContractFixtures as F } from "@tickettoken/minting-core/testing"
import { Effect, Fiber, Option } from "effect"
import { client, createDatabase, freshRepositories } from "./TestDatabase.ts"

const database = await createDatabase()
afterAll(() => database.drop())

const version = readdirSync("/etc/postgresql")[0]
const restart = () =>
  promisify(execFile)("pg_ctlcluster", ["--skip-systemctl-redirect", String(version), "main", "restart"], {
    timeout: 60_000
  })

const layer = freshRepositories(client(database.url, 4))

describe("PostgreSQL restarted while in use", () => {
  it.live(
    "calls fail retryably during the restart, succeed afterwards, and no acknowledged row is lost",
    () =>
      Effect.gen(function* () {
        assert.isDefined(version, "no cluster under /etc/postgresql")
        const repo = yield* MintRepository
        const before = Array.from({ length: 50 }, () => F.mint())
        for (const m of before) yield* repo.create(m)

        const acknowledged: Array<string> = []
        const failures: Array<unknown> = []
        let successesAfterRestart = 0
        let restarted = false
        const restarting = yield* Effect.forkChild(
          Effect.promise(restart).pipe(Effect.ensuring(Effect.sync(() => (restarted = true))))
        )
        // Keep working through the restart, the way a worker would, until the server is back.
        while (!restarted || successesAfterRestart < 3) {
          const m = F.mint()
          const outcome = yield* Effect.result(Effect.andThen(repo.create(m), repo.countByStatus()))
          if (outcome._tag === "Success") {
            acknowledged.push(m.id)
            if (restarted) successesAfterRestart++
          } else {
            failures.push(outcome.failure)
          }
          yield* Effect.sleep("50 millis")
          if (failures.length > 2_000) break
        }
        yield* Fiber.join(restarting)

        assert.isAbove(failures.length, 0, "the restart was never noticed")
        for (const failure of failures) {
          assert.instanceOf(failure, RepositoryError)
          assert.isTrue((failure as RepositoryError).retryable, `not retryable: ${String(failure)}`)
        }
        for (const id of [...before.map((m) => m.id), ...acknowledged]) {
          assert.isTrue(Option.isSome(yield* repo.get(id)), `mint ${id} was lost`)
        }
      }).pipe(Effect.provide(layer)),
    120_000
  )
})
