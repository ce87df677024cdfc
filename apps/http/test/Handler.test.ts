/**
 * Issue 11, item 11 (first part) and the "a defect is logged once, briefly" rule: what the
 * handler logs when a client goes away mid-request, and when a route has a bug.
 */
import { request as httpRequest, type Server } from "node:http"
import { serve } from "@hono/node-server"
import { Net } from "@tickettoken/minting-service-kit"
import { Effect, Layer, Logger, ManagedRuntime, References } from "effect"
import { Hono } from "hono"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { AppRuntime } from "../src/AppServices.ts"
import { handler } from "../src/Handler.ts"

interface Line {
  readonly level: string
  readonly message: unknown
  readonly annotations: Record<string, unknown>
}
const lines: Array<Line> = []
const capture = Logger.make((options) => {
  lines.push({
    level: options.logLevel,
    message: options.message,
    annotations: Object.fromEntries(
      Object.entries(options.fiber.getRef(References.CurrentLogAnnotations) ?? {})
    )
  })
})

const runtime = ManagedRuntime.make(
  Layer.mergeAll(Logger.layer([capture]), Layer.succeed(References.MinimumLogLevel, "Debug"))
) as unknown as AppRuntime
const ctx = { runtime, auth: { internalSecrets: [], jwtSecret: null, jwtAudience: null, jwtIssuer: null } }

const app = new Hono<{ Variables: { requestId: string } }>()
app.use(async (c, next) => {
  c.set("requestId", c.req.header("x-request-id") ?? "none")
  await next()
})
app.get(
  "/slow",
  handler(ctx, "public", () => Effect.as(Effect.sleep("10 seconds"), { status: 200, json: {} }))
)
app.get(
  "/bug",
  handler(ctx, "public", () =>
    Effect.die(
      new TypeError("Cannot read properties of null (reading 'x')\n    at a stack frame\n    at another")
    )
  )
)

let server: Server
let port: number
beforeAll(async () => {
  port = await Net.freePort()
  server = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }) as Server
  await new Promise<void>((resolve) => server.once("listening", () => resolve()))
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await runtime.dispose()
})

describe("what a request leaves in the log", () => {
  it("a client that disconnects is not an ERROR", async () => {
    lines.length = 0
    await new Promise<void>((resolve) => {
      const req = httpRequest({
        host: "127.0.0.1",
        port,
        path: "/slow",
        headers: { "x-request-id": "gone-1" }
      })
      req.on("error", () => resolve())
      req.end()
      setTimeout(() => {
        req.destroy()
        resolve()
      }, 200)
    })
    // The interruption reaches the route's fiber once the socket's close is seen.
    for (let i = 0; i < 50 && !lines.some((l) => String(l.message).includes("disconnected")); i++) {
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(lines.filter((l) => l.level === "Error" || l.level === "Fatal")).toEqual([])
    const seen = lines.find((l) => String(l.message).includes("client disconnected"))
    expect(seen?.level).toBe("Debug")
    expect(seen?.annotations.requestId).toBe("gone-1")
  })

  it("a defect is one short ERROR line with the request id, and the client sees no detail", async () => {
    lines.length = 0
    const res = await fetch(`http://127.0.0.1:${port}/bug`, { headers: { "x-request-id": "bug-1" } })
    expect(res.status).toBe(500)
    const body = await res.text()
    expect(body).not.toContain("Cannot read")
    const errors = lines.filter((l) => l.level === "Error")
    expect(errors).toHaveLength(1)
    expect(errors[0]!.annotations.requestId).toBe("bug-1")
    const text = JSON.stringify(errors[0]!.message)
    expect(text).toContain("Cannot read properties of null")
    expect(text).not.toContain("stack frame")
    expect(text.length).toBeLessThan(600)
  })
})
