/**
 * Who may call what. Internal routes need the HMAC scheme of core/client (timestamp window,
 * nonce never reused, constant-time tag check, several secrets for rotation). Operator routes
 * also accept the platform's JWT (HS256) carrying an admin role, as its other services use.
 */
import { NonceStore } from "@tickettoken/minting-core"
import { InternalAuth } from "@tickettoken/minting-core/client"
import { DateTime, Effect, Redacted, Schema } from "effect"
import * as Jwt from "hono/jwt"
import { HttpFailure, httpError } from "./HttpErrors.ts"

export interface AuthConfig {
  readonly internalSecrets: ReadonlyArray<Redacted.Redacted<string>>
  readonly jwtSecret: Redacted.Redacted<string> | null
  /** When set, an operator JWT must carry this `aud` (JWT_AUDIENCE). */
  readonly jwtAudience: string | null
  /** When set, an operator JWT must carry this `iss` (JWT_ISSUER). */
  readonly jwtIssuer: string | null
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

/**
 * The operator JWT's claims, after the signature and times are checked: `exp` a number (a token
 * that never expires is refused), `sub` a string, `role` a string and `roles` an array of
 * strings when present. Anything else is a malformed token, never a guess.
 */
const OperatorClaims = Schema.Struct({
  exp: Schema.Finite,
  sub: Schema.optional(Schema.String),
  role: Schema.optional(Schema.String),
  roles: Schema.optional(Schema.Array(Schema.String))
})
const decodeClaims = Schema.decodeUnknownOption(OperatorClaims)

/** Three base64url segments, unpadded, nothing else: what RFC 7515's compact form allows. */
const compactJws = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/**
 * Verifies an HS256 JWT with hono/jwt (HS256 only; `exp` required; `nbf`, `iat` checked when
 * present; `aud` and `iss` when configured) and its admin role (`role` equal to "admin" or
 * `roles` containing "admin", compared whole); never echoes the token.
 */
export const jwtAdmin = (config: AuthConfig, authorization: string) =>
  Effect.gen(function* () {
    const secret = config.jwtSecret
    if (secret === null) return yield* Effect.fail(unauthenticated("jwt_not_configured"))
    const token = authorization.replace(/^Bearer\s+/i, "")
    if (!compactJws.test(token)) return yield* Effect.fail(unauthenticated("malformed_jwt"))
    const payload = yield* Effect.tryPromise({
      try: () =>
        Jwt.verify(token, Redacted.value(secret), {
          alg: "HS256",
          ...(config.jwtAudience === null ? {} : { aud: config.jwtAudience }),
          ...(config.jwtIssuer === null ? {} : { iss: config.jwtIssuer })
        }),
      catch: (error) => unauthenticated(jwtReason(error))
    })
    const claims = decodeClaims(payload)
    if (claims._tag === "None") return yield* Effect.fail(unauthenticated("malformed_jwt_claims"))
    const { role, roles, sub } = claims.value
    const admin = role === "admin" || (roles ?? []).some((r) => r === "admin")
    if (!admin)
      return yield* Effect.fail(new HttpFailure(httpError(403, "forbidden", "an admin role is required")))
    return { kind: "operator", subject: sub ?? "unknown" } as Principal
  })

/** hono/jwt's refusal, as a stable reason code (its messages carry the token: never shown). */
const jwtReason = (error: unknown): string => {
  const name = error instanceof Error ? error.name : ""
  switch (name) {
    case "JwtTokenExpired":
      return "jwt_expired"
    case "JwtTokenNotBefore":
    case "JwtTokenIssuedAt":
      return "jwt_not_yet_valid"
    case "JwtTokenSignatureMismatched":
      return "bad_jwt_signature"
    case "JwtAlgorithmMismatch":
    case "JwtHeaderInvalid":
      return "unsupported_jwt_algorithm"
    case "JwtTokenAudience":
    case "JwtPayloadRequiresAud":
      return "wrong_jwt_audience"
    case "JwtTokenIssuer":
      return "wrong_jwt_issuer"
    default:
      return "malformed_jwt"
  }
}

/** Operator routes: a platform admin JWT, or a signed internal request. */
export const operator = (config: AuthConfig, request: IncomingRequest) => {
  const authorization = request.header("authorization")
  return authorization?.startsWith("Bearer ") ? jwtAdmin(config, authorization) : hmac(config, request)
}

/**
 * Admin routes (they change the chain or the service's setup): a platform admin JWT only. A
 * service's HMAC signature is refused, so no internal caller can create collections.
 */
export const admin = (config: AuthConfig, request: IncomingRequest) => {
  const authorization = request.header("authorization")
  return authorization?.startsWith("Bearer ")
    ? jwtAdmin(config, authorization)
    : Effect.fail(unauthenticated("admin_jwt_required"))
}
