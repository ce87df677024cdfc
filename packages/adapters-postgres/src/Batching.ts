/**
 * Statements many requests can share. Under load, intake makes two small writes per request
 * (the nonce, the mint); each costs more in protocol round trip and per-statement work than in
 * rows written. Requests that arrive within a millisecond of each other are written by one
 * statement of many rows. Inside a transaction the caller's own connection must be used, so
 * there the single-row statement runs instead.
 */
import { type Cause, Effect, Exit, Option, type Request } from "effect"
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

/** Fails every request of a batch whose statement failed. */
export const failAll =
  <A extends Request.Any>(entries: ReadonlyArray<Request.Entry<A>>) =>
  (cause: Cause.Cause<Request.Error<A>>) =>
    Effect.sync(() => {
      for (const entry of entries) entry.completeUnsafe(Exit.failCause(cause))
    })
