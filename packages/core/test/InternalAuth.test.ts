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

  // Issue 11, item 6: the nonce must be remembered past the last moment its timestamp is
  // accepted, or identical bytes resent at ts + 300 s are taken as new.
  it.effect("remembers a nonce beyond every moment its timestamp is accepted", () =>
    Effect.gen(function* () {
      const signedAt = 1_800_000_000_000
      yield* TestClock.setTime(signedAt)
      const request = yield* signedRequest()
      for (const offset of [-300, 0, 299.999, 300]) {
        yield* TestClock.setTime(signedAt + offset * 1000)
        const ok = yield* InternalAuth.verify([secret], request)
        assert.isTrue(
          DateTime.isGreaterThan(ok.expiresAt, yield* DateTime.now),
          `nonce expired while its timestamp is still accepted (offset ${offset} s)`
        )
      }
      yield* TestClock.setTime(signedAt + 300_001)
      assert.strictEqual(yield* failure([secret], request), "timestamp_out_of_window")
    }).pipe(Effect.provide(crypto))
  )

  // Issue 11, item 8: a nonce of the wrong length or with odd characters has its own code.
  it.effect("reports a bad nonce as bad_nonce, not bad_timestamp", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_800_000_000_000)
      const request = yield* signedRequest()
      for (const nonce of ["short", "x".repeat(129), "has space-1234", "caf\u00e9-nonce-1"]) {
        const header = (name: string) => (name === InternalAuth.headers.nonce ? nonce : request.header(name))
        assert.strictEqual(yield* failure([secret], { ...request, header }), "bad_nonce")
      }
    }).pipe(Effect.provide(crypto))
  )

  it.effect("matches the published test vectors (canonical string and signature)", () =>
    Effect.gen(function* () {
      for (const v of InternalAuth.vectors) {
        const body = new TextEncoder().encode(v.body)
        const canonical = yield* InternalAuth.canonical({
          method: v.method,
          path: v.target,
          body,
          timestamp: v.timestamp,
          nonce: v.nonce
        })
        assert.strictEqual(new TextDecoder().decode(canonical), v.canonical, v.name)
        const headers = yield* InternalAuth.sign(
          Redacted.make(v.secret),
          { method: v.method, path: v.target, body },
          { nonce: v.nonce, at: DateTime.makeUnsafe(Number(v.timestamp) * 1000) }
        )
        assert.strictEqual(headers[InternalAuth.headers.signature], v.signature, v.name)
        yield* TestClock.setTime(Number(v.timestamp) * 1000)
        const header = (name: string) => headers[name]
        yield* InternalAuth.verify([Redacted.make(v.secret)], {
          method: v.method,
          path: v.target,
          body,
          header
        })
      }
    }).pipe(Effect.provide(crypto))
  )
})
