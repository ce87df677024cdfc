/**
 * The server side of bench:http: the real app (auth, validation, idempotent intake, metadata,
 * outbox, all in one transaction) on PostgreSQL with the worker off, and beside it the
 * baseline: a bare Hono route that inserts the same mints row with no auth and no validation.
 * Prints its port on stdout when ready.
 */
import { randomUUID } from "node:crypto"
import type { Server } from "node:http"
import { NodeCrypto } from "@effect/platform-node"
import { serve } from "@hono/node-server"
import { MintingSettings } from "@tickettoken/minting-core"
import { SimulatedChain } from "@tickettoken/minting-core/testing"
import * as Postgres from "@tickettoken/minting-postgres"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { makeApp } from "../src/App.ts"
import type { AppServices } from "../src/AppServices.ts"

const layer = Layer.mergeAll(
  Postgres.PostgresLeaderLock.layer.pipe(Layer.provideMerge(Postgres.layerConfig)),
  SimulatedChain.layer(),
  NodeCrypto.layerDigest,
  NodeCrypto.layerMac,
  Layer.succeed(MintingSettings, { ...MintingSettings.defaultValue(), publicBaseUrl: "http://127.0.0.1" })
)
const runtime = ManagedRuntime.make(layer as Layer.Layer<AppServices | SqlClient.SqlClient, never>)
await runtime.runPromise(Effect.void)

const app = makeApp(runtime as unknown as ManagedRuntime.ManagedRuntime<AppServices, never>, {
  auth: {
    internalSecrets: [Redacted.make(process.env.BENCH_SECRET ?? "bench")],
    jwtSecret: null,
    jwtAudience: null,
    jwtIssuer: null
  },
  health: { chain: "simulated", database: "postgresql" }
})

app.post("/bare/mints", async (c) => {
  const body = (await c.req.json()) as { ticketId: string; orderId: string; eventId: string; owner: string }
  const now = new Date()
  await runtime.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO mints (id, ticket_id, request, event_id, order_id, owner, metadata_uri, status, attempts,
        max_attempts, next_attempt_at, version, created_at, updated_at)
        VALUES (${randomUUID()}, ${body.ticketId}, ${JSON.stringify(body)}::jsonb, ${body.eventId}, ${body.orderId},
        ${body.owner}, ${`http://127.0.0.1/metadata/${body.ticketId}`}, 'pending', 0, 3, ${now}, 1, ${now}, ${now})
        ON CONFLICT (ticket_id) DO NOTHING`
    })
  )
  return c.json({ ticketId: body.ticketId }, 202)
})

const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server
server.once("listening", () => {
  const address = server.address()
  process.stdout.write(`${typeof address === "object" && address ? address.port : 0}\n`)
})
process.on("SIGTERM", () => {
  server.closeAllConnections()
  server.close(() => void runtime.dispose().then(() => process.exit(0)))
})
