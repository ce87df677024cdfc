/**
 * Issue 11, item 10: the served document validates (checked by an independent validator of the
 * OpenAPI specification, @seriousme/openapi-schema-validator), carries the server's constraints,
 * every status, examples and links; undeclared methods answer 405 with Allow; the reference page
 * loads nothing from elsewhere.
 */
import { Validator } from "@seriousme/openapi-schema-validator"
import { Api } from "@tickettoken/minting-core/client"
import { Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeTestApp } from "./TestApp.ts"

let t: ReturnType<typeof makeTestApp>
// biome-ignore lint/suspicious/noExplicitAny: the document is walked as plain JSON
let doc: any
beforeAll(async () => {
  t = makeTestApp()
  const res = await t.app.request("/openapi.json")
  expect(res.status).toBe(200)
  expect(res.headers.get("content-type")).toContain("application/json")
  doc = await res.json()
})
afterAll(async () => {
  await t.runtime.dispose()
})

const op = (path: string, method: string) => doc.paths[path][method]
const param = (path: string, method: string, name: string) =>
  // biome-ignore lint/suspicious/noExplicitAny: plain JSON
  op(path, method).parameters.find((p: any) => p.name === name)

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1 for an independent validator", async () => {
    const validator = new Validator()
    const result = await validator.validate(structuredClone(doc))
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe("3.1")
  })

  it("names components as OpenAPI allows", () => {
    for (const name of Object.keys(doc.components.schemas)) expect(name).toMatch(/^[a-zA-Z0-9._-]+$/)
    const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[^"]*"/g) ?? []
    for (const ref of refs) expect(doc.components.schemas[ref.slice(22, -1)], ref).toBeDefined()
  })

  it("allows no null where the server refuses one", () => {
    const request = doc.components.schemas.MintRequest
    for (const field of ["collectionId", "metadata"]) {
      expect(JSON.stringify(request.properties[field])).not.toContain('"null"')
    }
    const metadata = JSON.stringify(doc.components.schemas.TicketMetadataInput)
    expect(metadata).not.toContain('"null"')
    for (const p of op("/v1/mints", "get").parameters)
      expect(JSON.stringify(p.schema)).not.toContain('"null"')
  })

  it("carries the server's constraints", () => {
    expect(doc.components.schemas.PublicKey.pattern).toBe("^[1-9A-HJ-NP-Za-km-z]{32,44}$")
    expect(doc.components.schemas.TicketId.pattern).toBe("^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,127}$")
    expect(param("/v1/mints", "get", "status").schema.enum).toEqual([
      "pending",
      "minting",
      "completed",
      "failed",
      "missing_on_chain",
      "imported"
    ])
    expect(param("/v1/mints", "get", "limit").schema.pattern).toBe("^[1-9][0-9]{0,5}$")
    for (const name of ["cursor", "limit"]) expect(param("/v1/reconciliations", "get", name)).toBeDefined()
    expect(param("/v1/mints/{ticketId}", "get", "ticketId").required).toBe(true)
    const batch = JSON.stringify(doc.components.schemas.BatchMintRequest)
    expect(batch).toContain('"maxItems":500')
  })

  it("lists every status each operation answers, with examples, and links", () => {
    expect(Object.keys(op("/v1/mints", "post").responses).sort()).toEqual(
      ["200", "202", "400", "401", "409", "413", "415", "422", "503"].sort()
    )
    expect(Object.keys(op("/v1/mints/{ticketId}/retry", "post").responses)).toEqual(
      expect.arrayContaining(["202", "400", "401", "403", "404", "409", "413", "503"])
    )
    expect(Object.keys(op("/metadata/{ticketId}", "get").responses).sort()).toEqual([
      "200",
      "400",
      "404",
      "503"
    ])
    expect(op("/v1/mints", "post").requestBody.content["application/json"].example.ticketId).toBeDefined()
    expect(op("/v1/mints", "post").responses["202"].content["application/json"].example).toBeDefined()
    expect(
      op("/v1/mints", "post").responses["409"].content["application/json"].examples.ticket_conflict
    ).toBeDefined()
    expect(op("/v1/mints", "post").responses["202"].links.GetMint.operationId).toBe("getMint")
    for (const name of Api.names) {
      const e = Api.endpoints[name]
      expect(op(e.path, e.method.toLowerCase()).operationId).toBe(name)
    }
  })
})

describe("the declarations' examples", () => {
  it("each decodes with the schema it illustrates", () => {
    let checked = 0
    for (const name of Api.names) {
      const e: Api.Endpoint = Api.endpoints[name]
      if (e.body !== undefined && e.bodyExample !== undefined) {
        expect(
          Schema.decodeUnknownExit(e.body)(e.bodyExample, { onExcessProperty: "error" })._tag,
          name
        ).toBe("Success")
        checked++
      }
      for (const [status, answer] of Object.entries(Api.answersOf(e))) {
        if (answer.schema === undefined || answer.example === undefined) continue
        const decoded = Schema.decodeUnknownExit(answer.schema)(answer.example, { onExcessProperty: "error" })
        expect(decoded._tag, `${name} ${status}`).toBe("Success")
        checked++
      }
    }
    expect(checked).toBeGreaterThan(8)
  })
})

describe("methods and the reference page", () => {
  it.each([
    ["DELETE", "/v1/mints", "GET, HEAD, POST"],
    ["PUT", "/v1/mints/t-1", "GET, HEAD"],
    ["GET", "/v1/mints/t-1/retry", "POST"],
    ["PATCH", "/health", "GET, HEAD"],
    ["POST", "/metadata/t-1", "GET, HEAD"],
    ["PUT", "/v1/mints/batch", "GET, HEAD, POST"]
  ])("%s %s answers 405 with Allow: %s", async (method, path, allow) => {
    const res = await t.app.request(path, { method })
    expect(res.status).toBe(405)
    expect(res.headers.get("allow")).toBe(allow)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("method_not_allowed")
  })

  it("HEAD is answered wherever GET is", async () => {
    const res = await t.app.request("/health", { method: "HEAD" })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe("")
  })

  it("an unknown path is still 404", async () => {
    expect((await t.app.request("/v2/nothing", { method: "DELETE" })).status).toBe(404)
  })

  it("serves Swagger UI from this service only", async () => {
    const page = await t.app.request("/docs")
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain("SwaggerUIBundle")
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)
    for (const asset of html.match(/\/docs\/assets\/[\w.-]+/g) ?? []) {
      const res = await t.app.request(asset)
      expect(res.status, asset).toBe(200)
      expect((await res.text()).length).toBeGreaterThan(1000)
    }
  })
})
