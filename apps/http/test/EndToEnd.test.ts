/**
 * The real service process against a real PostgreSQL server of its own and the local devnet
 * (with the real Bubblegum programs when they are cached): a signed request becomes a
 * completed mint whose asset the chain confirms; with PostgreSQL stopped the API answers 503,
 * never 2xx, and recovers when it is back; SIGTERM exits 0.
 */

import type { ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeCrypto } from "@effect/platform-node"
import { ChainGateway, MintRequest, TicketMetadataInput } from "@tickettoken/minting-core"
import { MintingClient } from "@tickettoken/minting-core/client"
import { DisposableServer } from "@tickettoken/minting-postgres/testing"
import { Keypairs, Net } from "@tickettoken/minting-service-kit"
import { BubblegumGateway, SolanaConfig } from "@tickettoken/minting-solana"
import { programsMissingForTests } from "@tickettoken/solana-localnet"
import { Effect, Layer, Option, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startService } from "./ServiceUnderTest.ts"

const secret = "e2e-internal-secret"
const owner = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
const withBubblegum = programsMissingForTests() === undefined
if (!withBubblegum) {
  console.log(
    "EndToEnd: Bubblegum programs not in the cache; the chain is the simulated one (run pnpm programs:fetch)"
  )
}

let pg: DisposableServer.DisposableServer
let server: ChildProcess
let baseUrl: string
let dataDir: string
let output: Array<string> = []

const crypto = Layer.mergeAll(NodeCrypto.layerDigest, NodeCrypto.layerMac)
const run = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.runPromise(effect.pipe(Effect.provide(crypto)) as Effect.Effect<A, E>)

beforeAll(async () => {
  pg = await DisposableServer.make()
  dataDir = mkdtempSync(join(tmpdir(), "tt-e2e-"))
  const port = await Net.freePort()
  baseUrl = `http://127.0.0.1:${port}`
  const started = await startService({
    PORT: String(port),
    DATABASE_URL: pg.url,
    INTERNAL_AUTH_SECRETS: secret,
    DATA_DIR: dataDir,
    LOCALNET_PORT: String(await Net.freePort()),
    WORKER_IDLE_MS: "50",
    SOLANA_RPC_URL: ""
  })
  server = started.child
  output = started.output
}, 90_000)

afterAll(async () => {
  if (server.exitCode === null) server.kill("SIGKILL")
  pg?.dispose()
  rmSync(dataDir, { recursive: true, force: true })
})

const client = () => MintingClient.make({ baseUrl, secret: Redacted.make(secret) })
const request = (ticketId: string) =>
  new MintRequest({
    ticketId,
    orderId: "o-1",
    eventId: "e-1",
    owner,
    metadata: new TicketMetadataInput({ eventName: "End to end" })
  })

describe("the service, end to end", () => {
  it("the first log line announces the chain", () => {
    const first = JSON.parse(output.join("").split("\n")[0]!) as { chain: string }
    expect(first.chain).toBe(withBubblegum ? "localnet" : "simulated")
  })

  it("a signed POST becomes a completed mint whose asset the chain confirms", async () => {
    const accepted = await run(client().requestMint(request("e2e-1")))
    expect(accepted.status).toBe("pending")
    let mint = accepted
    for (let i = 0; i < 200 && mint.status !== "completed" && mint.status !== "failed"; i++) {
      await new Promise((r) => setTimeout(r, 100))
      mint = await run(client().getMint("e2e-1"))
    }
    expect(mint.status).toBe("completed")
    expect(mint.assetId).toBeTruthy()

    const chain = (await (await fetch(`${baseUrl}/health/chain`)).json()) as {
      kind: string
      rpcHost: string | null
    }
    if (!withBubblegum) return
    expect(chain.kind).toBe("localnet")
    // Read the leaf back from the chain with the adapter's own parser, as a stranger would.
    const reader = BubblegumGateway.layer.pipe(
      Layer.provide(
        SolanaConfig.layer({
          rpcUrl: `http://${chain.rpcHost!}`,
          keypair: Redacted.make(Keypairs.newKeypairJson())
        })
      )
    )
    const leaf = await Effect.runPromise(
      Effect.gen(function* () {
        const gateway = yield* ChainGateway
        return yield* gateway.mintedLeaf(mint.signature!)
      }).pipe(Effect.provide(reader), Effect.orDie)
    )
    expect(Option.isSome(leaf)).toBe(true)
    expect(Option.getOrThrow(leaf).assetId).toBe(mint.assetId)
    expect(Option.getOrThrow(leaf).owner).toBe(owner)
  }, 60_000)

  it("answers 503 while PostgreSQL is stopped, never 2xx, and 200 once it is back", async () => {
    pg.stop()
    try {
      const health = await fetch(`${baseUrl}/health/db`)
      expect(health.status).toBe(503)
      const refused = await run(Effect.flip(client().requestMint(request("e2e-down"))))
      expect(refused.status).toBe(503)
      expect(refused.code).toBe("database_unavailable")
      const batch = await run(
        Effect.flip(client().requestMints([request("e2e-down-a"), request("e2e-down-b")]))
      )
      expect(batch.status).toBe(503)
    } finally {
      pg.start()
    }
    let status = 0
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await fetch(`${baseUrl}/health/db`)).status
      if (status !== 200) await new Promise((r) => setTimeout(r, 100))
    }
    expect(status).toBe(200)
    // The refused ticket was never written; now it is accepted.
    const accepted = await run(client().requestMint(request("e2e-down")))
    expect(accepted.status).toBe("pending")
  }, 60_000)

  it("stops on SIGTERM with exit code 0", async () => {
    const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)))
    server.kill("SIGTERM")
    expect(await exited).toBe(0)
  }, 30_000)
})
