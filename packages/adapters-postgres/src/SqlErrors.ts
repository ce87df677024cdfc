/**
 * How the driver's failures become the ports' one error. Connection loss, restarts and timeouts
 * are `Unavailable` and races are `Contention` (both retryable); unique and check violations are
 * `ConstraintViolated`. SQL the service itself got wrong (syntax, permissions) is a defect: no
 * caller could handle it. Messages carry PostgreSQL's own text, never connection settings.
 */
import { ConstraintViolated, Contention, RepositoryError, Unavailable } from "@tickettoken/minting-core"
import { Cause, Effect } from "effect"
import type { SqlClient } from "effect/sql"
import { isSqlError, type SqlError } from "effect/sql/SqlError"

interface PgErrorFields {
  readonly code?: string | undefined
  readonly constraint?: string | undefined
  readonly message?: string | undefined
}

/** PostgreSQL's own fields; a socket error's `code` (ECONNRESET, ...) is no SQLSTATE and is dropped. */
const fieldsOf = (error: SqlError): PgErrorFields => {
  const cause = error.reason.cause
  if (typeof cause !== "object" || cause === null) return {}
  const fields = cause as PgErrorFields
  const code = typeof fields.code === "string" && /^[0-9A-Z]{5}$/.test(fields.code) ? fields.code : undefined
  return { code, constraint: fields.constraint, message: fields.message }
}

const socketErrno = (error: SqlError): boolean => {
  const cause = error.reason.cause as { readonly code?: unknown } | null | undefined
  return typeof cause?.code === "string" && /^E[A-Z]+$/.test(cause.code)
}

/** SQLSTATE classes that mean "the server is going away or not there yet": retry later. */
const unavailableCode = (code: string | undefined) =>
  code !== undefined &&
  (code.startsWith("08") || // connection exception
    code.startsWith("57P") || // admin/crash shutdown, cannot connect now
    code.startsWith("53") || // insufficient resources (too many connections, out of memory)
    code.startsWith("58") || // system error (I/O)
    code === "57014") // statement timeout

const contentionCode = (code: string | undefined) =>
  code !== undefined && (code.startsWith("40") || code === "55P03" || code === "25P02")

const describe = (error: SqlError, fields: PgErrorFields) =>
  fields.message === undefined || fields.message.length === 0
    ? error.message
    : fields.code === undefined
      ? fields.message
      : `${fields.message} (SQLSTATE ${fields.code})`

const unavailable = (message: string) => new RepositoryError({ reason: new Unavailable({ message }) })

export const fromSqlError = (error: SqlError): RepositoryError | "defect" => {
  const fields = fieldsOf(error)
  const message = describe(error, fields)
  switch (error.reason._tag) {
    case "ConnectionError":
    case "StatementTimeoutError":
      return unavailable(message)
    case "DeadlockError":
    case "SerializationError":
    case "LockTimeoutError":
      return new RepositoryError({ reason: new Contention({ message }) })
    case "UniqueViolation":
      return new RepositoryError({
        reason: new ConstraintViolated({ constraint: error.reason.constraint, message })
      })
    case "ConstraintError":
      return new RepositoryError({
        reason: new ConstraintViolated({ constraint: fields.constraint ?? "unknown", message })
      })
    case "AuthenticationError":
      return unavailable(message)
    case "SqlSyntaxError":
    case "AuthorizationError":
      return "defect"
    case "UnknownError": {
      if (unavailableCode(fields.code)) return unavailable(message)
      if (contentionCode(fields.code)) return new RepositoryError({ reason: new Contention({ message }) })
      // A socket error (ECONNRESET, EPIPE, ...): the connection broke under us mid-query.
      if (socketErrno(error)) return unavailable(message)
      return "defect"
    }
  }
}

/** Maps every SqlError of `self` onto RepositoryError (or a defect for the service's own bugs). */
export const orRepositoryError = <A, E, R>(
  self: Effect.Effect<A, E | SqlError, R>
): Effect.Effect<A, Exclude<E, SqlError> | RepositoryError, R> =>
  Effect.catchIf(
    self,
    (e): e is SqlError => isSqlError(e),
    (error) => {
      const mapped = fromSqlError(error)
      return mapped === "defect" ? Effect.die(error) : Effect.fail(mapped)
    }
  ) as Effect.Effect<A, Exclude<E, SqlError> | RepositoryError, R>

const isConnectionLoss = (defect: unknown): boolean => {
  if (isSqlError(defect)) {
    const mapped = fromSqlError(defect)
    return mapped !== "defect" && mapped.reason._tag === "Unavailable"
  }
  return defect instanceof RepositoryError && defect.reason._tag === "Unavailable"
}

/**
 * When the connection drops inside a transaction, the ROLLBACK fails too and the driver reports
 * the outcome as defects. PostgreSQL rolls back an uncommitted transaction with its session, so
 * nothing is half-written, and the caller should see a retryable Unavailable, not a crash. (Lost
 * during COMMIT itself, the outcome is unknown; a retry finds out, fenced by versions and keys.)
 */
const lostConnectionIsUnavailable = <A, E, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, E | RepositoryError, R> =>
  Effect.catchCause(self, (cause): Effect.Effect<never, E | RepositoryError> => {
    const defects = cause.reasons.filter(Cause.isDieReason).map((reason) => reason.defect)
    if (defects.length === 0 || !defects.every(isConnectionLoss) || Cause.hasInterrupts(cause)) {
      return Effect.failCause(cause)
    }
    const first = defects[0]
    const message = first instanceof Error ? first.message : "the connection was lost mid-transaction"
    return Effect.fail(
      new RepositoryError({
        reason: new Unavailable({ message: `connection lost during a transaction: ${message}` })
      })
    )
  })

/** `sql.withTransaction` with the ports' error: all or nothing, a lost connection retryable. */
export const transaction = <A, E, R>(
  sql: SqlClient.SqlClient,
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, SqlError> | RepositoryError, R> =>
  lostConnectionIsUnavailable(orRepositoryError(sql.withTransaction(self)))
