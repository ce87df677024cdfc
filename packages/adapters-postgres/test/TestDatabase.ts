/**
 * Databases for tests: a fresh PostgreSQL database per test file on the real server (dropped
 * afterwards), or an in-memory PGlite. Tests that need the server fail loudly without it.
 */
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Exit, Layer, Redacted, Scope } from "effect"
import { SqlClient } from "effect/sql"
import * as Migrations from "../src/Migrations.ts"
import { PgliteDatabase } from "../src/PgliteDatabase.ts"
import * as Repositories from "../src/Repositories.ts"

/** The server tests run against: TEST_DATABASE_URL, else this machine's trust-auth server. */
export const serverUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"

const withUrl = (database: string) => {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}

const admin = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.runPromise(
    effect.pipe(
      Effect.provide(
        PgClient.layer({ url: Redacted.make(serverUrl), maxConnections: 1, connectTimeout: "3 seconds" })
      )
    )
  )

export interface TestDatabase {
  readonly name: string
  readonly url: Redacted.Redacted
  readonly drop: () => Promise<void>
}

/** CREATE DATABASE test_<random>; `drop` removes it (closing whatever is still connected). */
export const createDatabase = async (): Promise<TestDatabase> => {
  const name = `test_${globalThis.crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`
  try {
    await admin(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE DATABASE ${sql(name)}`))
  } catch (cause) {
    throw new Error(
      `PostgreSQL is needed at ${new URL(serverUrl).host} for these tests and could not be used ` +
        `(start it: pg_ctlcluster --skip-systemctl-redirect 15 main start): ${String(cause)}`
    )
  }
  return {
    name,
    url: Redacted.make(withUrl(name)),
    drop: () =>
      admin(
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql`DROP DATABASE IF EXISTS ${sql(name)} WITH (FORCE)`)
      ).then(() => undefined)
  }
}

/** Empties every table of ours, so each case starts from nothing. */
export const truncateAll = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql.unsafe(`TRUNCATE ${Migrations.tables.join(", ")} RESTART IDENTITY CASCADE`)
)

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
