/**
 * A property-based fuzz of the HTTP edge (issue 11), with effect's property-testing module
 * (`effect/Arbitrary`: in effect 4.1 it replaces the FastCheck re-export of effect 3) on the
 * real PostgreSQL server. Requests are generated from the API's own schemas and declarations,
 * valid and invalid (NUL, unpaired surrogates, huge numbers, wrong types, odd URL characters,
 * undeclared methods), signed, and sent. Properties:
 *
 * - never a 5xx;
 * - every answer is one the served /openapi.json declares for the operation (or 404/405 off
 *   the declared routes), and its body decodes with the schema the document was made from;
 * - a refused request writes nothing, an accepted one exactly what it says;
 * - a valid request is never harmed by a bad one sent in the same instant.
 *
 * Deterministic (fixed seeds), bounded (a few hundred requests), well under 60 s.
 */
import { MintRepository, MintRequest, TicketMetadataInput } from "@tickettoken/minting-core"
import { Api, InternalAuth, ListMintsParams } from "@tickettoken/minting-core/client"
import { TestDatabase } from "@tickettoken/minting-postgres/testing"
import { Arbitrary as A, DateTime, Effect, Redacted, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { crypto, makeTestApp, secret } from "./TestApp.ts"

const owners = [
  "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin",
  "So11111111111111111111111111111111111111112",
  "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
] as const

let database: TestDatabase.TestDatabase
let t: ReturnType<typeof makeTestApp>
// biome-ignore lint/suspicious/noExplicitAny: the served document, walked as JSON
let doc: any
beforeAll(async () => {
  database = await TestDatabase.create("fuzz")
  t = makeTestApp({ postgresUrl: database.url })
  doc = await (await t.app.request("/openapi.json")).json()
})
afterAll(async () => {
  await t.runtime.dispose()
  await database.drop()
})

// --- generators, from the API's schemas -------------------------------------------------------

const pick = <const T extends ReadonlyArray<string>>(values: T) => A.schema(Schema.Literals(values))
const oneOf = <X>(...arbitraries: ReadonlyArray<A.Arbitrary<X>>): A.Arbitrary<X> =>
  A.flatMap(
    A.schema(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: arbitraries.length - 1 }))),
    (i) => arbitraries[i]!
  )

/** Text that is trouble somewhere: for PostgreSQL, UTF-8, URLs, number parsing. */
const poison = pick([
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udfff",
  "'",
  '"',
  "<b>",
  "`",
  "{}",
  "/",
  ".",
  "..",
  "%00",
  "%ED%A0%80",
  " 1 ",
  "é",
  "😀",
  "0x10",
  "1e2",
  "99999999999999999999",
  "99999999999999999999:x",
  "-1",
  "x".repeat(300)
])
const wrongType = pick(["42", "null", "[]", "{}", "true", "1e308", "-0", '"x"'])

const fields = MintRequest.fields
const metadataFields = TicketMetadataInput.fields

/** A request the schemas accept (its metadata may still break Bubblegum's limits: a 422). */
const validRequest = A.all({
  ticketId: A.schema(fields.ticketId),
  orderId: A.schema(fields.orderId),
  eventId: A.schema(fields.eventId),
  owner: pick(owners),
  metadata: A.all({
    name: A.schema(metadataFields.name),
    eventName: A.schema(metadataFields.eventName),
    sellerFeeBasisPoints: A.schema(Schema.Int)
  })
})
type Body = Record<string, unknown>

const mutated: A.Arbitrary<{ body: Body | string; bad: boolean }> = A.flatMap(
  A.all({
    request: validRequest,
    how: pick(["none", "none", "poison", "type", "extra", "nested", "huge", "raw", "deep"])
  }),
  ({ request, how }): A.Arbitrary<{ body: Body | string; bad: boolean }> => {
    const body: Body = { ...request, metadata: { ...request.metadata } }
    const field = pick(["ticketId", "orderId", "eventId", "owner", "collectionId"])
    switch (how) {
      case "poison":
        return A.map(A.all({ field, value: poison }), ({ field, value }) => ({
          body: { ...body, [field]: value },
          bad: true
        }))
      case "type":
        return A.map(A.all({ field, value: wrongType }), ({ field, value }) => ({
          body: { ...body, [field]: JSON.parse(value) },
          bad: true
        }))
      case "extra":
        return A.map(poison, (key) => ({ body: { ...body, [key]: 1 }, bad: true }))
      case "nested":
        return A.map(poison, (value) => ({
          body: { ...body, metadata: { ...(body.metadata as Body), description: value } },
          bad: true
        }))
      case "huge":
        return A.Constant({ body: { ...body, metadata: { sellerFeeBasisPoints: 1e308 } }, bad: true })
      case "deep":
        return A.map(
          A.schema(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 30_000 }))),
          (depth) => ({
            body: `{"ticketId":${"[".repeat(depth)}${"]".repeat(depth)}}`,
            bad: true
          })
        )
      case "raw":
        return A.map(poison, (text) => ({ body: `{"ticketId": ${text}`, bad: true }))
      default:
        return A.Constant({ body, bad: false })
    }
  }
)

interface Req {
  readonly method: string
  readonly target: string
  readonly body?: string
}

/** Percent-encodes one segment or value; an unpaired surrogate goes out as bytes no UTF-8 decodes. */
const encode = (text: string) =>
  encodeURIComponent(text.replace(/\p{Cs}/gu, "\u0001")).replaceAll("%01", "%ED%A0%80")

const segment = oneOf(A.schema(fields.ticketId), poison, A.schema(Schema.String))

const query = A.map(
  A.all({
    status: oneOf(A.schema(ListMintsParams.fields.status), poison),
    eventId: oneOf(A.schema(fields.eventId), poison),
    owner: oneOf(pick(owners), poison),
    cursor: oneOf(pick(["1764460800000:0b6f4e1c-4c1e-4c57-9a43-2f7d1f3b8a10"]), poison),
    limit: oneOf(A.map(A.schema(Schema.Int), String), poison),
    keep: A.array(A.schema(Schema.Boolean), { minLength: 5, maxLength: 5 })
  }),
  (q) => {
    const entries = (["status", "eventId", "owner", "cursor", "limit"] as const).filter((_, i) => q.keep[i])
    return entries.length === 0 ? "" : `?${entries.map((k) => `${k}=${encode(q[k])}`).join("&")}`
  }
)

const request: A.Arbitrary<Req> = oneOf<Req>(
  A.map(mutated, ({ body }) => ({
    method: "POST",
    target: "/v1/mints",
    body: typeof body === "string" ? body : JSON.stringify(body)
  })),
  A.map(A.array(mutated, { minLength: 1, maxLength: 4 }), (items) => ({
    method: "POST",
    target: "/v1/mints/batch",
    body: JSON.stringify({ mints: items.map((i) => i.body) })
  })),
  A.map(query, (q) => ({ method: "GET", target: `/v1/mints${q}` })),
  A.map(query, (q) => ({ method: "GET", target: `/v1/reconciliations${q}` })),
  A.map(
    A.all({ s: segment, where: pick(["/v1/mints/", "/metadata/", "/v1/reconciliations/", "retry"]) }),
    ({ s, where }) =>
      where === "retry"
        ? { method: "POST", target: `/v1/mints/${encode(s)}/retry` }
        : { method: "GET", target: `${where}${encode(s)}` }
  ),
  A.map(
    A.all({
      method: pick(["PUT", "DELETE", "PATCH", "OPTIONS"]),
      path: pick(["/v1/mints", "/v1/mints/t-1", "/health", "/metadata/t-1", "/v1/reconciliations"])
    }),
    ({ method, path }) => ({ method, target: path })
  )
)

// --- sending and judging ------------------------------------------------------------------------

let nonce = 0
const send = async (req: Req) => {
  // What app.request() puts on the wire is the WHATWG-normalised URL: that is the target signed.
  const url = new URL(req.target, "http://localhost")
  const target = url.pathname + url.search
  const bytes = new TextEncoder().encode(req.body ?? "")
  const headers = await Effect.runPromise(
    InternalAuth.sign(
      Redacted.make(secret),
      { method: req.method, path: target, body: bytes },
      { nonce: `fuzz-${nonce++}-nonce`, at: DateTime.nowUnsafe() }
    ).pipe(Effect.provide(crypto))
  )
  const res = await t.app.request(target, {
    method: req.method,
    headers: { ...headers, ...(req.body === undefined ? {} : { "content-type": "application/json" }) },
    ...(req.body === undefined ? {} : { body: Buffer.from(bytes) })
  })
  const text = await res.text()
  return {
    status: res.status,
    text,
    json: (() => {
      try {
        return JSON.parse(text) as unknown
      } catch {
        return undefined
      }
    })()
  }
}

const templates = Api.names.map((name) => {
  const e = Api.endpoints[name]
  return { e, pattern: new RegExp(`^${e.path.replace(/\{\w+\}/g, "[^/]+")}$`) }
})

/** The answer must be one the document declares; its body must decode with the declared schema. */
const judge = (req: Req, answer: Awaited<ReturnType<typeof send>>) => {
  const where = `${req.method} ${req.target} -> ${answer.status} ${answer.text.slice(0, 200)}`
  expect(answer.status, where).toBeLessThan(500)
  const path = new URL(req.target, "http://localhost").pathname
  const onPath = templates.filter(({ pattern }) => pattern.test(path))
  if (onPath.length === 0) {
    expect(answer.status, where).toBe(404)
    return
  }
  const declared = onPath.find(
    ({ e }) => e.method === req.method || (e.method === "GET" && req.method === "HEAD")
  )
  if (declared === undefined) {
    expect(answer.status, where).toBe(405)
    return
  }
  const operation = doc.paths[declared.e.path][declared.e.method.toLowerCase()]
  expect(Object.keys(operation.responses), where).toContain(String(answer.status))
  const declaredAnswer = Api.answersOf(declared.e)[answer.status]
  const code = (answer.json as { error?: { code?: unknown } } | undefined)?.error?.code
  if (declaredAnswer?.codes !== undefined) expect(declaredAnswer.codes, where).toContain(code)
  const schema = declaredAnswer?.schema
  if (schema !== undefined) {
    const decoded = Schema.decodeUnknownExit(schema)(answer.json, { onExcessProperty: "error" })
    expect(decoded._tag, `${where}: body does not match the declared schema`).toBe("Success")
  }
}

const mintCount = () =>
  t.runtime.runPromise(
    Effect.gen(function* () {
      const counts = yield* (yield* MintRepository).countByStatus()
      return Object.values(counts).reduce((a, b) => a + b, 0)
    })
  )

const check = async <X>(
  arbitrary: A.Arbitrary<X>,
  property: (x: X) => Promise<void>,
  seed: number,
  runs: number
) => {
  const result = await Effect.runPromise(
    A.checkEffect(
      arbitrary,
      (x) => Effect.as(Effect.tryPromise({ try: () => property(x), catch: (e) => e }), true),
      { seed, runs, maxShrinks: 20 }
    )
  )
  if (result._tag !== "Passed") throw new Error(A.formatCheckFailure(result) ?? result._tag)
}

describe("fuzzing the edge", () => {
  it("never a 5xx, every answer as documented, a refusal writes nothing", async () => {
    await check(
      request,
      async (req) => {
        const before = await mintCount()
        const answer = await send(req)
        judge(req, answer)
        const written = (await mintCount()) - before
        if (answer.status >= 400) expect(written, `${req.method} ${req.target} wrote on a refusal`).toBe(0)
        else if (req.target === "/v1/mints") expect(written).toBe(answer.status === 202 ? 1 : 0)
        else if (req.target === "/v1/mints/batch") {
          const results = (answer.json as { results: Array<{ result: string; ticketId: string }> }).results
          const accepted = new Set(results.filter((r) => r.result === "accepted").map((r) => r.ticketId))
          expect(written).toBe(accepted.size)
        } else expect(written).toBe(0)
      },
      1101,
      300
    )
  }, 60_000)

  it("a valid request is never harmed by bad ones sent in the same instant", async () => {
    let n = 0
    const bad = A.filter(mutated, (m) => m.bad)
    await check(
      A.all({ bad: A.array(bad, { minLength: 1, maxLength: 3 }), owner: pick(owners) }),
      async ({ bad: bads, owner }) => {
        const good: Req = {
          method: "POST",
          target: "/v1/mints",
          body: JSON.stringify({ ticketId: `fuzz-good-${n++}`, orderId: "o", eventId: "e-fuzz", owner })
        }
        const others: Array<Req> = bads.map(({ body }) => ({
          method: "POST",
          target: "/v1/mints",
          body: typeof body === "string" ? body : JSON.stringify(body)
        }))
        const [mine, ...rest] = await Promise.all([good, ...others].map(send))
        expect(mine!.status, mine!.text).toBe(202)
        rest.forEach((answer, i) => {
          judge(others[i]!, answer)
        })
      },
      2202,
      60
    )
  }, 60_000)
})
