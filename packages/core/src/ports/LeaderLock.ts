import { Context, type Effect, type Option } from "effect"
import type { RepositoryError } from "../RepositoryError.ts"

/**
 * Leadership for work only one replica may do at a time, such as a reconciliation pass. The
 * lock is tried, never waited for: a replica that cannot take it skips its turn instead of
 * queueing behind the leader, and the lock is let go however the work ends (success, failure,
 * defect or interruption). It is not re-entrant: taking a name this holder already holds
 * answers None.
 */
export class LeaderLock extends Context.Service<
  LeaderLock,
  {
    /** Runs `effect` only if the lock `name` could be taken: Some(result), or None when it is held elsewhere. */
    withLock<A, E, R>(
      name: string,
      effect: Effect.Effect<A, E, R>
    ): Effect.Effect<Option.Option<A>, E | RepositoryError, R>
  }
>()("@tickettoken/minting-core/LeaderLock") {}
