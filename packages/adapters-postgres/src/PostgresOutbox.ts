import { Outbox, OutboxEvent, type OutboxTopic } from "@tickettoken/minting-core"
import { type DateTime, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import * as Batching from "./Batching.ts"
import * as R from "./Rows.ts"
import { orRepositoryError } from "./SqlErrors.ts"

const eventValues = (event: OutboxEvent) => ({
  id: event.id,
  topic: event.topic,
  key: event.key,
  payload: JSON.stringify(event.payload),
  created_at: R.toDate(event.createdAt),
  sent_at: R.toDateOrNull(event.sentAt)
})

const toEvent = (row: R.Row) =>
  new OutboxEvent({
    id: R.text(row, "id"),
    topic: R.text(row, "topic") as OutboxTopic,
    key: R.text(row, "key"),
    payload: R.json(row, "payload") as Record<string, unknown>,
    createdAt: R.time(row, "created_at"),
    sentAt: R.timeOrNull(row, "sent_at")
  })

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // The event id is the broker's message id: a retried append changes nothing.
  const appendAll = Effect.fn("PostgresOutbox.appendAll")(
    (events: ReadonlyArray<OutboxEvent>) => Batching.insertNew(sql, "outbox", "id", events.map(eventValues)),
    orRepositoryError
  )
  return Outbox.of({
    append: (event: OutboxEvent) => appendAll([event]),
    appendAll,
    unsent: Effect.fn("PostgresOutbox.unsent")(
      (limit: number) =>
        Effect.map(
          sql<R.Row>`SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY created_at, seq LIMIT ${Math.max(0, limit)}`,
          (rows) => rows.map(toEvent)
        ),
      orRepositoryError
    ),
    markSent: Effect.fn("PostgresOutbox.markSent")(
      (ids: ReadonlyArray<string>, at: DateTime.Utc) =>
        ids.length === 0
          ? Effect.void
          : Effect.asVoid(
              sql`UPDATE outbox SET sent_at = ${R.toDate(at)} WHERE id IN ${sql.in(ids)} AND sent_at IS NULL`
            ),
      orRepositoryError
    ),
    list: Effect.fn("PostgresOutbox.list")(
      (options: { readonly limit: number }) =>
        Effect.map(
          sql<R.Row>`SELECT * FROM outbox ORDER BY created_at DESC, seq DESC LIMIT ${Math.max(0, options.limit)}`,
          (rows) => rows.map(toEvent)
        ),
      orRepositoryError
    )
  })
})

export const layer: Layer.Layer<Outbox, never, SqlClient.SqlClient> = Layer.effect(Outbox, make)
