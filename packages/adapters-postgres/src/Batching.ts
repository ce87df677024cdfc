/**
 * Statements many requests can share. Under load, intake makes two small writes per request
 * (the nonce, the mint); each costs more in protocol round trip and per-statement work than in
 * rows written. Requests that arrive within a millisecond of each other are written by one
 * statement of many rows. Inside a transaction the caller's own connection must be used, so
 * there the single-row statement runs instead.
 *
 * A shared statement must not make requests fail each other: when it fails, each request is
 * run again on its own (`isolate`), so a row the database refuses fails only its own request.
 */
import { RepositoryError } from "@tickettoken/minting-core"
import { Cause, Effect, Exit, Option, type Request } from "effect"
import type { SqlClient } from "effect/sql"

/** How long a batch waits for company, and how large it may grow. */
export const window = "1 millis"
export const maxBatch = 256

/** True when the calling fiber is inside a transaction of this client. */
export const inTransaction = (sql: SqlClient.SqlClient) =>
  Effect.map(Effect.serviceOption(sql.transactionService), Option.isSome)

/** Rows of a batch, which is never empty, as the multi-row insert helper wants them. */
export const rows = <A>(values: ReadonlyArray<A>): readonly [A, ...Array<A>] =>
  values as readonly [A, ...Array<A>]

/**
 * Rows written by one statement, a row already there under `key` left as it was (a write
 * retried after a lost answer adds nothing). No rows, no statement.
 */
export const insertNew = (
  sql: SqlClient.SqlClient,
  table: string,
  key: string,
  values: ReadonlyArray<Record<string, unknown>>
) =>
  values.length === 0
    ? Effect.void
    : Effect.asVoid(
        sql`INSERT INTO ${sql(table)} ${sql.insert(rows(values))} ON CONFLICT (${sql(key)}) DO NOTHING`
      )

/** Fails every request of a batch whose statement failed. */
export const failAll =
  <A extends Request.Any>(entries: ReadonlyArray<Request.Entry<A>>) =>
  (cause: Cause.Cause<Request.Error<A>>) =>
    Effect.sync(() => {
      for (const entry of entries) entry.completeUnsafe(Exit.failCause(cause))
    })

/** The database is away: every row would fail the same way, so trying them one by one is no use. */
const sharedFailure = (cause: Cause.Cause<unknown>): boolean =>
  cause.reasons.some(
    (reason) =>
      Cause.isFailReason(reason) &&
      reason.error instanceof RepositoryError &&
      reason.error.reason._tag === "Unavailable"
  )

/**
 * When a batch's shared statement failed: a batch of one, or an outage, fails as it is; any
 * other failure (a row the database refused, a defect) runs each request alone with `one`,
 * completing each with its own outcome. The shared statement wrote nothing (one statement is
 * atomic), so running a request again cannot write it twice; `one` must still tolerate finding
 * its own row (when the statement that failed came after the write).
 */
export const isolate =
  <A extends Request.Any>(
    entries: ReadonlyArray<Request.Entry<A>>,
    one: (request: A) => Effect.Effect<Request.Success<A>, Request.Error<A>>
  ) =>
  (cause: Cause.Cause<Request.Error<A>>) =>
    entries.length <= 1 || sharedFailure(cause) || Cause.hasInterrupts(cause)
      ? failAll(entries)(cause)
      : Effect.forEach(
          entries,
          (entry) => Effect.map(Effect.exit(one(entry.request)), (exit) => entry.completeUnsafe(exit)),
          { discard: true }
        )
