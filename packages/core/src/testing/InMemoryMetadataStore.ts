import { Effect, Layer, Option } from "effect"
import { MetadataStore } from "../ports/MetadataStore.ts"
import { document, type MetadataDocument } from "../TicketMetadata.ts"
import { InMemoryStore } from "./InMemoryStore.ts"

export const make = Effect.gen(function* () {
  const store = yield* InMemoryStore
  return MetadataStore.of({
    put: Effect.fn("InMemoryMetadataStore.put")((ticketId: string, document: MetadataDocument) =>
      store.use((s) => Effect.sync(() => void s.metadata.set(ticketId, document)))
    ),
    get: Effect.fn("InMemoryMetadataStore.get")((ticketId: string) =>
      store.use((s) =>
        Effect.sync(() => {
          const stored = s.metadata.get(ticketId)
          if (stored !== undefined) return Option.some(stored)
          const mint = [...s.mints.values()].find((m) => m.ticketId === ticketId)
          return mint === undefined ? Option.none() : Option.some(document(mint.request, mint.createdAt))
        })
      )
    )
  })
})

export const layer: Layer.Layer<MetadataStore, never, InMemoryStore> = Layer.effect(MetadataStore, make)
