/**
 * The LeaderLock contract on advisory locks: against the real server, where a second pool is a
 * second replica (its own sessions), and against PGlite, which serves every connection from one
 * session, so only holders in one process can be told apart there (PGlite admits one process).
 */
import { afterAll } from "@effect/vitest"
import { LeaderLockContract } from "@tickettoken/minting-core/testing/contracts"
import { Layer } from "effect"
import * as PostgresLeaderLock from "../src/PostgresLeaderLock.ts"
import { client, createDatabase, startPglite } from "./TestDatabase.ts"

const database = await createDatabase()
const pglite = await startPglite()
afterAll(async () => {
  await database.drop()
  await pglite.stop()
})

// Two connections: one held by the lock, one for a second name taken meanwhile.
LeaderLockContract.suite(
  "postgresql",
  PostgresLeaderLock.layer.pipe(Layer.provide(client(database.url, 2))),
  {
    replica: PostgresLeaderLock.layer.pipe(Layer.provide(client(database.url, 2)))
  }
)
LeaderLockContract.suite("pglite", PostgresLeaderLock.layer.pipe(Layer.provide(client(pglite.url, 2))), {
  noReplica: "PGlite serves every connection from one session, and admits one process anyway"
})
