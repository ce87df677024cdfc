/**
 * A fresh PostgreSQL database per test file on the real server (trust auth on this machine),
 * dropped afterwards. Without the server the tests fail loudly, never pass silently.
 */
import { PgClient } from "@effect/sql-pg"
import * as Postgres from "@tickettoken/minting-postgres"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"

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
  /** DATABASE_URL for a child process. */
  readonly urlText: string
  readonly drop: () => Promise<void>
}

export const createDatabase = async (): Promise<TestDatabase> => {
  const name = `reconciler_${globalThis.crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`
  try {
    await admin(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE DATABASE ${sql(name)}`))
  } catch (cause) {
    throw new Error(
      `PostgreSQL is needed at ${new URL(serverUrl).host} for these tests and could not be used: ${String(cause)}`
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

/** Empties every table, so each case starts from nothing. */
export const truncateAll = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql.unsafe(`TRUNCATE ${Postgres.Migrations.tables.join(", ")} RESTART IDENTITY CASCADE`)
)
