import { Context, type Effect } from "effect"
import type { RepositoryError } from "../RepositoryError.ts"

/**
 * Runs several repository writes as one: all of them or none. Completion writes the mint,
 * its attempt, the outbox event, the tree count and the platform's ticket row this way.
 */
export class Transactor extends Context.Service<
  Transactor,
  {
    withTransaction<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | RepositoryError, R>
  }
>()("@tickettoken/minting-core/Transactor") {}
