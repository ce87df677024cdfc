/**
 * The internal HMAC scheme: how platform services sign requests to the minting API, and how
 * the API checks them.
 *
 *   x-tt-timestamp: unix seconds; accepted within ±300 s of the server's clock, both ways
 *   x-tt-nonce:     unique per request; never accepted twice
 *   x-tt-signature: hex HMAC-SHA256(secret, METHOD \n path?query \n timestamp \n nonce \n hex SHA-256(body))
 *
 * Several secrets may be active at once (rotation): a signature from any of them is accepted.
 * Tags are compared in constant time. Secrets are Redacted and never printed.
 */
import { DateTime, Effect, Redacted, Schema } from "effect"
import { Digest, Mac } from "effect/crypto"
import { Hex } from "effect/encoding"

export const headers = {
  timestamp: "x-tt-timestamp",
  nonce: "x-tt-nonce",
  signature: "x-tt-signature"
} as const

export const windowSeconds = 300

export interface SignedParts {
  readonly method: string
  /** Path and query, exactly as sent. */
  readonly path: string
  readonly body: Uint8Array
  readonly timestamp: string
  readonly nonce: string
}

const utf8 = new TextEncoder()

export const canonical = Effect.fnUntraced(function* (parts: SignedParts) {
  const digest = yield* Digest.Digest
  const bodyHash = yield* digest.digestHex(Digest.sha256, parts.body)
  return utf8.encode(
    `${parts.method.toUpperCase()}\n${parts.path}\n${parts.timestamp}\n${parts.nonce}\n${bodyHash}`
  )
})

const keyOf = (secret: Redacted.Redacted<string>) =>
  Mac.key(Mac.hmacSha256, utf8.encode(Redacted.value(secret)))

/** The headers that authenticate one request. */
export const sign = Effect.fn("InternalAuth.sign")(function* (
  secret: Redacted.Redacted<string>,
  request: { readonly method: string; readonly path: string; readonly body: Uint8Array },
  options: { readonly nonce: string; readonly at?: DateTime.Utc }
) {
  const mac = yield* Mac.Mac
  const at = options.at ?? (yield* DateTime.now)
  const timestamp = String(Math.floor(DateTime.toEpochMillis(at) / 1000))
  const data = yield* canonical({ ...request, timestamp, nonce: options.nonce })
  const tag = yield* mac.sign(yield* keyOf(secret), data)
  return {
    [headers.timestamp]: timestamp,
    [headers.nonce]: options.nonce,
    [headers.signature]: Hex.encode(tag)
  } as Record<string, string>
})

export const AuthFailure = Schema.Literals([
  "missing_headers",
  "bad_timestamp",
  "timestamp_out_of_window",
  "bad_signature",
  "replayed_nonce"
])
export type AuthFailure = typeof AuthFailure.Type

export class Unauthenticated extends Schema.TaggedError<Unauthenticated>()("Unauthenticated", {
  reason: AuthFailure
}) {
  override get message(): string {
    return `request not authenticated: ${this.reason.replaceAll("_", " ")}`
  }
}

/**
 * Checks timestamp and signature (not the nonce: the caller remembers it only once the
 * signature is good, so an attacker cannot burn nonces).
 */
export const verify = Effect.fn("InternalAuth.verify")(
  function* (
    secrets: ReadonlyArray<Redacted.Redacted<string>>,
    request: {
      readonly method: string
      readonly path: string
      readonly body: Uint8Array
      readonly header: (name: string) => string | undefined
    }
  ) {
    const timestamp = request.header(headers.timestamp)
    const nonce = request.header(headers.nonce)
    const signature = request.header(headers.signature)
    if (!timestamp || !nonce || !signature) return yield* new Unauthenticated({ reason: "missing_headers" })
    if (!/^\d{1,12}$/.test(timestamp) || nonce.length < 8 || nonce.length > 128) {
      return yield* new Unauthenticated({ reason: "bad_timestamp" })
    }
    const now = DateTime.toEpochMillis(yield* DateTime.now) / 1000
    if (Math.abs(now - Number(timestamp)) > windowSeconds) {
      return yield* new Unauthenticated({ reason: "timestamp_out_of_window" })
    }
    const tag = Hex.decode(signature)
    if (tag._tag === "Failure") return yield* new Unauthenticated({ reason: "bad_signature" })
    const mac = yield* Mac.Mac
    const data = yield* canonical({
      method: request.method,
      path: request.path,
      body: request.body,
      timestamp,
      nonce
    })
    for (const secret of secrets) {
      const ok = yield* mac.verify(yield* keyOf(secret), tag.success, data)
      if (ok) return { nonce, expiresAt: DateTime.makeUnsafe((Number(timestamp) + windowSeconds) * 1000) }
    }
    return yield* new Unauthenticated({ reason: "bad_signature" })
  },
  Effect.catchTag("CryptoError", () => Effect.fail(new Unauthenticated({ reason: "bad_signature" })))
)
