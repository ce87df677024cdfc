/**
 * A fresh database per test file on a real PostgreSQL server (TEST_DATABASE_URL, else this
 * machine's trust-auth server), dropped afterwards. Without the server the tests fail loudly,
 * never pass silently.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import * as Migrations from "../Migrations.ts"

export const serverUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"

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
  /** The same URL as text, for a child process's DATABASE_URL. */
  readonly urlText: string
  /** Drops the database, closing whatever is still connected. */
  readonly drop: () => Promise<void>
}

/** CREATE DATABASE <prefix>_<random>. */
export const create = async (prefix = "test"): Promise<TestDatabase> => {
  const name = `${prefix}_${globalThis.crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`
  try {
    await admin(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE DATABASE ${sql(name)}`
        // Every client of the test finds the service's tables (in their schema) by their plain
        // names, and the platform's tables a test creates (tickets, the old service's) in public.
        yield* sql.unsafe(`ALTER DATABASE ${name} SET search_path TO ${Migrations.defaultSchema}, public`)
      })
    )
  } catch (cause) {
    throw new Error(
      `PostgreSQL is needed at ${new URL(serverUrl).host} for these tests and could not be used ` +
        `(start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start): ${String(cause)}`
    )
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    name,
    url: Redacted.make(url.toString()),
    urlText: url.toString(),
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
