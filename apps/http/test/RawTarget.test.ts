/**
 * Issue 11, item 8: the signature covers the request target exactly as sent on the wire. Sent
 * through a real server with node:http, which puts the path on the request line untouched: the
 * WHATWG URL the router sees is normalised (`'` becomes %27, `/x/../` is resolved), and that
 * normalised form must not be what the server checks.
 */
import { request as httpRequest, type Server } from "node:http"
import { serve } from "@hono/node-server"
import { InternalAuth, MintingClient } from "@tickettoken/minting-core/client"
import { Net } from "@tickettoken/minting-service-kit"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { crypto, makeTestApp, secret } from "./TestApp.ts"

let t: ReturnType<typeof makeTestApp>
let server: Server
let port: number
beforeAll(async () => {
  t = makeTestApp()
  port = await Net.freePort()
  server = serve({ fetch: t.app.fetch, port, hostname: "127.0.0.1" }) as Server
  await new Promise<void>((resolve) => server.once("listening", () => resolve()))
})
afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
  })
  await t.runtime.dispose()
})

let n = 0
/** GET `sent` on the wire, signed over `signed`. */
const get = async (sent: string, signed: string) => {
  const headers = await Effect.runPromise(
    InternalAuth.sign(
      Redacted.make(secret),
      { method: "GET", path: signed, body: new Uint8Array() },
      { nonce: `raw-target-${n++}-${Date.now()}` }
    ).pipe(Effect.provide(crypto))
  )
  return new Promise<number>((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: sent, method: "GET", headers }, (res) => {
      res.resume()
      res.on("end", () => resolve(res.statusCode ?? 0))
    })
    req.on("error", reject)
    req.end()
  })
}

describe("the signature covers the raw request target", () => {
  it.each([
    "/v1/mints?eventId=a'b",
    '/v1/mints?eventId=a"b',
    "/v1/mints?eventId=a<b>",
    "/v1/mints?eventId=a`b",
    "/v1/mints?eventId={a}",
    "/v1/mints?eventId=a%27b",
    "/x/../v1/mints",
    "/v1/./mints"
  ])("%s: accepted signed as sent, refused signed as normalised", async (sent) => {
    expect(await get(sent, sent)).toBe(200)
    const normalised = new URL(sent, "http://localhost")
    const whatwg = normalised.pathname + normalised.search
    if (whatwg !== sent) expect(await get(sent, whatwg)).toBe(401)
  })

  it("the typed client signs what fetch sends, whatever the characters", async () => {
    const client = MintingClient.make({ baseUrl: `http://127.0.0.1:${port}`, secret: Redacted.make(secret) })
    for (const eventId of ["a'b", 'a"b', "a<b>", "a`b", "{a}", "a b", "é/ü?&="]) {
      const page = await Effect.runPromise(client.listMints({ eventId }).pipe(Effect.provide(crypto)))
      expect(page.items).toEqual([])
    }
  })
})
