import { Effect, Layer, Option } from "effect"
import { MetadataStore } from "../ports/MetadataStore.ts"
import type { MetadataDocument } from "../TicketMetadata.ts"
import { InMemoryStore } from "./InMemoryStore.ts"

export const make = Effect.gen(function* () {
  const store = yield* InMemoryStore
  return MetadataStore.of({
    put: Effect.fn("InMemoryMetadataStore.put")((ticketId: string, document: MetadataDocument) =>
      store.use((s) => Effect.sync(() => void s.metadata.set(ticketId, document)))
    ),
    get: Effect.fn("InMemoryMetadataStore.get")((ticketId: string) =>
      store.use((s) => Effect.succeed(Option.fromNullishOr(s.metadata.get(ticketId))))
    )
  })
})

export const layer: Layer.Layer<MetadataStore, never, InMemoryStore> = Layer.effect(MetadataStore, make)
