import { DateTime, Effect, Layer } from "effect"
import { NonceStore } from "../ports/NonceStore.ts"
import { InMemoryStore } from "./InMemoryStore.ts"

export const make = Effect.gen(function* () {
  const store = yield* InMemoryStore
  return NonceStore.of({
    remember: Effect.fn("InMemoryNonceStore.remember")(
      (nonce: string, expiresAt: DateTime.Utc, now: DateTime.Utc) =>
        store.use((s) =>
          Effect.sync(() => {
            for (const [seen, until] of s.nonces) {
              if (DateTime.isLessThanOrEqualTo(until, now)) s.nonces.delete(seen)
            }
            if (s.nonces.has(nonce)) return false
            s.nonces.set(nonce, expiresAt)
            return true
          })
        )
    )
  })
})

export const layer: Layer.Layer<NonceStore, never, InMemoryStore> = Layer.effect(NonceStore, make)
