import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Layer, Redacted } from "effect"
import { Digest, Mac, SecureRandom } from "effect/crypto"
import { TestClock } from "effect/testing"
import { InternalAuth } from "../src/client/index.ts"

const crypto = Layer.mergeAll(
  Digest.layerWebCrypto,
  Mac.layerWebCrypto.pipe(Layer.provide(SecureRandom.layerWebCrypto))
)
const secret = Redacted.make("s3cret-one")
const rotated = Redacted.make("s3cret-two")
const body = new TextEncoder().encode('{"ticketId":"t-1"}')

const signedRequest = (
  overrides: { body?: Uint8Array; secret?: Redacted.Redacted<string>; at?: DateTime.Utc } = {}
) =>
  Effect.gen(function* () {
    const now = overrides.at ?? (yield* DateTime.now)
    const headers = yield* InternalAuth.sign(
      overrides.secret ?? secret,
      { method: "POST", path: "/v1/mints", body },
      { nonce: "nonce-12345678", at: now }
    )
    return {
      method: "POST",
      path: "/v1/mints",
      body: overrides.body ?? body,
      header: (name: string) => headers[name]
    }
  })

const failure = (
  secrets: ReadonlyArray<Redacted.Redacted<string>>,
  request: Parameters<typeof InternalAuth.verify>[1]
) => Effect.map(Effect.flip(InternalAuth.verify(secrets, request)), (e) => e.reason)

describe("InternalAuth", () => {
  it.effect("accepts a request signed with any active secret", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_800_000_000_000)
      const ok = yield* InternalAuth.verify([rotated, secret], yield* signedRequest())
      assert.strictEqual(ok.nonce, "nonce-12345678")
    }).pipe(Effect.provide(crypto))
  )

  it.effect("refuses a wrong secret, a changed body, missing headers", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_800_000_000_000)
      assert.strictEqual(yield* failure([secret], yield* signedRequest({ secret: rotated })), "bad_signature")
      const changed = Uint8Array.from(body)
      changed[3] = changed[3]! ^ 1
      assert.strictEqual(yield* failure([secret], yield* signedRequest({ body: changed })), "bad_signature")
      assert.strictEqual(
        yield* failure([secret], { method: "POST", path: "/v1/mints", body, header: () => undefined }),
        "missing_headers"
      )
    }).pipe(Effect.provide(crypto))
  )

  it.effect("accepts a skew of 300 s and refuses 301 s, both ways", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_800_000_000_000)
      const now = yield* DateTime.now
      for (const seconds of [300, -300]) {
        yield* InternalAuth.verify([secret], yield* signedRequest({ at: DateTime.add(now, { seconds }) }))
      }
      for (const seconds of [301, -301]) {
        assert.strictEqual(
          yield* failure([secret], yield* signedRequest({ at: DateTime.add(now, { seconds }) })),
          "timestamp_out_of_window"
        )
      }
    }).pipe(Effect.provide(crypto))
  )
})
