import { type DateTime, Effect, Layer } from "effect"
import { OutboxEvent } from "../OutboxEvent.ts"
import { Outbox } from "../ports/Outbox.ts"
import { InMemoryStore } from "./InMemoryStore.ts"

export const make = Effect.gen(function* () {
  const store = yield* InMemoryStore
  return Outbox.of({
    // An event id is the broker's message id: appending it again (a retried write) changes nothing.
    append: Effect.fn("InMemoryOutbox.append")((event: OutboxEvent) =>
      store.use((s) => Effect.sync(() => void (s.outbox.has(event.id) || s.outbox.set(event.id, event))))
    ),
    appendAll: Effect.fn("InMemoryOutbox.appendAll")((events: ReadonlyArray<OutboxEvent>) =>
      store.use((s) =>
        Effect.sync(() => {
          for (const event of events) if (!s.outbox.has(event.id)) s.outbox.set(event.id, event)
        })
      )
    ),
    unsent: Effect.fn("InMemoryOutbox.unsent")((limit: number) =>
      store.use((s) =>
        Effect.succeed([...s.outbox.values()].filter((e) => e.sentAt === null).slice(0, Math.max(0, limit)))
      )
    ),
    markSent: Effect.fn("InMemoryOutbox.markSent")((ids: ReadonlyArray<string>, at: DateTime.Utc) =>
      store.use((s) =>
        Effect.sync(() => {
          for (const id of ids) {
            const event = s.outbox.get(id)
            if (event !== undefined && event.sentAt === null) {
              s.outbox.set(id, new OutboxEvent({ ...event, sentAt: at }))
            }
          }
        })
      )
    ),
    list: Effect.fn("InMemoryOutbox.list")((options: { readonly limit: number }) =>
      store.use((s) => Effect.succeed([...s.outbox.values()].reverse().slice(0, Math.max(0, options.limit))))
    )
  })
})

export const layer: Layer.Layer<Outbox, never, InMemoryStore> = Layer.effect(Outbox, make)
