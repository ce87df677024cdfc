/**
 * Who may call what. Internal routes need the HMAC scheme of core/client (timestamp window,
 * nonce never reused, constant-time tag check, several secrets for rotation). Operator routes
 * also accept the platform's JWT (HS256) carrying an admin role, as its other services use.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { NonceStore } from "@tickettoken/minting-core"
import { InternalAuth } from "@tickettoken/minting-core/client"
import { DateTime, Effect, Redacted } from "effect"
import { HttpFailure, httpError } from "./HttpErrors.ts"

export interface AuthConfig {
  readonly internalSecrets: ReadonlyArray<Redacted.Redacted<string>>
  readonly jwtSecret: Redacted.Redacted<string> | null
}

export interface IncomingRequest {
  readonly method: string
  readonly path: string
  readonly body: Uint8Array
  readonly header: (name: string) => string | undefined
}

/** The caller, once authenticated. */
export type Principal = { readonly kind: "service" } | { readonly kind: "operator"; readonly subject: string }

const unauthenticated = (reason: string) =>
  new HttpFailure(
    httpError(401, "unauthenticated", `request not authenticated: ${reason.replaceAll("_", " ")}`, { reason })
  )

export const hmac = (config: AuthConfig, request: IncomingRequest) =>
  Effect.gen(function* () {
    if (config.internalSecrets.length === 0)
      return yield* Effect.fail(unauthenticated("no_internal_secret_configured"))
    const verified = yield* InternalAuth.verify(config.internalSecrets, request).pipe(
      Effect.mapError((e) => unauthenticated(e.reason))
    )
    const nonces = yield* NonceStore
    const fresh = yield* nonces.remember(verified.nonce, verified.expiresAt, yield* DateTime.now)
    if (!fresh) return yield* Effect.fail(unauthenticated("replayed_nonce"))
    return { kind: "service" } as Principal
  })

const base64url = (text: string) => Buffer.from(text, "base64url")

/** Verifies an HS256 JWT and its admin role; never echoes the token. */
export const jwtAdmin = (config: AuthConfig, authorization: string) =>
  Effect.gen(function* () {
    if (config.jwtSecret === null) return yield* Effect.fail(unauthenticated("jwt_not_configured"))
    const token = authorization.replace(/^Bearer\s+/i, "")
    const [header, payload, signature] = token.split(".")
    if (!header || !payload || !signature) return yield* Effect.fail(unauthenticated("malformed_jwt"))
    const claims = yield* Effect.try({
      try: () => ({
        header: JSON.parse(base64url(header).toString("utf8")) as { alg?: string },
        body: JSON.parse(base64url(payload).toString("utf8")) as {
          sub?: string
          exp?: number
          nbf?: number
          role?: string
          roles?: ReadonlyArray<string>
        }
      }),
      catch: () => unauthenticated("malformed_jwt")
    })
    if (claims.header.alg !== "HS256") return yield* Effect.fail(unauthenticated("unsupported_jwt_algorithm"))
    const expected = createHmac("sha256", Redacted.value(config.jwtSecret))
      .update(`${header}.${payload}`)
      .digest()
    const given = base64url(signature)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return yield* Effect.fail(unauthenticated("bad_jwt_signature"))
    }
    const now = DateTime.toEpochMillis(yield* DateTime.now) / 1000
    if (claims.body.exp !== undefined && now >= claims.body.exp)
      return yield* Effect.fail(unauthenticated("jwt_expired"))
    if (claims.body.nbf !== undefined && now < claims.body.nbf)
      return yield* Effect.fail(unauthenticated("jwt_not_yet_valid"))
    const admin = claims.body.role === "admin" || (claims.body.roles ?? []).includes("admin")
    if (!admin)
      return yield* Effect.fail(new HttpFailure(httpError(403, "forbidden", "an admin role is required")))
    return { kind: "operator", subject: claims.body.sub ?? "unknown" } as Principal
  })

/** Operator routes: a platform admin JWT, or a signed internal request. */
export const operator = (config: AuthConfig, request: IncomingRequest) => {
  const authorization = request.header("authorization")
  return authorization?.startsWith("Bearer ") ? jwtAdmin(config, authorization) : hmac(config, request)
}
