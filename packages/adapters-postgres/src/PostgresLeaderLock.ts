/**
 * LeaderLock on PostgreSQL's session-level advisory locks: `pg_try_advisory_lock` never waits,
 * and the server lets go of a session's locks when the session ends, so a replica that dies
 * holding one frees it with its connection.
 *
 * Advisory locks belong to a session, so the lock is taken, held and released on ONE connection
 * reserved from the pool for the whole duration: through the pool, the unlock could run on
 * another session and fail, leaving the lock held. The work itself uses the rest of the pool,
 * which therefore needs at least two connections.
 *
 * A session may take its own advisory lock twice, and PGlite serves every connection from one
 * session, so holders in this process are also kept apart here, before the database is asked.
 * If the lock's connection drops mid-work, the server frees the lock and another replica may
 * start; the work learns of it only at the unlock, which then reports the lock lost.
 */
import { LeaderLock } from "@tickettoken/minting-core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import type { Connection } from "effect/sql/SqlConnection"
import { orRepositoryError } from "./SqlErrors.ts"

/** Advisory locks are keyed by a bigint: the lock's name, hashed (64-bit FNV-1a) and namespaced. */
export const lockKey = (name: string): string => {
  let hash = 0xcbf29ce484222325n
  for (const byte of new TextEncoder().encode(`tickettoken-minting:${name}`)) {
    hash ^= BigInt(byte)
    hash = BigInt.asUintN(64, hash * 0x100000001b3n)
  }
  return BigInt.asIntN(64, hash).toString()
}

const booleanOf = (rows: ReadonlyArray<Record<string, unknown>>, column: string) => rows[0]?.[column] === true

const tryLock = (connection: Connection, key: string) =>
  Effect.map(
    connection.execute("SELECT pg_try_advisory_lock($1::bigint) AS locked", [key], undefined),
    (rows) => booleanOf(rows, "locked")
  )

const unlock = (connection: Connection, name: string, key: string) =>
  connection.execute("SELECT pg_advisory_unlock($1::bigint) AS unlocked", [key], undefined).pipe(
    Effect.flatMap((rows) =>
      booleanOf(rows, "unlocked")
        ? Effect.void
        : Effect.logWarning("leader lock was already gone at release: its session was lost mid-work", {
            lock: name
          })
    ),
    // A failed unlock means a broken connection: the pool discards it and the server ends the
    // session, which frees the lock.
    Effect.catch((error) =>
      Effect.logWarning("leader lock release failed", { lock: name, error: error.message })
    )
  )

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const heldHere = new Set<string>()

  const withLock = <A, E, R>(name: string, effect: Effect.Effect<A, E, R>) => {
    const key = lockKey(name)
    const onSession = Effect.gen(function* () {
      const connection = yield* orRepositoryError(sql.reserve)
      const locked = yield* Effect.acquireRelease(orRepositoryError(tryLock(connection, key)), (locked) =>
        locked ? unlock(connection, name, key) : Effect.void
      )
      if (!locked) return Option.none<A>()
      return Option.some(yield* effect)
    }).pipe(Effect.scoped)
    // Check-and-take is one synchronous step, so no fiber of this process can slip in between.
    return Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        if (heldHere.has(name)) return Effect.succeed(Option.none<A>())
        heldHere.add(name)
        return restore(onSession).pipe(Effect.ensuring(Effect.sync(() => heldHere.delete(name))))
      })
    ).pipe(Effect.withSpan("PostgresLeaderLock.withLock", { attributes: { name } }))
  }

  return LeaderLock.of({ withLock })
})

/** The lock on the pool of the SqlClient in context (which must hold two connections or more). */
export const layer: Layer.Layer<LeaderLock, never, SqlClient.SqlClient> = Layer.effect(LeaderLock, make)
