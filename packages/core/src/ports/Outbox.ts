import { Context, type DateTime, type Effect } from "effect"
import type { OutboxEvent } from "../OutboxEvent.ts"
import type { RepositoryError } from "../RepositoryError.ts"

/** Events written with the change they report (inside its transaction) and relayed afterwards. */
export class Outbox extends Context.Service<
  Outbox,
  {
    append(event: OutboxEvent): Effect.Effect<void, RepositoryError>
    /** append for many at once (one statement where the store allows). */
    appendAll(events: ReadonlyArray<OutboxEvent>): Effect.Effect<void, RepositoryError>
    /** Unsent events, oldest first. */
    unsent(limit: number): Effect.Effect<ReadonlyArray<OutboxEvent>, RepositoryError>
    /** Marked only after the broker confirmed them. */
    markSent(ids: ReadonlyArray<string>, at: DateTime.Utc): Effect.Effect<void, RepositoryError>
    /** Newest first, sent or not, for reading. */
    list(options: { readonly limit: number }): Effect.Effect<ReadonlyArray<OutboxEvent>, RepositoryError>
  }
>()("@tickettoken/minting-core/Outbox") {}
