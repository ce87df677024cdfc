import { MintRepository, MintWorker } from "@tickettoken/minting-core"
import { Effect } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { jwt, makeTestApp } from "./TestApp.ts"

const owner = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
const ticket = (ticketId = "t-1", extra: Record<string, unknown> = {}) => ({
  ticketId,
  orderId: "o-1",
  eventId: "e-1",
  owner,
  metadata: { eventName: "Jazz Night", image: "https://img.test/a.png" },
  ...extra
})

let t: ReturnType<typeof makeTestApp>
beforeEach(() => {
  t = makeTestApp()
})
afterEach(async () => {
  await t.runtime.dispose()
})

const count = () =>
  t.runtime.runPromise(
    Effect.gen(function* () {
      const mints = yield* MintRepository
      return yield* mints.countByStatus()
    })
  )

const totalMints = async () => Object.values(await count()).reduce((a, b) => a + b, 0)
const code = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code

describe("mint intake", () => {
  it("accepts a signed request (202), repeats it idempotently (200), and refuses a different body (409)", async () => {
    const first = await t.signed("POST", "/v1/mints", ticket())
    expect(first.status).toBe(202)
    const view = (await first.json()) as { ticketId: string; status: string; metadataUri: string }
    expect(view).toMatchObject({
      ticketId: "t-1",
      status: "pending",
      metadataUri: "https://mint.test/metadata/t-1"
    })
    expect((await t.signed("POST", "/v1/mints", ticket())).status).toBe(200)
    const conflict = await t.signed("POST", "/v1/mints", ticket("t-1", { orderId: "o-2" }))
    expect(conflict.status).toBe(409)
    expect(await code(conflict)).toBe("ticket_conflict")
    expect(await totalMints()).toBe(1)
  })

  it.each([
    ["a name of 33 bytes", ticket("a", { metadata: { name: "n".repeat(33) } }), 422, "invalid_metadata"],
    ["an invalid base58 owner", ticket("b", { owner: "0OIl-not-base58" }), 400, "validation_failed"],
    [
      "creator shares summing to 99",
      ticket("c", { metadata: { creators: [{ address: owner, share: 99 }] } }),
      422,
      "invalid_metadata"
    ],
    ["wrong types", { ...ticket("d"), ticketId: 42 }, 400, "validation_failed"],
    ["unknown fields", { ...ticket("e"), color: "red" }, 400, "validation_failed"],
    ["a missing field", { ticketId: "f", owner }, 400, "validation_failed"]
  ])("refuses %s, writing nothing", async (_name, body, status, errorCode) => {
    const res = await t.signed("POST", "/v1/mints", body)
    expect(res.status).toBe(status)
    expect(await code(res)).toBe(errorCode)
    expect(await totalMints()).toBe(0)
  })

  it("refuses non-JSON, a wrong content type, and a 1 MB body", async () => {
    const bad = await t.signed("POST", "/v1/mints", undefined, { raw: "{not json" })
    expect(bad.status).toBe(400)
    expect(await code(bad)).toBe("invalid_json")
    const text = await t.signed("POST", "/v1/mints", undefined, { raw: "hello", contentType: "text/plain" })
    expect(text.status).toBe(415)
    const huge = await t.signed("POST", "/v1/mints", { ...ticket(), pad: "x".repeat(1024 * 1024) })
    expect(huge.status).toBe(413)
    expect(await code(huge)).toBe("payload_too_large")
    expect(await totalMints()).toBe(0)
  })

  it("a uri over 200 bytes reports the uri violation", async () => {
    // Ticket ids are at most 128 URL-safe bytes, so only a long public base URL makes the uri
    // too long: base (63) + "/metadata/" (10) + id = 200 for 127 bytes, 201 for 128.
    await t.runtime.dispose()
    const base = `https://mint.test/${"p".repeat(63 - 18)}`
    t = makeTestApp({ publicBaseUrl: base })
    const ok = await t.signed("POST", "/v1/mints", ticket("a".repeat(127)))
    expect(ok.status).toBe(202)
    expect(((await ok.json()) as { metadataUri: string }).metadataUri).toHaveLength(200)
    const res = await t.signed("POST", "/v1/mints", ticket(`b${"a".repeat(127)}`, { eventId: "e-2" }))
    expect(res.status).toBe(422)
    const body = (await res.json()) as { error: { details: { violations: Array<{ field: string }> } } }
    expect(body.error.details.violations.map((v) => v.field)).toEqual(["uri"])
  })

  it("takes a batch, judging each ticket on its own", async () => {
    const res = await t.signed("POST", "/v1/mints/batch", {
      mints: [ticket("a"), ticket("b", { metadata: { name: "n".repeat(40) } }), ticket("a")]
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      results: Array<{ ticketId: string; result: string; error?: { code: string } }>
    }
    expect(body.results.map((r) => r.result).sort()).toEqual(["accepted", "existing", "refused"])
    expect(body.results.find((r) => r.ticketId === "b")?.error?.code).toBe("invalid_metadata")
    const tooMany = await t.signed("POST", "/v1/mints/batch", {
      mints: Array.from({ length: 501 }, (_, i) => ticket(`x${i}`))
    })
    expect(tooMany.status).toBe(400)
  })
})

describe("auth", () => {
  it.each([
    [
      "no signature",
      async () =>
        t.app.request("/v1/mints", {
          method: "POST",
          body: JSON.stringify(ticket()),
          headers: { "content-type": "application/json" }
        }),
      "missing_headers"
    ],
    [
      "a wrong secret",
      async () => t.signed("POST", "/v1/mints", ticket(), { secret: "wrong" }),
      "bad_signature"
    ],
    [
      "a timestamp 301 s ahead",
      async () => t.signed("POST", "/v1/mints", ticket(), { skewSeconds: 301 }),
      "timestamp_out_of_window"
    ],
    [
      "a timestamp 301 s behind",
      async () => t.signed("POST", "/v1/mints", ticket(), { skewSeconds: -301 }),
      "timestamp_out_of_window"
    ],
    [
      "a body changed by one byte after signing",
      async () =>
        t.signed("POST", "/v1/mints", ticket(), {
          tamper: (b) => {
            const copy = Uint8Array.from(b)
            copy[copy.indexOf(0x31)] = 0x32 // one "1" becomes "2"
            return copy
          }
        }),
      "bad_signature"
    ]
  ])("refuses %s with 401, writing nothing", async (_name, send, reason) => {
    const res = await send()
    expect(res.status).toBe(401)
    const body = (await res.json()) as { error: { code: string; details: { reason: string } } }
    expect(body.error.code).toBe("unauthenticated")
    expect(body.error.details.reason).toBe(reason)
    expect(await totalMints()).toBe(0)
  })

  it("refuses a replayed nonce", async () => {
    expect((await t.signed("POST", "/v1/mints", ticket(), { nonce: "nonce-replayed-1" })).status).toBe(202)
    const replay = await t.signed("POST", "/v1/mints", ticket("t-2"), { nonce: "nonce-replayed-1" })
    expect(replay.status).toBe(401)
    expect(await totalMints()).toBe(1)
  })

  it("accepts a signature from an older, still active secret", async () => {
    expect((await t.signed("POST", "/v1/mints", ticket(), { secret: "old-secret" })).status).toBe(202)
  })

  it("operator routes take an admin JWT; another role is forbidden", async () => {
    const admin = jwt({ sub: "ops", role: "admin", exp: Math.floor(Date.now() / 1000) + 60 })
    const res = await t.app.request("/v1/reconciliations", {
      method: "POST",
      headers: { authorization: `Bearer ${admin}` }
    })
    expect(res.status).toBe(201)
    const user = jwt({ sub: "u", role: "user", exp: Math.floor(Date.now() / 1000) + 60 })
    const forbidden = await t.app.request("/v1/reconciliations", {
      method: "POST",
      headers: { authorization: `Bearer ${user}` }
    })
    expect(forbidden.status).toBe(403)
    const expired = jwt({ sub: "ops", role: "admin", exp: 1 })
    expect(
      (
        await t.app.request("/v1/reconciliations", {
          method: "POST",
          headers: { authorization: `Bearer ${expired}` }
        })
      ).status
    ).toBe(401)
    const forged = jwt(
      { sub: "ops", role: "admin", exp: Math.floor(Date.now() / 1000) + 60 },
      "not-the-secret"
    )
    expect(
      (
        await t.app.request("/v1/reconciliations", {
          method: "POST",
          headers: { authorization: `Bearer ${forged}` }
        })
      ).status
    ).toBe(401)
    // What an admin may run, it may read: reports and findings take the same JWT (a regression:
    // GET /v1/reconciliations once refused it).
    const created = (await res.json()) as { id: string }
    const bearer = { headers: { authorization: `Bearer ${admin}` } }
    const listed = await t.app.request("/v1/reconciliations", bearer)
    expect(listed.status).toBe(200)
    expect(((await listed.json()) as { items: Array<{ id: string }> }).items.map((r) => r.id)).toContain(
      created.id
    )
    expect((await t.app.request(`/v1/reconciliations/${created.id}`, bearer)).status).toBe(200)
    expect((await t.app.request("/v1/findings", bearer)).status).toBe(200)
    expect(
      (await t.app.request("/v1/reconciliations", { headers: { authorization: `Bearer ${user}` } })).status
    ).toBe(403)
    // ...and the services that read them with a signed request still can.
    expect((await t.signed("GET", "/v1/reconciliations")).status).toBe(200)
    // A JWT is not enough for internal routes.
    expect((await t.app.request("/v1/mints", { headers: { authorization: `Bearer ${admin}` } })).status).toBe(
      401
    )
  })
})

describe("lookups, retry, reconciliation, public routes", () => {
  it("mints through the worker and shows the mint, its listing, metadata and metrics", async () => {
    await t.signed("POST", "/v1/mints", ticket())
    await t.signed("POST", "/v1/mints", ticket("t-2", { eventId: "e-2" }))
    await t.runtime.runPromise(MintWorker.runRound({ batchSize: 10, concurrency: 2 }))

    const one = await t.signed("GET", "/v1/mints/t-1")
    expect(one.status).toBe(200)
    const view = (await one.json()) as { status: string; assetId: string | null; signature: string | null }
    expect(view.status).toBe("completed")
    expect(view.assetId).toBeTruthy()

    const missing = await t.signed("GET", "/v1/mints/nope")
    expect(missing.status).toBe(404)
    expect(await code(missing)).toBe("mint_not_found")

    const page1 = (await (await t.signed("GET", "/v1/mints?limit=1")).json()) as {
      items: unknown[]
      nextCursor: string | null
    }
    expect(page1.items).toHaveLength(1)
    expect(page1.nextCursor).not.toBeNull()
    const page2 = (await (
      await t.signed("GET", `/v1/mints?limit=1&cursor=${encodeURIComponent(page1.nextCursor!)}`)
    ).json()) as {
      items: Array<{ ticketId: string }>
    }
    expect(page2.items).toHaveLength(1)
    const byEvent = (await (await t.signed("GET", "/v1/mints?eventId=e-2")).json()) as {
      items: Array<{ ticketId: string }>
    }
    expect(byEvent.items.map((m) => m.ticketId)).toEqual(["t-2"])
    const byOwner = (await (await t.signed("GET", `/v1/mints?owner=${owner}&status=completed`)).json()) as {
      items: unknown[]
    }
    expect(byOwner.items).toHaveLength(2)
    expect((await t.signed("GET", "/v1/mints?status=bogus")).status).toBe(400)

    const metadata = await t.app.request("/metadata/t-1")
    expect(metadata.status).toBe(200)
    expect(await metadata.json()).toMatchObject({
      name: "Ticket #t-1",
      symbol: "TCKT",
      properties: { category: "ticket" }
    })
    expect((await t.app.request("/metadata/none")).status).toBe(404)

    const metrics = await (await t.app.request("/metrics")).text()
    expect(metrics).toMatch(/mints\{status="completed"\} 2/)
    expect(metrics).toContain("mint_accepted_to_completed_seconds")
    expect(metrics).toMatch(/chain_calls_total\{operation="prepareMint"\} \d+/)
    expect(metrics).toMatch(/http_requests_total\{[^}]*route="\/v1\/mints"[^}]*\} \d+/)
  })

  it("retries only failed or missing mints", async () => {
    await t.signed("POST", "/v1/mints", ticket())
    const notRetryable = await t.signed("POST", "/v1/mints/t-1/retry")
    expect(notRetryable.status).toBe(409)
    expect(await code(notRetryable)).toBe("retry_not_allowed")
    expect((await t.signed("POST", "/v1/mints/none/retry")).status).toBe(404)
  })

  it("runs a reconciliation and serves its report", async () => {
    await t.signed("POST", "/v1/mints", ticket())
    await t.runtime.runPromise(MintWorker.runRound({ batchSize: 10, concurrency: 2 }))
    const run = await t.signed("POST", "/v1/reconciliations")
    expect(run.status).toBe(201)
    const report = (await run.json()) as { id: string; counts: { success: number } }
    expect(report.counts.success).toBe(1)
    const got = await t.signed("GET", `/v1/reconciliations/${report.id}`)
    expect(got.status).toBe(200)
    const list = (await (await t.signed("GET", "/v1/reconciliations")).json()) as {
      items: Array<{ id: string }>
    }
    expect(list.items.map((r) => r.id)).toEqual([report.id])
    expect((await t.signed("GET", "/v1/reconciliations/nope")).status).toBe(404)
  })

  it("health, chain health, openapi, docs, unknown routes", async () => {
    expect(await (await t.app.request("/health")).json()).toMatchObject({ status: "ok", chain: "simulated" })
    expect((await t.app.request("/health/db")).status).toBe(200)
    const chain = (await (await t.app.request("/health/chain")).json()) as {
      kind: string
      simulated: boolean
    }
    expect(chain).toMatchObject({ kind: "simulated", simulated: true })
    const doc = (await (await t.app.request("/openapi.json")).json()) as {
      paths: Record<string, unknown>
      components: { schemas: Record<string, unknown> }
    }
    expect(Object.keys(doc.paths)).toContain("/v1/mints")
    expect(Object.keys(doc.components.schemas)).toContain("MintRequest")
    expect((await t.app.request("/docs")).status).toBe(200)
    const unknown = await t.app.request("/nope")
    expect(unknown.status).toBe(404)
    expect(await code(unknown)).toBe("not_found")
  })
})
