/**
 * The one error of every repository port. The reason says what went wrong and whether
 * trying again can help; adapters map their driver's errors onto it (for SQL: connection
 * loss and timeouts are Unavailable, deadlocks and serialization failures Contention).
 */
import { Schema } from "effect"

/** The store cannot be reached now (connection lost, restarting, timed out). Retryable. */
export class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", {
  message: Schema.String
}) {}

/** Lost a race inside the store (deadlock, serialization failure). Retryable. */
export class Contention extends Schema.TaggedError<Contention>()("Contention", { message: Schema.String }) {}

/**
 * The record changed since it was read: another worker took the lease over, or the
 * reconciler repaired it. The write was refused; reread before doing anything else.
 */
export class StaleVersion extends Schema.TaggedError<StaleVersion>()("StaleVersion", {
  id: Schema.String,
  expectedVersion: Schema.Int
}) {}

export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  entity: Schema.String,
  id: Schema.String
}) {}

/** A rule of the data refused the write (a unique key, a check). Not retryable as it is. */
export class ConstraintViolated extends Schema.TaggedError<ConstraintViolated>()("ConstraintViolated", {
  constraint: Schema.String,
  message: Schema.String
}) {}

export const RepositoryErrorReason = Schema.Union([
  Unavailable,
  Contention,
  StaleVersion,
  NotFound,
  ConstraintViolated
])
export type RepositoryErrorReason = typeof RepositoryErrorReason.Type

export class RepositoryError extends Schema.TaggedError<RepositoryError>()("RepositoryError", {
  reason: RepositoryErrorReason
}) {
  get retryable(): boolean {
    return this.reason._tag === "Unavailable" || this.reason._tag === "Contention"
  }
  override get message(): string {
    const r = this.reason
    switch (r._tag) {
      case "StaleVersion":
        return `${r.id} changed since version ${r.expectedVersion}`
      case "NotFound":
        return `${r.entity} ${r.id} not found`
      default:
        return r.message
    }
  }
}

export const unavailable = (message: string) => new RepositoryError({ reason: new Unavailable({ message }) })
export const notFound = (entity: string, id: string) =>
  new RepositoryError({ reason: new NotFound({ entity, id }) })
export const staleVersion = (id: string, expectedVersion: number) =>
  new RepositoryError({ reason: new StaleVersion({ id, expectedVersion }) })
