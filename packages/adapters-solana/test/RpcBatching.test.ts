/**
 * How many calls go in one JSON-RPC batch, against a real HTTP endpoint with a provider's limits:
 * bodies stay under Agave's default 50 KiB request limit whatever SOLANA_RPC_BATCH_SIZE says, and
 * an endpoint that refuses a batch as too large (413, or an error object instead of an array)
 * gets smaller batches rather than one request per call.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { MAX_BATCH_BYTES, makeSolanaRpc, RequestTally } from "../src/SolanaRpc.ts"

interface Endpoint {
  readonly url: string
  /** Calls per request received, in order. */
  readonly batches: Array<number>
  readonly bodies: Array<number>
  readonly server: Server
}

let open: Server | undefined
afterEach(() => {
  open?.close()
  open = undefined
})

/** Answers getBalance with the id; refuses bodies over `maxBytes` (413) and batches over `maxCalls`. */
const endpoint = async (limits: { maxBytes?: number; maxCalls?: number }): Promise<Endpoint> => {
  const batches: Array<number> = []
  const bodies: Array<number> = []
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const body = Buffer.concat(chunks)
      bodies.push(body.length)
      if (body.length > (limits.maxBytes ?? Number.POSITIVE_INFINITY)) {
        res.writeHead(413, "Payload Too Large").end()
        return
      }
      const parsed = JSON.parse(body.toString()) as
        | Array<{ id: number; params: Array<unknown> }>
        | { id: number; params: Array<unknown> }
      const calls = Array.isArray(parsed) ? parsed : [parsed]
      batches.push(calls.length)
      res.setHeader("content-type", "application/json")
      if (Array.isArray(parsed) && calls.length > (limits.maxCalls ?? Number.POSITIVE_INFINITY)) {
        res.end(
          JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32600, message: "batch too large" } })
        )
        return
      }
      const answers = calls.map((c) => ({ jsonrpc: "2.0", id: c.id, result: { echo: c.params[0] } }))
      res.end(JSON.stringify(Array.isArray(parsed) ? answers : answers[0]))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  open = server
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, batches, bodies, server }
}

const rpcOn = (url: string, batchSize: number) =>
  makeSolanaRpc({ url, timeoutMs: 5_000, batchSize, concurrency: 1, tally: new RequestTally() })

/** getTransaction's parameters: a signature (88 characters) and its options; `small` ones are 8. */
const params = (n: number, small = false) =>
  Array.from({ length: n }, (_, i) =>
    small
      ? [String(i).padStart(8, "0")]
      : [
          `${String(i).padStart(8, "0")}${"x".repeat(80)}`,
          { commitment: "confirmed", maxSupportedTransactionVersion: 0, encoding: "json" }
        ]
  )

const echoes = (n: number, small = false) => params(n, small).map((p) => ({ echo: p[0] }))

describe("JSON-RPC batches", () => {
  it("stay under 48 KiB of body, whatever the configured batch size", async () => {
    const at = await endpoint({})
    const results = await Effect.runPromise(rpcOn(at.url, 1_000).batch("getTransaction", params(1_000)))
    expect(results).toEqual(echoes(1_000))
    expect(Math.max(...at.bodies)).toBeLessThanOrEqual(MAX_BATCH_BYTES)
    // 1,000 calls of about 190 bytes: a handful of requests, not 1,000 and not 1.
    expect(at.batches.length).toBeGreaterThan(1)
    expect(at.batches.length).toBeLessThanOrEqual(6)
  })

  it("go out by the configured size when that is smaller", async () => {
    const at = await endpoint({})
    await Effect.runPromise(rpcOn(at.url, 100).batch("getTransaction", params(250)))
    expect(at.batches).toEqual([100, 100, 50])
  })

  it("are mapped one request at a time, each knowing where its calls start, results in order", async () => {
    const at = await endpoint({})
    const seen: Array<[number, number]> = []
    const mapped = await Effect.runPromise(
      rpcOn(at.url, 100).batchMap<{ echo: unknown }, string>(
        "getTransaction",
        params(250),
        (results, first) => {
          seen.push([first, results.length])
          return results.map((r, i) => `${first + i}:${String(r.echo).slice(0, 8)}`)
        }
      )
    )
    expect(seen).toEqual([
      [0, 100],
      [100, 100],
      [200, 50]
    ])
    expect(mapped).toEqual(Array.from({ length: 250 }, (_, i) => `${i}:${String(i).padStart(8, "0")}`))
  })

  it("are halved, for good, when the endpoint answers a batch with an error object", async () => {
    const at = await endpoint({ maxCalls: 60 })
    const rpc = rpcOn(at.url, 200)
    expect(await Effect.runPromise(rpc.batch("getTransaction", params(400, true)))).toEqual(echoes(400, true))
    // The first batch of 200 was refused, then halves down to 50; later batches start at 50.
    expect(at.batches.slice(0, 4)).toEqual([200, 100, 50, 50])
    expect(at.batches.slice(4)).toEqual([50, 50, 50, 50, 50, 50])
    const before = at.batches.length
    expect(await Effect.runPromise(rpc.batch("getTransaction", params(100, true)))).toEqual(echoes(100, true))
    expect(at.batches.slice(before)).toEqual([50, 50])
  })

  it("are halved when the endpoint refuses the body as too large (413)", async () => {
    const at = await endpoint({ maxBytes: 10_000 })
    const results = await Effect.runPromise(rpcOn(at.url, 200).batch("getTransaction", params(200)))
    expect(results).toEqual(echoes(200))
    // Never one request per call: 200 calls of ~250 bytes fit in about 5 bodies of 10 KB, and
    // halving to a size that fits (25) costs a few more.
    expect(at.batches.length).toBeLessThanOrEqual(10)
    expect(Math.max(...at.batches)).toBeLessThanOrEqual(50)
  })
})
