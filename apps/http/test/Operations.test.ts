/**
 * An operator's day on PostgreSQL and the local devnet in its own process (here: served from this
 * test process) with the real Bubblegum and Token Metadata programs, as real processes over real
 * HTTP: a fee payer made and funded with `pnpm keypair:*`, a tree made with `pnpm tree:create`
 * (which the service then mints into), collections created over HTTP and with `pnpm collection`,
 * a mint into one whose leaf carries the verified collection, and the tree commands.
 */

import type { ChildProcess } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeCrypto } from "@effect/platform-node"
import {
  ChainGateway,
  MintRequest,
  ReplicaRepository,
  TicketMetadata,
  TicketMetadataInput
} from "@tickettoken/minting-core"
import { type CollectionView, InternalAuth, MintingClient } from "@tickettoken/minting-core/client"
import * as Postgres from "@tickettoken/minting-postgres"
import { TestDatabase } from "@tickettoken/minting-postgres/testing"
import { Net, Script } from "@tickettoken/minting-service-kit"
import { BubblegumGateway, SolanaConfig } from "@tickettoken/minting-solana"
import { type Localnet, programsMissingForTests, startLocalnet } from "@tickettoken/solana-localnet"
import { Effect, Layer, Option, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startService } from "./ServiceUnderTest.ts"
import { jwt, jwtSecret } from "./TestApp.ts"

const missing = programsMissingForTests()
if (missing !== undefined) console.log(`Operations: skipped: ${missing}`)
const suite = missing === undefined ? describe : describe.skip

const root = join(import.meta.dirname, "..", "..", "..")
const secret = "ops-internal-secret"
const owner = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
const admin = () => jwt({ sub: "ops", role: "admin", exp: Math.floor(Date.now() / 1000) + 600 })

let localnet: Localnet
let db: TestDatabase.TestDatabase
let dir: string
let feePayer: string
let feePayerAddress: string
let firstTree: string
let server: ChildProcess
let baseUrl: string
let publicBaseUrl: string
let output: Array<string> = []

/** Runs one of the project's scripts as `pnpm <script>` would, with the operator's environment. */
const cli = (script: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Script.run(join(root, script), args, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DATABASE_URL: db.urlText,
      SOLANA_RPC_URL: localnet.rpcUrl,
      SOLANA_KEYPAIR: feePayer,
      PUBLIC_BASE_URL: publicBaseUrl,
      DATA_DIR: join(dir, "data"),
      ...env
    }
  })

const tree = (...args: Array<string>) => cli("apps/http/src/cli/tree.ts", args)
const collection = (...args: Array<string>) => cli("apps/http/src/cli/collection.ts", args)
const keypair = (...args: Array<string>) => cli("packages/adapters-solana/scripts/keypair.ts", args)
const lastJson = Script.lastJson

const crypto = Layer.mergeAll(NodeCrypto.layerDigest, NodeCrypto.layerMac)
const run = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.runPromise(effect.pipe(Effect.provide(crypto)) as Effect.Effect<A, E>)
const client = () =>
  MintingClient.make({ baseUrl, secret: Redacted.make(secret), operatorToken: Redacted.make(admin()) })

const rpc = async <A>(method: string, params: ReadonlyArray<unknown>): Promise<A> => {
  const response = await fetch(localnet.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params })
  })
  return ((await response.json()) as { result: A }).result
}

const accountOwner = async (address: string) =>
  (await rpc<{ value: { owner: string } | null }>("getAccountInfo", [address, { encoding: "base64" }])).value
    ?.owner ?? null

/** The service's database, read directly (as the reconciler's replica tables are). */
const onDatabase = <A, E>(effect: Effect.Effect<A, E, ReplicaRepository>) =>
  Effect.runPromise(
    effect.pipe(
      Effect.provide(Layer.orDie(Postgres.layer({ url: db.url, maxConnections: 1 })))
    ) as Effect.Effect<A, E>
  )

const send = (method: string, path: string, body: unknown, headers: Record<string, string>) =>
  fetch(`${baseUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body)
  })

const waitForMint = async (ticketId: string) => {
  let mint = await run(client().getMint(ticketId))
  for (let i = 0; i < 300 && mint.status !== "completed" && mint.status !== "failed"; i++) {
    await new Promise((r) => setTimeout(r, 100))
    mint = await run(client().getMint(ticketId))
  }
  return mint
}

suite("operator commands and collections on the local devnet with the real programs", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tt-ops-"))
    localnet = await startLocalnet({ port: 0 })
    db = await TestDatabase.create("ops")
    const port = await Net.freePort()
    baseUrl = `http://127.0.0.1:${port}`
    publicBaseUrl = `https://mint.tickettoken.test`
    feePayer = join(dir, "fee-payer.json")
  }, 60_000)

  afterAll(async () => {
    if (server !== undefined && server.exitCode === null) server.kill("SIGKILL")
    await localnet?.close()
    await db?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it("keypair:new writes a 0600 keypair, prints only its public key, and never overwrites", async () => {
    const made = await keypair("new", feePayer)
    expect(made.code).toBe(0)
    feePayerAddress = made.stdout.trim()
    expect(feePayerAddress).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/)
    expect(statSync(feePayer).mode & 0o777).toBe(0o600)
    const bytes = JSON.parse(readFileSync(feePayer, "utf8")) as Array<number>
    expect(bytes).toHaveLength(64)
    // Nothing of the secret half is printed, in any form.
    const secretHalf = JSON.stringify(bytes.slice(0, 32))
    expect(made.stdout + made.stderr).not.toContain(secretHalf.slice(1, 20))
    expect(made.stdout.trim().split("\n")).toHaveLength(1)

    const before = readFileSync(feePayer, "utf8")
    const again = await keypair("new", feePayer)
    expect(again.code).toBe(1)
    expect(again.stderr).toContain("refusing to overwrite")
    expect(readFileSync(feePayer, "utf8")).toBe(before)
  })

  it("keypair:fund airdrops on the local devnet and waits for the confirmation", async () => {
    const funded = await keypair("fund", feePayer, "--sol", "25", "--rpc", localnet.rpcUrl)
    expect(funded.stderr).toBe("")
    expect(funded.code).toBe(0)
    expect(funded.stdout).toContain(feePayerAddress)
    const balance = await rpc<{ value: number }>("getBalance", [feePayerAddress, { commitment: "confirmed" }])
    expect(balance.value).toBe(25_000_000_000)
    const refused = await keypair("fund", feePayer)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("--sol")
  })

  it("tree:create --help prints the cost table", async () => {
    const help = await cli("apps/http/src/cli/tree.ts", ["create", "--help"])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("| depth | buffer | canopy | max mints |")
    expect(help.stdout).toContain("| 14 | 64 | 0 | 16,384 | 31,800 | 0.2222 |")
  })

  it("tree:create creates a tree and registers it as the service's active tree", async () => {
    const dry = await tree("create", "--depth", "5", "--buffer", "8", "--dry-run")
    expect(dry.code).toBe(0)
    expect(lastJson<{ dryRun: boolean; rentLamports: number }>(dry)).toMatchObject({
      dryRun: true,
      rentLamports: 13_975_680
    })
    expect((await tree("list")).stdout).toContain("no trees")
    const created = await tree("create", "--depth", "5", "--buffer", "8")
    expect(created.stderr).toBe("")
    expect(created.code).toBe(0)
    const result = lastJson<{ address: string; status: string }>(created)
    firstTree = result.address
    expect(result.status).toBe("active")
    expect(await accountOwner(firstTree)).toBe("cmtDvXumGCrqC1Age74AVPhSRVXJMd8PJS91L8KbNCK")
    const listed = await tree("list")
    expect(listed.code).toBe(0)
    expect(listed.stdout).toMatch(new RegExp(`${firstTree}\\s+active\\s+5/8/0\\s+0/32`))
  }, 60_000)

  it("the service starts on that tree and creates none of its own", async () => {
    const started = await startService({
      PORT: new URL(baseUrl).port,
      DATABASE_URL: db.urlText,
      SOLANA_RPC_URL: localnet.rpcUrl,
      SOLANA_KEYPAIR: feePayer,
      INTERNAL_AUTH_SECRETS: secret,
      JWT_SECRET: jwtSecret,
      PUBLIC_BASE_URL: publicBaseUrl,
      DATA_DIR: join(dir, "service"),
      WORKER_IDLE_MS: "50",
      COLLECTION_WAIT_MS: "30000"
    })
    server = started.child
    output = started.output
    const active = output
      .join("")
      .split("\n")
      .find((line) => line.includes('"active tree"'))
    expect(active).toContain(firstTree)
    const listed = await tree("list")
    expect(listed.stdout.trim().split("\n")).toHaveLength(2)
  }, 90_000)

  it("collection writes need an admin JWT: no token, an HMAC signature and a non-admin JWT are refused", async () => {
    const body = { id: "refused", name: "Refused", symbol: "NO", maxSupply: 1 }
    const none = await send("POST", "/v1/collections", body, {})
    expect(none.status).toBe(401)
    expect(((await none.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe(
      "admin_jwt_required"
    )
    const bytes = new TextEncoder().encode(JSON.stringify(body))
    const signed = await run(
      InternalAuth.sign(
        Redacted.make(secret),
        { method: "POST", path: "/v1/collections", body: bytes },
        {
          nonce: `n-${Date.now()}`
        }
      )
    )
    const hmac = await send("POST", "/v1/collections", body, signed)
    expect(hmac.status).toBe(401)
    const user = jwt({ sub: "u", role: "user", exp: Math.floor(Date.now() / 1000) + 60 })
    const forbidden = await send("POST", "/v1/collections", body, { authorization: `Bearer ${user}` })
    expect(forbidden.status).toBe(403)
    const patch = await send("PATCH", "/v1/collections/refused", { maxSupply: 3 }, signed)
    expect(patch.status).toBe(401)
    // Reading is an operator's or a service's: the HMAC client lists.
    const listed = await run(MintingClient.make({ baseUrl, secret: Redacted.make(secret) }).listCollections())
    expect(listed.items).toEqual([])
  })

  let festival: CollectionView

  it("POST /v1/collections creates the collection NFT on chain once; a retry answers the same collection", async () => {
    const request = {
      id: "fest-2027",
      name: "Summer Festival 2027",
      symbol: "FEST",
      maxSupply: 2,
      metadata: { description: "Tickets of Summer Festival 2027", image: "https://img.test/fest.png" }
    }
    const created = await send("POST", "/v1/collections", request, { authorization: `Bearer ${admin()}` })
    expect(created.status).toBe(201)
    festival = (await created.json()) as CollectionView
    expect(festival.status).toBe("ready")
    expect(festival.collectionMint).toBeTruthy()
    expect(festival.uri).toBe(`${publicBaseUrl}/metadata/collections/fest-2027`)
    expect(await accountOwner(festival.collectionMint!)).toBe("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")

    const again = await send("POST", "/v1/collections", request, { authorization: `Bearer ${admin()}` })
    expect(again.status).toBe(200)
    expect(((await again.json()) as CollectionView).collectionMint).toBe(festival.collectionMint)

    const conflict = await send(
      "POST",
      "/v1/collections",
      { ...request, symbol: "OTHER" },
      { authorization: `Bearer ${admin()}` }
    )
    expect(conflict.status).toBe(409)
    expect(((await conflict.json()) as { error: { code: string } }).error.code).toBe("collection_conflict")
    const invalid = await send(
      "POST",
      "/v1/collections",
      { ...request, id: "too-long", name: "x".repeat(33) },
      { authorization: `Bearer ${admin()}` }
    )
    expect(invalid.status).toBe(400)
  }, 60_000)

  it("GET lists and shows the collection; its public JSON is served at its URI", async () => {
    const listed = await run(client().listCollections())
    expect(listed.items.map((c) => c.id)).toEqual(["fest-2027"])
    const shown = await run(client().getCollection("fest-2027"))
    expect(shown).toMatchObject({
      status: "ready",
      collectionMint: festival.collectionMint,
      maxSupply: 2,
      currentSupply: 0,
      treeCount: 0
    })
    const missing = await run(Effect.flip(client().getCollection("nope")))
    expect(missing.status).toBe(404)
    expect(missing.code).toBe("collection_not_found")
    const doc = (await (await fetch(`${baseUrl}/metadata/collections/fest-2027`)).json()) as Record<
      string,
      unknown
    >
    expect(doc).toMatchObject({
      name: "Summer Festival 2027",
      symbol: "FEST",
      description: "Tickets of Summer Festival 2027",
      image: "https://img.test/fest.png"
    })
  })

  it("a ticket minted into the collection lands in the CLI's tree with the collection verified", async () => {
    const request = new MintRequest({
      ticketId: "fest-ticket-1",
      orderId: "o-1",
      eventId: "e-1",
      owner,
      collectionId: "fest-2027",
      metadata: new TicketMetadataInput({ eventName: "Summer Festival" })
    })
    await run(client().requestMint(request))
    const mint = await waitForMint("fest-ticket-1")
    expect(mint.status).toBe("completed")
    expect(mint.tree).toBe(firstTree)
    const reader = BubblegumGateway.layer.pipe(
      Layer.provide(SolanaConfig.layer({ rpcUrl: localnet.rpcUrl, keypair: Redacted.make(feePayer) }))
    )
    const [leaf, verified, without] = await Effect.runPromise(
      Effect.gen(function* () {
        const gateway = yield* ChainGateway
        const leaf = Option.getOrThrow(yield* gateway.mintedLeaf(mint.signature!))
        const uri = mint.metadataUri
        return [
          leaf,
          yield* gateway.hashMetadata(TicketMetadata.onChainMetadata(request, uri, festival.collectionMint)),
          yield* gateway.hashMetadata(TicketMetadata.onChainMetadata(request, uri, null))
        ] as const
      }).pipe(Effect.provide(reader), Effect.orDie)
    )
    // The leaf's data hash is the one over {collection: festival, verified: true}.
    expect(leaf.dataHash).toBe(verified)
    expect(leaf.dataHash).not.toBe(without)
    const shown = await run(client().getCollection("fest-2027"))
    expect(shown.currentSupply).toBe(1)
    expect(shown.treeCount).toBe(1)
  }, 60_000)

  it("PATCH changes the max supply and metadata, and refuses a max below the current supply", async () => {
    const below = await run(Effect.flip(client().updateCollection("fest-2027", { maxSupply: 0 })))
    expect(below.status).toBe(409)
    expect(below.code).toBe("max_supply_below_supply")
    expect(below.message).toContain("already holds 1")
    const changed = await run(
      client().updateCollection("fest-2027", { maxSupply: 1, metadata: { description: "Sold out" } })
    )
    expect(changed.maxSupply).toBe(1)
    expect(changed.metadata).toEqual({ description: "Sold out" })
    const full = await run(
      Effect.flip(
        client().requestMint(
          new MintRequest({
            ticketId: "fest-ticket-2",
            orderId: "o-2",
            eventId: "e-1",
            owner,
            collectionId: "fest-2027",
            metadata: new TicketMetadataInput({ eventName: "Summer Festival" })
          })
        )
      )
    )
    expect(full.code).toBe("collection_full")
    const unlimited = await run(client().updateCollection("fest-2027", { maxSupply: null }))
    expect(unlimited.maxSupply).toBeNull()
    const unknown = await run(Effect.flip(client().updateCollection("nope", { maxSupply: 1 })))
    expect(unknown.status).toBe(404)
  })

  it("the OpenAPI document declares the collection endpoints with their security", async () => {
    const doc = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security: Array<Record<string, unknown>> }>>
    }
    expect(doc.paths["/v1/collections"]?.post?.security).toEqual([{ platformJwt: [] }])
    expect(doc.paths["/v1/collections/{id}"]?.patch?.security).toEqual([{ platformJwt: [] }])
    expect(Object.keys(doc.paths["/v1/collections/{id}"] ?? {}).sort()).toEqual(["get", "patch"])
    expect(doc.paths["/metadata/collections/{id}"]?.get).toBeDefined()
  })

  it("pnpm collection create|list|show|update works against the same database and chain", async () => {
    const created = await collection(
      "create",
      "--id",
      "winter-2027",
      "--name",
      "Winter Gala 2027",
      "--symbol",
      "GALA",
      "--max-supply",
      "100",
      "--description",
      "Winter"
    )
    expect(created.stderr).toBe("")
    expect(created.code).toBe(0)
    const view = lastJson<CollectionView>(created)
    expect(view.status).toBe("ready")
    expect(await accountOwner(view.collectionMint!)).toBe("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
    const again = await collection(
      "create",
      "--id",
      "winter-2027",
      "--name",
      "Winter Gala 2027",
      "--symbol",
      "GALA"
    )
    expect(again.code).toBe(0)
    expect(again.stdout).toContain("already exists")
    expect(lastJson<CollectionView>(again).collectionMint).toBe(view.collectionMint)

    const listed = await collection("list")
    expect(listed.code).toBe(0)
    expect(lastJson<Array<CollectionView>>(listed).map((c) => c.id)).toEqual(["fest-2027", "winter-2027"])
    const shown = await collection("show", "fest-2027")
    expect(shown.code).toBe(0)
    expect(lastJson<CollectionView>(shown)).toMatchObject({ currentSupply: 1, treeCount: 1 })
    const below = await collection("update", "fest-2027", "--max-supply", "0")
    expect(below.code).toBe(1)
    expect(below.stderr).toContain("already holds 1")
    const updated = await collection("update", "winter-2027", "--image", "https://img.test/gala.png")
    expect(updated.code).toBe(0)
    expect(lastJson<CollectionView>(updated).metadata).toEqual({
      description: "Winter",
      image: "https://img.test/gala.png"
    })
    // Over HTTP, the collection made on the command line is the same row.
    expect((await run(client().getCollection("winter-2027"))).collectionMint).toBe(view.collectionMint)
    const noBaseUrl = await cli("apps/http/src/cli/collection.ts", ["create", "--id", "x", "--name", "X"], {
      PUBLIC_BASE_URL: ""
    })
    expect(noBaseUrl.code).toBe(2)
    expect(noBaseUrl.stderr).toContain("PUBLIC_BASE_URL")
    const noDatabase = await cli("apps/http/src/cli/collection.ts", ["list"], { DATABASE_URL: "" })
    expect(noDatabase.code).toBe(2)
    expect(noDatabase.stderr).toContain("DB=embedded")
    const missing = await collection("show", "nope")
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("no collection nope")
    const noChain = await cli("apps/http/src/cli/collection.ts", ["create", "--id", "x", "--name", "X"], {
      SOLANA_RPC_URL: ""
    })
    expect(noChain.code).toBe(2)
    expect(noChain.stderr).toContain("SOLANA_RPC_URL")
  }, 90_000)

  it("a creation stopped after its transaction was stored is finished by running it again, with those bytes", async () => {
    // --wait-seconds 0 stops right after the signed transaction is stored, before any send:
    // what a crash at the worst moment leaves.
    const args = ["create", "--id", "spring-2027", "--name", "Spring Fair 2027", "--symbol", "SPR"]
    const stopped = await collection(...args, "--wait-seconds", "0")
    expect(stopped.code).toBe(1)
    expect(stopped.stdout).toContain("has not landed yet")
    const pending = lastJson<CollectionView>(stopped)
    expect(pending.status).toBe("creating")
    expect(pending.creationSignature).toBeTruthy()
    const statuses = () =>
      rpc<{ value: Array<{ confirmationStatus: string } | null> }>("getSignatureStatuses", [
        [pending.creationSignature],
        { searchTransactionHistory: true }
      ])
    expect((await statuses()).value[0]).toBeNull()
    // Meanwhile a ticket for it is refused rather than minted outside the collection.
    const refused = await run(
      Effect.flip(
        client().requestMint(
          new MintRequest({
            ticketId: "spring-1",
            orderId: "o-4",
            eventId: "e-2",
            owner,
            collectionId: "spring-2027",
            metadata: new TicketMetadataInput({ eventName: "Spring" })
          })
        )
      )
    )
    expect(refused.code).toBe("collection_not_ready")
    // Finished over HTTP with the same values: the stored bytes are the ones that land.
    const finished = await send(
      "POST",
      "/v1/collections",
      { id: "spring-2027", name: "Spring Fair 2027", symbol: "SPR", maxSupply: null },
      { authorization: `Bearer ${admin()}` }
    )
    expect(finished.status).toBe(201)
    const view = (await finished.json()) as CollectionView
    expect(view.status).toBe("ready")
    expect(view.creationSignature).toBeNull()
    expect((await statuses()).value[0]?.confirmationStatus).toMatch(/confirmed|finalized/)
    const tx = await rpc<{ transaction: { message: { accountKeys: Array<string> } } }>("getTransaction", [
      pending.creationSignature,
      { encoding: "json", commitment: "confirmed", maxSupportedTransactionVersion: 0 }
    ])
    expect(tx.transaction.message.accountKeys).toContain(view.collectionMint)
  }, 60_000)

  it("tree rescan forgets the replica; the next pass rebuilds it from the chain", async () => {
    const pass = () =>
      fetch(`${baseUrl}/v1/reconciliations`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin()}` }
      })
    expect((await pass()).status).toBe(201)
    const state = () => onDatabase(Effect.flatMap(ReplicaRepository, (r) => r.state(firstTree)))
    const built = await state()
    expect(built.seq).not.toBeNull()
    const rescanned = await tree("rescan", firstTree)
    expect(rescanned.code).toBe(0)
    expect((await state()).seq).toBeNull()
    expect((await pass()).status).toBe(201)
    const rebuilt = await state()
    expect(rebuilt.seq).toBe(built.seq)
    expect(rebuilt.root).toBe(built.root)
    const unknown = await tree("rescan", "11111111111111111111111111111111")
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("no tree")
  }, 60_000)

  it("tree retire stops mints into the active tree; a standby tree takes over", async () => {
    const standby = await tree("create", "--depth", "5", "--buffer", "8", "--standby")
    expect(standby.code).toBe(0)
    const second = lastJson<{ address: string; status: string }>(standby).address
    expect(lastJson<{ status: string }>(standby).status).toBe("standby")
    const retired = await tree("retire", firstTree)
    expect(retired.code).toBe(0)
    expect(retired.stdout).toContain(`${second} (standby) is now the active tree`)
    const listed = await tree("list")
    expect(listed.stdout).toMatch(new RegExp(`${firstTree}\\s+full`))
    expect(listed.stdout).toMatch(new RegExp(`${second}\\s+active`))
    await run(
      client().requestMint(
        new MintRequest({
          ticketId: "after-retire",
          orderId: "o-3",
          eventId: "e-1",
          owner,
          metadata: new TicketMetadataInput({ eventName: "After" })
        })
      )
    )
    const mint = await waitForMint("after-retire")
    expect(mint.status).toBe("completed")
    expect(mint.tree).toBe(second)
    const again = await tree("retire", firstTree)
    expect(again.stdout).toContain("already retired")
  }, 60_000)
})
