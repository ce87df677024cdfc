/**
 * The operator console in a real browser, against the real service: apps/http's main.ts on a
 * throwaway PostgreSQL database and its local devnet (the real Bubblegum programs when cached;
 * under CI they must be). An operator signs in, reads the overview and checks it against the
 * API, finds a ticket and its timeline, retries a failed mint and watches it complete on chain,
 * runs a reconciliation pass and resolves what it found, and signs out. Every page passes axe
 * with no serious or critical violation, and is photographed into docs/console/.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createHmac, randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeCrypto } from "@effect/platform-node"
import {
  Base58,
  Mint,
  MintedAsset,
  MintFailure,
  MintRepository,
  MintRequest,
  SignedTransaction,
  TicketMetadataInput
} from "@tickettoken/minting-core"
import { MintingClient } from "@tickettoken/minting-core/client"
import * as Postgres from "@tickettoken/minting-postgres"
import { TestDatabase } from "@tickettoken/minting-postgres/testing"
import { programsMissingForTests } from "@tickettoken/solana-localnet"
import { DateTime, Effect, Layer, Redacted } from "effect"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launch, seriousViolations } from "./Browser.ts"

const repoRoot = join(import.meta.dirname, "..", "..", "..")
const shots = join(repoRoot, "docs", "console")
const internalSecret = randomBytes(24).toString("hex")
const jwtSecret = randomBytes(24).toString("hex")
const owner = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
const withBubblegum = programsMissingForTests() === undefined
if (!withBubblegum) {
  console.log("console: Bubblegum programs not in the cache; the service runs on the simulated chain")
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const adminJwt = () => {
  const head = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: "ops-alice", role: "admin", exp: Math.floor(Date.now() / 1000) + 3600 })}`
  return `${head}.${createHmac("sha256", jwtSecret).update(head).digest("base64url")}`
}

let db: TestDatabase.TestDatabase
let server: ChildProcess
let baseUrl: string
let dataDir: string
let browser: Browser
let context: BrowserContext
let page: Page
const output: Array<string> = []

const crypto = Layer.mergeAll(NodeCrypto.layerDigest, NodeCrypto.layerMac)
const client = () => MintingClient.make({ baseUrl, secret: Redacted.make(internalSecret) })
/** A signed request of an internal client, as another service would make it. */
const api = <A, E, R>(f: (c: ReturnType<typeof client>) => Effect.Effect<A, E, R>) =>
  Effect.runPromise(Effect.provide(f(client()), crypto) as Effect.Effect<A, E>)

const inDatabase = <A, E>(effect: Effect.Effect<A, E, MintRepository>) =>
  Effect.runPromise(
    effect.pipe(Effect.provide(Postgres.layer({ url: db.url, maxConnections: 1 }))) as Effect.Effect<A, E>
  )

const request = (ticketId: string) =>
  new MintRequest({
    ticketId,
    orderId: `o-${ticketId}`,
    eventId: "evt-console",
    owner,
    metadata: new TicketMetadataInput({ eventName: "Console night" })
  })

const until = async <A>(what: string, probe: () => Promise<A | undefined>, ms = 60_000): Promise<A> => {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const randomBase58 = (bytes: number) => Base58.encode(Uint8Array.from(randomBytes(bytes)))

/** axe on the page as shown, then its picture for the README. */
const check = async (name: string) => {
  const violations = await seriousViolations(page)
  expect(violations, `${name}: ${JSON.stringify(violations, null, 1)}`).toEqual([])
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true })
}

/** No secret ever reaches a page. */
const noSecrets = async () => {
  const html = await page.content()
  for (const secret of [jwtSecret, internalSecret, adminJwt().split(".")[2]!])
    expect(html).not.toContain(secret)
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  db = await TestDatabase.create("console")
  dataDir = mkdtempSync(join(tmpdir(), "tt-console-"))
  const port = await freePort()
  baseUrl = `http://127.0.0.1:${port}`
  server = spawn(process.execPath, ["src/main.ts"], {
    cwd: join(repoRoot, "apps", "http"),
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: db.urlText,
      INTERNAL_AUTH_SECRETS: internalSecret,
      JWT_SECRET: jwtSecret,
      DATA_DIR: dataDir,
      LOCALNET_PORT: String(await freePort()),
      WORKER_IDLE_MS: "50",
      SOLANA_RPC_URL: ""
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  server.stdout!.on("data", (chunk: Buffer) => output.push(chunk.toString()))
  server.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()))
  const started = launch()
  await until(
    "the service to listen",
    async () => {
      if (server.exitCode !== null) throw new Error(`the service exited:\n${output.join("")}`)
      return output.join("").includes("listening on") ? true : undefined
    },
    90_000
  )
  browser = await started
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  page = await context.newPage()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (server !== undefined && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once("exit", resolve))
    server.kill("SIGTERM")
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))])
    if (server.exitCode === null) server.kill("SIGKILL")
  }
  await db?.drop()
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
  // Whatever the service logged, no secret is in it.
  const log = output.join("")
  expect(log).not.toContain(jwtSecret)
  expect(log).not.toContain(internalSecret)
}, 30_000)

describe("the operator console in Chromium", () => {
  const completedTickets = ["console-a", "console-b", "console-c"]
  const failedTicket = "console-failed"
  const ghostTicket = "console-ghost"

  it("mints a few tickets through the API, and plants a failed mint and one the chain never saw", async () => {
    for (const ticket of completedTickets) await api((c) => c.requestMint(request(ticket)))
    for (const ticket of completedTickets) {
      await until(`${ticket} to complete`, async () => {
        const mint = await api((c) => c.getMint(ticket))
        expect(mint.status).not.toBe("failed")
        return mint.status === "completed" ? mint : undefined
      })
    }
    const chain = (await (await fetch(`${baseUrl}/health/chain`)).json()) as {
      kind: string
      activeTree: { address: string }
    }
    expect(chain.kind).toBe(withBubblegum ? "localnet" : "simulated")
    // What a worker that gave up leaves behind, and a row claiming a leaf the chain never had.
    await inDatabase(
      Effect.gen(function* () {
        const mints = yield* MintRepository
        const now = yield* DateTime.now
        const base = {
          request: request(failedTicket),
          metadataUri: `${baseUrl}/metadata/${failedTicket}`,
          attempts: 3,
          maxAttempts: 3,
          nextAttemptAt: null,
          lease: null,
          transaction: null,
          asset: null,
          version: 0,
          createdAt: now,
          updatedAt: now,
          completedAt: null
        }
        yield* mints.create(
          new Mint({
            ...base,
            id: globalThis.crypto.randomUUID(),
            ticketId: failedTicket,
            status: "failed",
            failure: new MintFailure({
              code: "rpc_unavailable",
              message: "the cluster did not answer",
              retryable: true
            })
          })
        )
        const signature = randomBase58(64)
        yield* mints.create(
          new Mint({
            ...base,
            id: globalThis.crypto.randomUUID(),
            ticketId: ghostTicket,
            request: request(ghostTicket),
            metadataUri: `${baseUrl}/metadata/${ghostTicket}`,
            attempts: 0,
            status: "completed",
            failure: null,
            transaction: new SignedTransaction({
              signature,
              lastValidBlockHeight: 1,
              wire: new Uint8Array([1]),
              tree: chain.activeTree.address,
              dataHash: randomBase58(32),
              signedAt: now
            }),
            asset: new MintedAsset({
              assetId: randomBase58(32),
              tree: chain.activeTree.address,
              leafIndex: 9_999,
              signature,
              slot: 1,
              owner,
              dataHash: randomBase58(32)
            }),
            completedAt: now
          })
        )
      })
    )
  })

  it("refuses every page without a session, and signs the operator in with the admin token", async () => {
    await page.goto(`${baseUrl}/console`)
    expect(new URL(page.url()).pathname).toBe("/console/sign-in")
    await check("sign-in")
    await page.getByLabel("Admin token (JWT)").fill("not-a-token")
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByText("Refused: malformed jwt.").waitFor()
    await page.getByLabel("Admin token (JWT)").fill(adminJwt())
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByRole("heading", { name: "Overview" }).waitFor()
    expect(new URL(page.url()).pathname).toBe("/console")
    const cookie = (await context.cookies()).find((c) => c.name === "tt_console_session")!
    expect(cookie.httpOnly).toBe(true)
    expect(cookie.sameSite).toBe("Strict")
    await noSecrets()
  })

  it("shows the overview the API and health endpoints tell", async () => {
    await page.goto(`${baseUrl}/console`)
    const completed = await api((c) => c.listMints({ status: "completed", limit: 500 }))
    const failed = await api((c) => c.listMints({ status: "failed", limit: 500 }))
    expect(await page.getByTestId("count-completed").textContent()).toBe(String(completed.items.length))
    expect(await page.getByTestId("count-failed").textContent()).toBe(String(failed.items.length))
    expect(completed.items.length).toBe(completedTickets.length + 1)
    const chain = (await (await fetch(`${baseUrl}/health/chain`)).json()) as {
      rpcHost: string | null
      kind: string
    }
    expect(await page.getByTestId("rpc-host").textContent()).toBe(chain.rpcHost ?? "—")
    expect(await page.getByTestId("chain-kind").textContent()).toBe(chain.kind)
    const health = (await (await fetch(`${baseUrl}/health`)).json()) as { worker: { status: string } }
    expect(health.worker.status).toBe("ok")
    expect(await page.getByTestId("worker-state").textContent()).toBe("running")
    // The completions of the last hour: the three minted here (the planted one completed "now" too).
    expect(await page.getByTestId("latency-count").textContent()).toBe(String(completedTickets.length + 1))
    expect(await page.getByTestId("fee-payer-mints").textContent()).toMatch(/^[\d,]+ more mints$/)
    await noSecrets()
    await check("overview")
  })

  it("reads the same without JavaScript", async () => {
    const noScript = await browser.newContext({ javaScriptEnabled: false })
    try {
      await noScript.addCookies(await context.cookies())
      const plain = await noScript.newPage()
      await plain.goto(`${baseUrl}/console`)
      expect(await plain.getByTestId("count-completed").textContent()).toBe(
        String(completedTickets.length + 1)
      )
      await plain.goto(`${baseUrl}/console/mints?status=completed`)
      expect(await plain.getByTestId("mints").getByRole("link", { name: completedTickets[0]! }).count()).toBe(
        1
      )
      await plain.goto(`${baseUrl}/console/mints/${completedTickets[0]}`)
      expect(await plain.getByTestId("mint-status").textContent()).toBe("completed")
    } finally {
      await noScript.close()
    }
  })

  it("finds a ticket and shows its timeline: the attempt's signature, the leaf, the owner", async () => {
    await page.getByRole("link", { name: "Mints", exact: true }).click()
    await page.getByRole("heading", { name: "Mints" }).waitFor()
    await check("mints")
    const ticket = completedTickets[1]!
    await page.getByLabel("Ticket").fill(ticket)
    await page.getByRole("button", { name: "Filter" }).click()
    await page.getByRole("heading", { name: `Ticket ${ticket}` }).waitFor()
    const mint = await api((c) => c.getMint(ticket))
    expect(await page.getByTestId("mint-status").textContent()).toBe("completed")
    expect(await page.getByTestId("timeline").textContent()).toContain(mint.signature!)
    expect(await page.getByTestId("leaf-index").textContent()).toBe(String(mint.leafIndex))
    expect(await page.getByTestId("asset-id").textContent()).toContain(mint.assetId!)
    await check("mint")
  })

  it("retries a failed mint after a confirmation, and sees it complete on the chain", async () => {
    await page.goto(`${baseUrl}/console/mints?status=failed`)
    await page.getByRole("link", { name: failedTicket }).click()
    expect(await page.getByTestId("mint-status").textContent()).toBe("failed")
    await page.getByTestId("retry-link").click()
    await page.getByRole("heading", { name: `Retry ticket ${failedTicket}?` }).waitFor()
    await check("retry")
    await page.getByRole("button", { name: "Confirm retry" }).click()
    await page.getByText("The mint is queued again").waitFor()
    // The page refreshes itself (the console's script) until the worker has minted it.
    await page.locator('[data-testid="mint-status"]', { hasText: "completed" }).waitFor({ timeout: 60_000 })
    const mint = await api((c) => c.getMint(failedTicket))
    expect(mint.status).toBe("completed")
    expect(mint.assetId).toBeTruthy()
    expect(await page.getByTestId("timeline").textContent()).toContain(mint.signature!)
  })

  it("runs a reconciliation pass, shows what it found, and resolves a finding", async () => {
    await page.getByRole("link", { name: "Reconciliation", exact: true }).click()
    await page.getByTestId("run-pass").click()
    await page.getByText("The reconciliation pass ran").waitFor({ timeout: 60_000 })
    const findingRow = page.getByTestId("report-findings").getByRole("row", { name: new RegExp(ghostTicket) })
    expect(await findingRow.textContent()).toContain("mint missing")
    await check("reconciliation-report")

    await page.getByRole("link", { name: "All reports and findings" }).click()
    const open = await api((c) => c.listFindings({ state: "open" }))
    const ghost = open.items.find((f) => f.finding.ticketId === ghostTicket)!
    expect(ghost.reasonCode).toBe("mint_missing")
    const row = page.locator(`tr[data-finding="${ghost.id}"]`)
    expect(await row.textContent()).toContain(ghostTicket)
    await check("reconciliation")
    await row.getByRole("button", { name: "Resolve" }).click()
    await page.getByText("The finding is resolved").waitFor()
    expect(await page.locator(`tr[data-finding="${ghost.id}"]`).count()).toBe(0)
    const after = await api((c) => c.listFindings({ state: "resolved" }))
    expect(after.items.find((f) => f.id === ghost.id)?.resolvedBy).toBe("operator:ops-alice")
  })

  it("shows the trees and collections", async () => {
    await page.getByRole("link", { name: "Trees and collections" }).click()
    const chain = (await (await fetch(`${baseUrl}/health/chain`)).json()) as {
      activeTree: { address: string }
    }
    expect(await page.getByTestId("trees").innerHTML()).toContain(chain.activeTree.address)
    await check("trees")
  })

  it("signs out, and is refused afterwards", async () => {
    await page.getByRole("button", { name: "Sign out" }).click()
    await page.getByText("Signed out.").waitFor()
    expect((await context.cookies()).some((c) => c.name === "tt_console_session")).toBe(false)
    await page.goto(`${baseUrl}/console/mints/${completedTickets[0]}`)
    expect(new URL(page.url()).pathname).toBe("/console/sign-in")
    expect(await page.getByRole("heading", { name: "Sign in" }).count()).toBe(1)
  })
})
