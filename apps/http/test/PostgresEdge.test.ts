/**
 * Issue 11, items 1 and 2, on the real PostgreSQL server (which is what refused NUL with a 500):
 * text it cannot store is a 400 from every field, path and filter, and a bad request sent in the
 * same millisecond as good ones harms none of them.
 */
import { TestDatabase } from "@tickettoken/minting-postgres/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeTestApp } from "./TestApp.ts"

const owner = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
const ticket = (ticketId: string, extra: Record<string, unknown> = {}) => ({
  ticketId,
  orderId: "o-1",
  eventId: "e-1",
  owner,
  ...extra
})

let database: TestDatabase.TestDatabase
let t: ReturnType<typeof makeTestApp>
beforeAll(async () => {
  database = await TestDatabase.create("http")
  t = makeTestApp({ postgresUrl: database.url })
})
afterAll(async () => {
  await t.runtime.dispose()
  await database.drop()
})

const listed = async (eventId: string) => {
  const res = await t.signed("GET", `/v1/mints?eventId=${eventId}&limit=500`)
  expect(res.status).toBe(200)
  return ((await res.json()) as { items: Array<{ ticketId: string }> }).items
}

describe("PostgreSQL behind the edge", () => {
  it("never answers 500 to NUL or a lone surrogate, wherever it is put", async () => {
    const bodies = [
      ticket("a\u0000b"),
      ticket("t-n1", { orderId: "o\u0000" }),
      ticket("t-n2", { eventId: "e\u0000" }),
      ticket("t-n3", { metadata: { name: "n\u0000", eventName: "x" } }),
      ticket("t-n4", { metadata: { description: "\ud800" } }),
      ticket("t-n5", { collectionId: "c\u0000" }),
      ticket("\ud800")
    ]
    for (const body of bodies) {
      const res = await t.signed("POST", "/v1/mints", body)
      expect(res.status).toBe(400)
    }
    const batch = await t.signed("POST", "/v1/mints/batch", { mints: [ticket("t-ok"), ticket("t\u0000")] })
    expect(batch.status).toBe(400)
    for (const path of [
      "/v1/mints/a%00b",
      "/v1/mints?eventId=a%00b",
      "/v1/mints?owner=a%00b",
      "/v1/mints?status=a%00b",
      "/v1/mints?cursor=99999999999999999999:x",
      "/v1/reconciliations/a%00b",
      "/v1/reconciliations?cursor=1%00:x"
    ]) {
      const res = await t.signed("GET", path)
      expect(res.status, path).toBe(400)
    }
    expect((await t.app.request("/metadata/a%00b")).status).toBe(400)
    expect(await listed("e-1")).toEqual([])
  })

  it("40 valid requests sent with bad ones in the same instant are all accepted", async () => {
    const good = Array.from({ length: 40 }, (_, i) => ticket(`conc-${i}`, { eventId: "e-conc" }))
    const bad = Array.from({ length: 10 }, (_, i) => ticket(`bad-${i}\u0000`, { eventId: "e-conc" }))
    const sent = [...good, ...bad].sort(() => Math.random() - 0.5)
    const answers = await Promise.all(sent.map((body) => t.signed("POST", "/v1/mints", body)))
    answers.forEach((res, i) => {
      expect(res.status).toBe(sent[i]!.ticketId.includes("\u0000") ? 400 : 202)
    })
    expect((await listed("e-conc")).map((m) => m.ticketId).sort()).toEqual(good.map((g) => g.ticketId).sort())
  })

  it("a batch answers per ticket, always: refused tickets beside accepted ones", async () => {
    const res = await t.signed("POST", "/v1/mints/batch", {
      mints: [
        ticket("b-1", { eventId: "e-batch" }),
        ticket("b-2", { eventId: "e-batch", metadata: { name: "n".repeat(40) } }),
        ticket("b-3", { eventId: "e-batch", collectionId: "no-such-collection" }),
        ticket("b-4", { eventId: "e-batch" })
      ]
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      results: Array<{ ticketId: string; result: string; error?: { code: string } }>
    }
    expect(body.results.map((r) => [r.ticketId, r.result, r.error?.code ?? null])).toEqual([
      ["b-1", "accepted", null],
      ["b-2", "refused", "invalid_metadata"],
      ["b-3", "refused", "unknown_collection"],
      ["b-4", "accepted", null]
    ])
    expect((await listed("e-batch")).map((m) => m.ticketId).sort()).toEqual(["b-1", "b-4"])
  })
})
