/**
 * The internal HMAC scheme: how platform services sign requests to the minting API, and how
 * the API checks them.
 *
 *   x-tt-timestamp: unix seconds (decimal digits); accepted within ±300 s of the server's clock
 *   x-tt-nonce:     8 to 128 printable ASCII characters (0x21-0x7E), unique per request; never
 *                   accepted twice (remembered for 600 s after its timestamp, longer than any
 *                   moment its timestamp is accepted)
 *   x-tt-signature: hex HMAC-SHA256(secret, METHOD \n target \n timestamp \n nonce \n hex SHA-256(body))
 *
 * `target` is the request target exactly as sent on the wire: the path and query bytes of the
 * HTTP request line, not a decoded or normalised form. A client that lets its HTTP library
 * normalise the URL (WHATWG URL percent-encodes `'` in a query, resolves `/x/../`) must sign
 * the normalised form it actually sends: `MintingClient` signs `url.pathname + url.search`.
 * Test vectors: `vectors` below, and the README.
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

/**
 * How long a nonce is remembered after its timestamp. A request is accepted while
 * |now - timestamp| <= windowSeconds, so the nonce must outlive timestamp + windowSeconds;
 * twice the window leaves a margin for clocks read at different moments.
 */
export const nonceTtlSeconds = 2 * windowSeconds

/** 8 to 128 printable ASCII characters: no space, no control character, nothing to normalise. */
export const noncePattern = /^[\x21-\x7e]{8,128}$/

export interface SignedParts {
  readonly method: string
  /** The request target: path and query, exactly as sent on the wire. */
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
  "bad_nonce",
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
    if (!/^\d{1,12}$/.test(timestamp)) return yield* new Unauthenticated({ reason: "bad_timestamp" })
    if (!noncePattern.test(nonce)) return yield* new Unauthenticated({ reason: "bad_nonce" })
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
      if (ok) return { nonce, expiresAt: DateTime.makeUnsafe((Number(timestamp) + nonceTtlSeconds) * 1000) }
    }
    return yield* new Unauthenticated({ reason: "bad_signature" })
  },
  Effect.catchTag("CryptoError", () => Effect.fail(new Unauthenticated({ reason: "bad_signature" })))
)

/**
 * Test vectors for a client in another language: signing `input` with `secret` must give
 * `signature`, and `canonical` is the exact string the HMAC covers (body hash included).
 */
export const vectors: ReadonlyArray<{
  readonly name: string
  readonly secret: string
  readonly method: string
  readonly target: string
  readonly timestamp: string
  readonly nonce: string
  readonly body: string
  readonly canonical: string
  readonly signature: string
}> = [
  {
    name: "POST with a JSON body",
    secret: "test-vector-secret",
    method: "POST",
    target: "/v1/mints",
    timestamp: "1767225600",
    nonce: "0123456789abcdef",
    body: '{"ticketId":"t-1","orderId":"o-1","eventId":"e-1","owner":"9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"}',
    canonical:
      "POST\n/v1/mints\n1767225600\n0123456789abcdef\n3a1cac2ea74bbdba238f9d2e65d9d7a0b3920713695ad629e33206b9d27bacc9",
    signature: "78c26bed7161fee3267d921c81ed5207ad3983fb0d717f9fc70e3cc139fc3a25"
  },
  {
    name: "GET with a query as sent (quote and brace not escaped), empty body",
    secret: "test-vector-secret",
    method: "GET",
    target: "/v1/mints?eventId=a'b{c}&limit=10",
    timestamp: "1767225600",
    nonce: "nonce-vector-0002",
    body: "",
    canonical:
      "GET\n/v1/mints?eventId=a'b{c}&limit=10\n1767225600\nnonce-vector-0002\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    signature: "fc2cdd50fe1fb3030a8c36e188b5ed0ea917b84869d34e119d4c6d1d703a9395"
  },
  {
    name: "GET with a percent-encoded query: the bytes sent, not decoded",
    secret: "test-vector-secret",
    method: "GET",
    target: "/v1/mints?eventId=a%27b",
    timestamp: "1767225600",
    nonce: "nonce-vector-0003",
    body: "",
    canonical:
      "GET\n/v1/mints?eventId=a%27b\n1767225600\nnonce-vector-0003\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    signature: "f877b19c491670e15c75c58ad41ff609320c138a570730e6ab69882b716bd6b0"
  }
]
