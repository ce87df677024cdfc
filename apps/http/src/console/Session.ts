/**
 * The console's session: a cookie the server signed, holding who signed in and until when.
 *
 * Operators sign in with what they already hold for the operator routes: the platform's admin
 * JWT (HS256 under JWT_SECRET). The session key is derived from JWT_SECRET for this one purpose
 * (HMAC-SHA256 over a fixed label), so a session cookie is never a valid JWT nor the reverse,
 * and rotating JWT_SECRET ends every session. A session never outlives the token it came from
 * (at most `maxSessionMs` either way). Stateless, so every replica accepts it; sign-out clears
 * the cookie and revokes the session in this process (`Revocations`).
 *
 * CSRF: every form that changes something carries `csrf`, an HMAC of the session id under the
 * session key (synchronizer token without server state); the sign-in form, before any session,
 * a token bound to a short-lived login cookie (double submit). SameSite=Strict on both cookies.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { Redacted } from "effect"

export const sessionCookie = "tt_console_session"
export const loginCookie = "tt_console_login"
export const maxSessionMs = 8 * 60 * 60 * 1000

export interface Session {
  /** A random id: what the CSRF token and a revocation are bound to. */
  readonly sid: string
  /** The JWT's `sub`, shown in the header and recorded as who resolved a finding. */
  readonly subject: string
  /** Epoch ms. */
  readonly expiresAt: number
}

export type SessionKey = Redacted.Redacted<Buffer>

export const keyFrom = (jwtSecret: Redacted.Redacted<string>): SessionKey =>
  Redacted.make(
    createHmac("sha256", Redacted.value(jwtSecret)).update("tickettoken-minting/console-session/v1").digest()
  )

const mac = (key: SessionKey, text: string) =>
  createHmac("sha256", Redacted.value(key)).update(text).digest("base64url")

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export const newId = () => randomBytes(18).toString("base64url")

export const seal = (key: SessionKey, session: Session): string => {
  const payload = Buffer.from(JSON.stringify(session)).toString("base64url")
  return `${payload}.${mac(key, `session:${payload}`)}`
}

const isSession = (value: unknown): value is Session => {
  const v = value as Partial<Session> | null
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.sid === "string" &&
    typeof v.subject === "string" &&
    typeof v.expiresAt === "number"
  )
}

/** The session a cookie holds, when its seal is ours and it has not expired; else null. */
export const open = (key: SessionKey, cookie: string | undefined, now: number): Session | null => {
  if (cookie === undefined || cookie.length > 2048) return null
  const [payload, tag, ...rest] = cookie.split(".")
  if (payload === undefined || tag === undefined || rest.length > 0) return null
  if (!sameText(tag, mac(key, `session:${payload}`))) return null
  try {
    const session: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))
    return isSession(session) && session.expiresAt > now ? session : null
  } catch {
    return null
  }
}

export const csrfToken = (key: SessionKey, session: Session) => mac(key, `csrf:${session.sid}`)

export const csrfValid = (key: SessionKey, session: Session, token: unknown) =>
  typeof token === "string" && sameText(token, csrfToken(key, session))

/** The sign-in form's token: bound to the login cookie's random value. */
export const loginToken = (key: SessionKey, nonce: string) => mac(key, `login:${nonce}`)

export const loginValid = (key: SessionKey, nonce: string | undefined, token: unknown) =>
  nonce !== undefined && typeof token === "string" && sameText(token, loginToken(key, nonce))

/**
 * Sessions signed out in this process, until they would have expired anyway. Another replica
 * learns nothing of it: there the cookie is already gone from the browser, and a copy taken
 * before sign-out lasts at most until its expiry (see the console's docs).
 */
export class Revocations {
  private readonly revoked = new Map<string, number>()

  revoke(session: Session) {
    this.revoked.set(session.sid, session.expiresAt)
  }

  isRevoked(session: Session, now: number) {
    if (this.revoked.size > 1_000) {
      for (const [sid, expiresAt] of this.revoked) if (expiresAt <= now) this.revoked.delete(sid)
    }
    return this.revoked.has(session.sid)
  }
}

/** The expiry a JWT declares (epoch ms), read after jwtAdmin verified it; null when unreadable. */
export const tokenExpiry = (token: string): number | null => {
  try {
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
      exp?: unknown
    }
    return typeof claims.exp === "number" ? claims.exp * 1000 : null
  } catch {
    return null
  }
}
