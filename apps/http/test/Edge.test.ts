/**
 * Issue 11's observed failures at the edge, one regression each: text the database cannot
 * store, forged cursors, loose integers, unfetchable ticket ids, and operator JWTs that were
 * read leniently. Every refusal is a 4xx with a stable code, never a 500, and writes nothing.
 */
import { createHmac } from "node:crypto"
import { MintRepository } from "@tickettoken/minting-core"
import { Effect } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { jwt, jwtSecret, makeTestApp } from "./TestApp.ts"

const owner = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
const ticket = (ticketId = "t-1", extra: Record<string, unknown> = {}) => ({
  ticketId,
  orderId: "o-1",
  eventId: "e-1",
  owner,
  ...extra
})

let t: ReturnType<typeof makeTestApp>
beforeEach(() => {
  t = makeTestApp()
})
afterEach(async () => {
  await t.runtime.dispose()
})

const totalMints = () =>
  t.runtime.runPromise(
    Effect.gen(function* () {
      const counts = yield* (yield* MintRepository).countByStatus()
      return Object.values(counts).reduce((a, b) => a + b, 0)
    })
  )
const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; message: string; details?: Record<string, unknown> } })
    .error

const NUL = "\u0000"
const LONE = "\ud800"

describe("issue 11.1: NUL and unpaired surrogates are refused with 400, naming the field", () => {
  it.each([
    ["ticketId", ticket(`a${NUL}b`), "ticketId"],
    ["orderId", ticket("t-1", { orderId: `o${NUL}` }), "orderId"],
    ["eventId", ticket("t-1", { eventId: `${NUL}` }), "eventId"],
    ["metadata.name", ticket("t-1", { metadata: { name: `n${NUL}` } }), "metadata.name"],
    ["metadata.description", ticket("t-1", { metadata: { description: `d${NUL}` } }), "metadata.description"],
    ["a lone surrogate in ticketId", ticket(`a${LONE}`), "ticketId"],
    ["a lone surrogate in name", ticket("t-1", { metadata: { name: `x${LONE}` } }), "metadata.name"],
    ["a low surrogate alone", ticket("t-1", { eventId: "\udc00e" }), "eventId"],
    ["a NUL in an unknown key", { ...ticket(), [`k${NUL}`]: 1 }, `k${NUL}`]
  ])("POST /v1/mints: %s", async (_name, body, field) => {
    const res = await t.signed("POST", "/v1/mints", body)
    expect(res.status).toBe(400)
    const error = await errorOf(res)
    expect(error.code).toBe("validation_failed")
    expect(error.details?.field).toBe(field)
    expect(await totalMints()).toBe(0)
  })

  it("in a batch, naming the ticket's index", async () => {
    const res = await t.signed("POST", "/v1/mints/batch", { mints: [ticket("a"), ticket(`b${NUL}`)] })
    expect(res.status).toBe(400)
    expect((await errorOf(res)).details?.field).toBe("mints[1].ticketId")
    expect(await totalMints()).toBe(0)
  })

  it.each([
    ["GET", "/metadata/a%00b"],
    ["GET", "/v1/mints/a%00b"],
    ["POST", "/v1/mints/a%00b/retry"],
    ["GET", "/v1/reconciliations/a%00b"],
    ["GET", "/v1/mints?eventId=a%00b"],
    ["GET", "/v1/mints?owner=%00"],
    ["GET", "/v1/mints?cursor=1%00:x"],
    ["GET", "/v1/mints?a%00=1"]
  ])("%s %s", async (method, path) => {
    const res =
      method === "GET" && path.startsWith("/metadata")
        ? await t.app.request(path)
        : await t.signed(method, path)
    expect(res.status).toBe(400)
    expect((await errorOf(res)).code).toBe("validation_failed")
  })

  it("a path id that is not UTF-8 once decoded is refused, not a 500", async () => {
    for (const path of ["/metadata/%ED%A0%80", "/metadata/%FF", "/metadata/%"]) {
      const res = await t.app.request(path)
      expect(res.status).toBe(400)
    }
  })
})

describe("issue 11.4: a forged cursor is a 400", () => {
  it.each(["99999999999999999999:x", "1e3:x", "-1:x", ":x", "12", "1:", "1:a b"])(
    "cursor %j",
    async (cursor) => {
      for (const base of ["/v1/mints", "/v1/reconciliations"]) {
        const res = await t.signed("GET", `${base}?cursor=${encodeURIComponent(cursor)}`)
        expect(res.status).toBe(400)
        expect((await errorOf(res)).code).toBe("validation_failed")
      }
    }
  )
})

describe("issue 11.9: ticket ids stay URL-safe; integers parse strictly", () => {
  it.each([".", "..", ".hidden", "a/b", "a b", "a?b", "a#b", "é", "a%2Fb", "x".repeat(129), ""])(
    "refuses the ticket id %j",
    async (ticketId) => {
      const res = await t.signed("POST", "/v1/mints", ticket(ticketId))
      expect(res.status).toBe(400)
      expect((await errorOf(res)).code).toBe("validation_failed")
      expect(await totalMints()).toBe(0)
    }
  )

  it("accepts ids of the documented alphabet, and their metadata URI is the id as is", async () => {
    const id = "Ab0-_~.x"
    const res = await t.signed("POST", "/v1/mints", ticket(id))
    expect(res.status).toBe(202)
    expect(((await res.json()) as { metadataUri: string }).metadataUri).toBe(
      `https://mint.test/metadata/${id}`
    )
    expect((await t.app.request(`/metadata/${id}`)).status).toBe(200)
  })

  it.each(["0x10", "1e2", " 1 ", "+5", "1.0", "0", "501", "010", "１"])("refuses limit=%j", async (limit) => {
    const res = await t.signed("GET", `/v1/mints?limit=${encodeURIComponent(limit)}`)
    expect(res.status).toBe(400)
    expect((await errorOf(res)).code).toBe("validation_failed")
  })

  it("accepts limit=1 and limit=500", async () => {
    expect((await t.signed("GET", "/v1/mints?limit=1")).status).toBe(200)
    expect((await t.signed("GET", "/v1/mints?limit=500")).status).toBe(200)
    expect((await t.signed("GET", "/v1/reconciliations?limit=101")).status).toBe(400)
  })
})

const later = () => Math.floor(Date.now() / 1000) + 60
const b64 = (text: string) => Buffer.from(text).toString("base64url")
const signWith = (head: string, payload: string, key = jwtSecret) =>
  `${head}.${payload}.${createHmac("sha256", key).update(`${head}.${payload}`).digest("base64url")}`
const hs256 = b64(JSON.stringify({ alg: "HS256", typ: "JWT" }))

const asOperator = (token: string) =>
  t.app.request("/v1/reconciliations", { method: "POST", headers: { authorization: `Bearer ${token}` } })

describe("issue 11.3 and 11.7: operator JWTs are verified strictly", () => {
  it.each([
    ["a header of null", `${b64("null")}.${b64("null")}.eA`],
    ["a signed payload of null", signWith(hs256, b64("null"))],
    ["roles of 5", jwt({ sub: "ops", roles: 5, exp: later() })],
    ["roles of {}", jwt({ sub: "ops", roles: {}, exp: later() })],
    ["roles as the string not-admin", jwt({ sub: "ops", roles: "not-admin", exp: later() })],
    ["roles as the string admin", jwt({ sub: "ops", roles: "admin", exp: later() })],
    ["no exp", jwt({ sub: "ops", role: "admin" })],
    ['exp: "never"', jwt({ sub: "ops", role: "admin", exp: "never" })],
    ["an expired exp", jwt({ sub: "ops", role: "admin", exp: 1 })],
    [
      "alg none",
      `${b64(JSON.stringify({ alg: "none" }))}.${b64(JSON.stringify({ role: "admin", exp: later() }))}.`
    ],
    [
      "alg HS512",
      signWith(
        b64(JSON.stringify({ alg: "HS512", typ: "JWT" })),
        b64(JSON.stringify({ role: "admin", exp: later() }))
      )
    ],
    ["junk in the signature", `${jwt({ sub: "ops", role: "admin", exp: later() })}!`],
    ["a fourth segment", `${jwt({ sub: "ops", role: "admin", exp: later() })}.x`],
    ["padding", `${jwt({ sub: "ops", role: "admin", exp: later() })}=`],
    ["a wrong key", jwt({ sub: "ops", role: "admin", exp: later() }, "another-key")]
  ])("refuses %s with 401", async (_name, token) => {
    const res = await asOperator(token)
    expect(res.status).toBe(401)
    expect((await errorOf(res)).code).toBe("unauthenticated")
  })

  it("an admin among roles passes; a role that only contains admin does not", async () => {
    expect((await asOperator(jwt({ sub: "ops", roles: ["viewer", "admin"], exp: later() }))).status).toBe(201)
    expect(
      (await asOperator(jwt({ sub: "ops", roles: ["administrator", "not-admin"], exp: later() }))).status
    ).toBe(403)
    expect((await asOperator(jwt({ sub: "ops", role: "admins", exp: later() }))).status).toBe(403)
  })

  it("checks aud and iss when configured", async () => {
    await t.runtime.dispose()
    t = makeTestApp({ jwtAudience: "minting", jwtIssuer: "https://auth.tickettoken.test" })
    const claims = { sub: "ops", role: "admin", exp: later() }
    const good = { ...claims, aud: "minting", iss: "https://auth.tickettoken.test" }
    expect((await asOperator(jwt(good))).status).toBe(201)
    for (const bad of [
      claims,
      { ...good, aud: "other" },
      { ...good, iss: "https://evil.test" },
      { ...good, aud: undefined }
    ]) {
      const res = await asOperator(jwt(bad))
      expect(res.status).toBe(401)
    }
  })
})

describe("issue 11.5: /health/chain tells nothing secret", () => {
  it("shows the cluster's host only: no credentials, path, query, fee payer or balance", async () => {
    await t.runtime.dispose()
    t = makeTestApp({ rpcUrl: "https://user:pw@rpc.example.com:8443/v2/KEY-IN-PATH?api-key=SECRET-KEY" })
    const res = await t.app.request("/health/chain")
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(JSON.parse(text)).toMatchObject({ rpcHost: "rpc.example.com:8443" })
    for (const secret of ["SECRET-KEY", "api-key", "KEY-IN-PATH", "pw@", "user", "feePayer", "Lamports"]) {
      expect(text).not.toContain(secret)
    }
  })
})

describe("bodies that are deep or odd are refused, never a 500", () => {
  it.each([
    ["30,000 nested arrays", `{"mints":${"[".repeat(30_000)}${"]".repeat(30_000)}}`, "/v1/mints/batch"],
    ["12,000 nested objects", `${'{"a":'.repeat(12_000)}1${"}".repeat(12_000)}`, "/v1/mints"],
    ["a __proto__ key", `{"__proto__":{"admin":true},${JSON.stringify(ticket()).slice(1)}`, "/v1/mints"],
    [
      "a huge number",
      JSON.stringify(ticket("t-1", { metadata: { sellerFeeBasisPoints: 1e308 } })),
      "/v1/mints"
    ],
    [
      "a huge share",
      JSON.stringify(ticket("t-1", { metadata: { creators: [{ address: owner, share: 1e308 }] } })),
      "/v1/mints"
    ]
  ])("%s", async (_name, raw, path) => {
    const res = await t.signed("POST", path, undefined, { raw })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expect(await totalMints()).toBe(0)
  })
})
