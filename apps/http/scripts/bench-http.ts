/**
 * bench:http: POST /v1/mints with a valid HMAC on real PostgreSQL (worker off) under autocannon,
 * against a baseline in the same run and on the same server process: a bare Hono route that
 * inserts the same row with no auth and no validation. The generator signs every request in
 * both runs, so it loads the machine alike. Prints req/s, p99 and the server's RSS, and as its
 * last line one JSON object.
 *
 *   pnpm bench:http [--seconds 10] [--connections 32]
 * DATABASE_URL defaults to the local server; a database of its own is created and dropped.
 */
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { NodeCrypto } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { InternalAuth } from "@tickettoken/minting-core/client"
import autocannon from "autocannon"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const seconds = arg("seconds", 10)
const connections = arg("connections", 32)
const adminUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
const database = `bench_http_${Date.now()}`
const secret = "bench-secret"
const owner = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"

const admin = (statement: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(statement)
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(adminUrl) })))
  )

const rssKb = (pid: number) => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  } catch {
    return 0
  }
}

const signer = Layer.mergeAll(NodeCrypto.layerDigest, NodeCrypto.layerMac)
let counter = 0
const body = (prefix: string) =>
  JSON.stringify({ ticketId: `${prefix}-${process.pid}-${counter++}`, orderId: "o-1", eventId: "e-1", owner })

const load = async (port: number, path: string, signed: boolean, pid: number) => {
  let peakRss = 0
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssKb(pid))), 200)
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: "POST",
        path,
        setupRequest: (request) => {
          const text = body(signed ? "ours" : "bare")
          const headers: Record<string, string> = { "content-type": "application/json" }
          Object.assign(
            headers,
            Effect.runSync(
              InternalAuth.sign(
                Redacted.make(secret),
                { method: "POST", path, body: new TextEncoder().encode(text) },
                { nonce: `n-${process.pid}-${counter}-${Math.random().toString(36).slice(2)}` }
              ).pipe(Effect.provide(signer))
            )
          )
          return { ...request, body: text, headers }
        }
      }
    ]
  })
  clearInterval(sampler)
  const ok = result["2xx"]
  const errors = result.non2xx + result.errors + result.timeouts
  return { rps: ok / seconds, p99: result.latency.p99, errors, peakRssMb: Math.round(peakRss / 1024) }
}

await admin(`CREATE DATABASE ${database}`)
await admin(`ALTER DATABASE ${database} SET search_path TO minting, public`)
const url = new URL(adminUrl)
url.pathname = `/${database}`
const server = spawn(process.execPath, [join(import.meta.dirname, "bench-server.ts")], {
  env: { ...process.env, DATABASE_URL: url.toString(), BENCH_SECRET: secret },
  stdio: ["ignore", "pipe", "inherit"]
})
try {
  const port = await new Promise<number>((resolve, reject) => {
    server.stdout!.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())))
    server.once("exit", (code) => reject(new Error(`bench server exited ${code}`)))
  })
  // Warm both paths (JIT, pool) before measuring.
  await load(port, "/bare/mints", false, server.pid!)
  await load(port, "/v1/mints", true, server.pid!)
  const baseline = await load(port, "/bare/mints", false, server.pid!)
  const ours = await load(port, "/v1/mints", true, server.pid!)
  console.log(`connections ${connections}, ${seconds} s each, after a warm-up run of each`)
  console.log("route                        req/s     p99 ms   errors   server RSS MB")
  console.log(
    `bare insert (baseline)  ${baseline.rps.toFixed(0).padStart(10)} ${String(baseline.p99).padStart(10)} ${String(baseline.errors).padStart(8)} ${String(baseline.peakRssMb).padStart(14)}`
  )
  console.log(
    `POST /v1/mints (ours)   ${ours.rps.toFixed(0).padStart(10)} ${String(ours.p99).padStart(10)} ${String(ours.errors).padStart(8)} ${String(ours.peakRssMb).padStart(14)}`
  )
  console.log(
    JSON.stringify({
      bench: "http",
      unit: "req/s",
      ours: Math.round(ours.rps),
      baseline: Math.round(baseline.rps),
      ratio: Math.round((ours.rps / baseline.rps) * 100) / 100,
      p99_ms: ours.p99,
      rss_mb: ours.peakRssMb
    })
  )
} finally {
  server.kill("SIGTERM")
  await new Promise((r) => server.once("exit", r))
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
}
