import { Effect, Layer } from "effect"
import { Transactor } from "../ports/Transactor.ts"
import { InMemoryStore } from "./InMemoryStore.ts"

export const make = Effect.gen(function* () {
  const store = yield* InMemoryStore
  return Transactor.of({ withTransaction: store.transaction })
})

export const layer: Layer.Layer<Transactor, never, InMemoryStore> = Layer.effect(Transactor, make)
