/** What every NonceStore must do; each case runs on a fresh build of the layer. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { NonceStore } from "../../ports/NonceStore.ts"
import type { RepositoryError } from "../../RepositoryError.ts"
import * as F from "./Fixtures.ts"

export const suite = <E>(name: string, layer: Layer.Layer<NonceStore, E>) =>
  describe(`NonceStore contract: ${name}`, () => {
    const test = (title: string, body: Effect.Effect<void, E | RepositoryError, NonceStore>) =>
      it.live(title, () => Effect.provide(body, layer), 30_000)

    test(
      "a nonce is accepted once; a replay is refused until it expires",
      Effect.gen(function* () {
        const nonces = yield* NonceStore
        const nonce = F.uniqueId("nonce")
        assert.isTrue(yield* nonces.remember(nonce, F.at(300), F.at(0)))
        assert.isFalse(yield* nonces.remember(nonce, F.at(300), F.at(1)))
        assert.isFalse(yield* nonces.remember(nonce, F.at(900), F.at(299)))
        assert.isTrue(yield* nonces.remember(F.uniqueId("nonce"), F.at(300), F.at(1)))
        assert.isTrue(yield* nonces.remember(nonce, F.at(600), F.at(300)))
        assert.isFalse(yield* nonces.remember(nonce, F.at(600), F.at(301)))
      })
    )

    test(
      "concurrent uses of one nonce: exactly one is accepted",
      Effect.gen(function* () {
        const nonces = yield* NonceStore
        const nonce = F.uniqueId("nonce")
        const accepted = yield* Effect.forEach(
          Array.from({ length: 16 }, () => nonce),
          (n) => nonces.remember(n, F.at(300), F.at(0)),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(accepted.filter((a) => a).length, 1)
      })
    )
  })
