/**
 * Databases for tests: a fresh PostgreSQL database per test file on the real server (dropped
 * afterwards), or an in-memory PGlite. Tests that need the server fail loudly without it.
 */
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Exit, Layer, type Redacted, Scope } from "effect"
import { SqlClient } from "effect/sql"
import * as Migrations from "../src/Migrations.ts"
import { PgliteDatabase } from "../src/PgliteDatabase.ts"
import * as Repositories from "../src/Repositories.ts"
import { TestDatabase as SharedTestDatabase } from "../src/testing/index.ts"

export const { serverUrl, truncateAll } = SharedTestDatabase
export type TestDatabase = SharedTestDatabase.TestDatabase

/** CREATE DATABASE test_<random>; `drop` removes it (closing whatever is still connected). */
export const createDatabase = () => SharedTestDatabase.create("test")

export const client = (url: Redacted.Redacted, maxConnections: number) =>
  PgClient.layer({ url, maxConnections, connectTimeout: "5 seconds" })

/**
 * The repositories on a client, migrated and emptied: what each contract case is built on.
 * Building it opens its own pool, so cases share nothing but the database.
 */
export const freshRepositories = <E>(
  clientLayer: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, E>
) => {
  const migrated = Migrations.layer.pipe(Layer.provideMerge(clientLayer))
  const emptied = Layer.effectDiscard(truncateAll).pipe(Layer.provideMerge(migrated))
  return Repositories.layer.pipe(Layer.provideMerge(emptied))
}

/** An in-memory PGlite served on an ephemeral port, for a whole test file. */
export const startPglite = async () => {
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(PgliteDatabase.layer(), scope))
  const pglite = Context.get(context, PgliteDatabase)
  return { url: pglite.url, stop: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/** Runs statements on a database through a connection of their own. */
export const execute = (url: Redacted.Redacted, ...statements: ReadonlyArray<string>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      for (const statement of statements) yield* sql.unsafe(statement)
    }).pipe(Effect.provide(client(url, 1)))
  )
