/** The Promise client of @tickettoken/minting-core/client against the app itself (app.request, no port). */
import { Base58, MintWorker, reconcilePass, TreeReplica } from "@tickettoken/minting-core"
import { createMintingClient, MintingApiError, type MintRequestInput } from "@tickettoken/minting-core/client"
import { describe, expect, it } from "vitest"
import { jwt, makeTestApp, secret } from "./TestApp.ts"

const owner = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
const ticket = (ticketId: string, extra: Partial<MintRequestInput> = {}): MintRequestInput => ({
  ticketId,
  orderId: "o-1",
  eventId: "e-1",
  owner,
  metadata: { eventName: "Promise client" },
  ...extra
})

const setup = (
  options: { secret?: string; fetch?: typeof globalThis.fetch; operatorToken?: string } = {}
) => {
  const t = makeTestApp()
  const appFetch: typeof globalThis.fetch = (input, init) => Promise.resolve(t.app.request(input, init))
  const client = createMintingClient({
    baseUrl: "http://minting.test/",
    secret: options.secret ?? secret,
    fetch: options.fetch ?? appFetch,
    ...(options.operatorToken === undefined ? {} : { operatorToken: options.operatorToken })
  })
  const runWorker = () => t.runtime.runPromise(MintWorker.runRound({ batchSize: 50, concurrency: 2 }))
  const reconcile = () => t.runtime.runPromise(reconcilePass())
  return { client, runWorker, reconcile, appFetch }
}

const failure = async (promise: Promise<unknown>): Promise<MintingApiError> => {
  const error = await promise.then(
    () => expect.unreachable("expected a rejection"),
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(MintingApiError)
  return error as MintingApiError
}

describe("createMintingClient", () => {
  it("requests a mint with a plain object, idempotently, and waits for it", async () => {
    const { client, runWorker } = setup()
    const accepted = await client.requestMint(ticket("p-1"))
    expect(accepted.status).toBe("pending")
    expect((await client.requestMint(ticket("p-1"))).id).toBe(accepted.id)

    const conflict = await failure(client.requestMint(ticket("p-1", { orderId: "o-2" })))
    expect([conflict.status, conflict.code]).toEqual([409, "ticket_conflict"])

    const waiting = client.waitForMint("p-1", { timeoutMs: 5_000, intervalMs: 10 })
    await runWorker()
    const done = await waiting
    expect(done.status).toBe("completed")
    expect(done.assetId).toBeTruthy()
    expect((await client.getMint("p-1")).signature).toBe(done.signature)
  })

  it("gets a ticket's asset proof once a pass has seen its leaf; the proof gives the root", async () => {
    const { client, runWorker, reconcile } = setup()
    await client.requestMint(ticket("proof-1"))
    await runWorker()
    const before = await failure(client.getProof("proof-1"))
    expect([before.status, before.code]).toEqual([404, "proof_not_found"])
    await reconcile()
    const proof = await client.getProof("proof-1")
    expect(proof.assetId).toBe((await client.getMint("proof-1")).assetId)
    const root = TreeReplica.rootFromProof(
      Base58.decode(proof.leaf)!,
      proof.leafIndex,
      proof.proof.map((node) => Base58.decode(node)!)
    )
    expect(Base58.encode(root)).toBe(proof.root)
    expect((await client.getMint("proof-1")).currentOwner).toBe(owner)
  })

  it("batches, refusing per ticket", async () => {
    const { client } = setup()
    const results = await client.requestMints([ticket("b-1"), ticket("b-2"), ticket("b-1", { orderId: "x" })])
    expect(results.map((r) => r.result)).toEqual(["accepted", "accepted", "refused"])
  })

  it("lists every mint across pages", async () => {
    const { client, runWorker } = setup()
    await client.requestMints(["l-1", "l-2", "l-3", "l-4", "l-5"].map((id) => ticket(id)))
    await client.requestMint(ticket("other", { eventId: "e-2" }))
    await runWorker()
    const seen: Array<string> = []
    for await (const mint of client.listMints({ eventId: "e-1", limit: 2 })) seen.push(mint.ticketId)
    expect(seen.sort()).toEqual(["l-1", "l-2", "l-3", "l-4", "l-5"])
  })

  it("carries the API's code and status", async () => {
    const { client } = setup()
    const missing = await failure(client.getMint("nope"))
    expect([missing.status, missing.code]).toEqual([404, "mint_not_found"])
    await client.requestMint(ticket("r-1"))
    const notRetryable = await failure(client.retryMint("r-1"))
    expect([notRetryable.status, notRetryable.code]).toEqual([409, "retry_not_allowed"])
    const invalid = await failure(client.requestMint(ticket("bad", { owner: "not-a-key" })))
    expect(invalid.code).toBe("invalid_request")

    const { client: stranger } = setup({ secret: "not-the-secret" })
    const refused = await failure(stranger.getMint("r-1"))
    expect(refused.status).toBe(401)
  })

  it("retries a request that got no answer, signed afresh, and gives up after its retries", async () => {
    const { appFetch } = setup()
    let calls = 0
    const nonces = new Set<string>()
    const flaky: typeof globalThis.fetch = (input, init) => {
      calls++
      nonces.add(new Headers(init?.headers).get("x-tt-nonce") ?? "")
      return calls <= 2 ? Promise.reject(new TypeError("fetch failed")) : appFetch(input, init)
    }
    const { client } = setup({ fetch: flaky })
    expect((await client.requestMint(ticket("n-1"))).status).toBe("pending")
    expect(calls).toBe(3)
    expect(nonces.size).toBe(3)

    const down = createMintingClient({
      baseUrl: "http://127.0.0.1:9",
      secret,
      retries: 1,
      fetch: () => Promise.reject(new TypeError("fetch failed"))
    })
    const unreachable = await failure(down.getMint("n-1"))
    expect([unreachable.status, unreachable.code]).toEqual([0, "unreachable"])
  })

  it("stops waiting at the timeout", async () => {
    const { client } = setup()
    await client.requestMint(ticket("w-1"))
    const timeout = await failure(client.waitForMint("w-1", { timeoutMs: 50, intervalMs: 10 }))
    expect(timeout.code).toBe("timeout")
  })

  it("creates, lists, shows and changes collections; the admin calls need an operator token", async () => {
    const admin = jwt({ sub: "ops", role: "admin", exp: Math.floor(Date.now() / 1000) + 60 })
    const { client, runWorker } = setup({ operatorToken: admin })
    const input = { id: "fest", name: "Festival", symbol: "FEST", maxSupply: 1 }
    const created = await client.createCollection(input)
    expect(created.status).toBe("ready")
    expect(created.collectionMint).toBeTruthy()
    expect((await client.createCollection(input)).collectionMint).toBe(created.collectionMint)
    expect((await client.listCollections()).map((c) => c.id)).toEqual(["fest"])
    await client.requestMint(ticket("c-1", { collectionId: "fest" }))
    await runWorker()
    expect(await client.getCollection("fest")).toMatchObject({ currentSupply: 1, treeCount: 1 })
    const below = await failure(client.updateCollection("fest", { maxSupply: 0 }))
    expect([below.status, below.code]).toEqual([409, "max_supply_below_supply"])
    expect((await client.updateCollection("fest", { maxSupply: 5 })).maxSupply).toBe(5)
    const invalid = await failure(client.createCollection({ ...input, id: "bad id" }))
    expect(invalid.code).toBe("invalid_request")

    const withoutToken = setup().client
    const refused = await failure(withoutToken.createCollection(input))
    expect(refused.code).toBe("operator_token_missing")
    expect((await failure(withoutToken.getCollection("nope"))).code).toBe("collection_not_found")
  })
})
