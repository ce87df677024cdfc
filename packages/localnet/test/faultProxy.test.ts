// The fault proxy in front of a live localnet: each fault as a client sees it, its schedule
// (count, probability, window), the WebSocket pass-through and the control API.
import { Agent, request as httpRequest } from "node:http"
import { Connection, Keypair, LAMPORTS_PER_SOL, SystemProgram, Transaction } from "@solana/web3.js"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { toBase58 } from "../src/Encoding.ts"
import {
  type FaultProxy,
  type Localnet,
  parseFaultRule,
  startFaultProxy,
  startLocalnet
} from "../src/index.ts"
import { eventually, type Json, rpc, sleep } from "./helpers.ts"

let localnet: Localnet
let proxy: FaultProxy
let payer: Keypair

beforeAll(async () => {
  localnet = await startLocalnet({ slotIntervalMs: 20, loadPrograms: false })
  proxy = await startFaultProxy({ upstream: localnet.rpcUrl, controlPort: 0 })
  payer = Keypair.generate()
  localnet.fund(payer.publicKey.toBase58(), 100n * BigInt(LAMPORTS_PER_SOL))
})

// A test that fails half-way must not leave its rule to break the next one.
afterEach(() => proxy.clear())

afterAll(async () => {
  await proxy.close()
  await localnet.close()
})

const post = (body: unknown, signal?: AbortSignal) =>
  fetch(proxy.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal })
  })

const signedTransfer = async () => {
  const tx = new Transaction().add(
    SystemProgram.transfer({
      fromPubkey: payer.publicKey,
      toPubkey: Keypair.generate().publicKey,
      lamports: LAMPORTS_PER_SOL
    })
  )
  tx.recentBlockhash = (await rpc(localnet.rpcUrl, "getLatestBlockhash")).result.value.blockhash
  tx.sign(payer)
  return { wire: tx.serialize().toString("base64"), signature: toBase58(tx.signatures[0]!.signature!) }
}

describe("the fault proxy", () => {
  it("forwards everything unchanged when no rule applies, and counts the calls", async () => {
    const before = proxy.calls("getSlot")
    const direct = await rpc(proxy.rpcUrl, "getGenesisHash")
    expect(direct.result).toBe(localnet.genesisHash)
    const batch = (await (
      await post([
        { jsonrpc: "2.0", id: 1, method: "getSlot" },
        { jsonrpc: "2.0", id: 2, method: "getSlot" }
      ])
    ).json()) as Json[]
    expect(batch.map((r: Json) => r.id)).toEqual([1, 2])
    expect(proxy.calls("getSlot") - before).toBe(2)
    const connection = new Connection(proxy.rpcUrl, "confirmed")
    expect(await connection.getGenesisHash()).toBe(localnet.genesisHash)
  })

  it("answers 429 (with Retry-After) for the named method, `count` times, then forwards", async () => {
    const id = proxy.add({
      methods: ["getSlot"],
      action: { kind: "rateLimit", retryAfterSeconds: 2 },
      count: 2
    })
    const answers = []
    for (let i = 0; i < 3; i++) answers.push(await post({ jsonrpc: "2.0", id: i, method: "getSlot" }))
    expect(answers.map((a) => a.status)).toEqual([429, 429, 200])
    expect(answers[0]!.headers.get("retry-after")).toBe("2")
    expect(((await answers[0]!.json()) as Json).error.code).toBe(429)
    // Other methods were never touched.
    expect((await post({ jsonrpc: "2.0", id: 9, method: "getHealth" })).status).toBe(200)
    expect(proxy.rules().map((r) => r.id)).not.toContain(id) // spent rules retire by themselves
  })

  it("holds a request until the client gives up, then lets go of it", async () => {
    proxy.add({ methods: ["getBalance"], action: { kind: "hold" }, count: 1 })
    const started = Date.now()
    const error = await post(
      { jsonrpc: "2.0", id: 1, method: "getBalance", params: [payer.publicKey.toBase58()] },
      AbortSignal.timeout(300)
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect(Date.now() - started).toBeGreaterThanOrEqual(280)
    await eventually(() => (proxy.stats().held === 0 ? true : undefined))
    // A hold with a bound cuts the connection itself.
    proxy.add({ methods: ["getBalance"], action: { kind: "hold", maxMs: 100 }, count: 1 })
    const cut = await post({
      jsonrpc: "2.0",
      id: 2,
      method: "getBalance",
      params: [payer.publicKey.toBase58()]
    }).catch((e: unknown) => e)
    expect(cut).toBeInstanceOf(Error)
  })

  it("drops the answer of a send that it forwarded: the transaction lands, the sender hears nothing", async () => {
    proxy.add({ methods: ["sendTransaction"], action: { kind: "dropResponse" }, count: 1 })
    const { wire, signature } = await signedTransfer()
    const error = await post({
      jsonrpc: "2.0",
      id: 1,
      method: "sendTransaction",
      params: [wire, { encoding: "base64", skipPreflight: true }]
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    const status = await eventually(async () => {
      const answer = await rpc(localnet.rpcUrl, "getSignatureStatuses", [[signature]])
      return answer.result.value[0] ?? undefined
    })
    expect(status.err).toBeNull()
    expect(proxy.stats().faultedCalls.sendTransaction?.dropResponse).toBe(1)
  })

  it("lags: a lower block height and an older, real blockhash whose last valid height fits it", async () => {
    const id = proxy.add({ action: { kind: "lag", blocks: 40 } })
    await sleep(1_500) // the proxy samples the cluster's blockhashes meanwhile (75 slots at 20 ms)
    const realHeight = (await rpc(localnet.rpcUrl, "getBlockHeight")).result as number
    const laggedHeight = (await rpc(proxy.rpcUrl, "getBlockHeight")).result as number
    expect(realHeight - laggedHeight).toBeGreaterThanOrEqual(35)
    expect(realHeight - laggedHeight).toBeLessThanOrEqual(60)
    // The lagged answer first: the proxy lags from the height it sees when asked, and the real
    // answer read after it can only be as high or higher (a slot passes every 20 ms).
    const lagged = (await rpc(proxy.rpcUrl, "getLatestBlockhash", [{ commitment: "confirmed" }])).result
    const real = (await rpc(localnet.rpcUrl, "getLatestBlockhash", [{ commitment: "confirmed" }])).result
    expect(lagged.value.blockhash).not.toBe(real.value.blockhash)
    expect(real.value.lastValidBlockHeight - lagged.value.lastValidBlockHeight).toBeGreaterThanOrEqual(40)
    expect(lagged.context.slot).toBeLessThan(real.context.slot)
    // The older blockhash is a real one: the cluster still knows it.
    const valid = await rpc(localnet.rpcUrl, "isBlockhashValid", [
      lagged.value.blockhash,
      { commitment: "processed" }
    ])
    expect(valid.result.value).toBe(true)
    // Batches are rewritten call by call.
    const batch = (await (
      await post([
        { jsonrpc: "2.0", id: "a", method: "getBlockHeight" },
        { jsonrpc: "2.0", id: "b", method: "getSlot" }
      ])
    ).json()) as Json[]
    expect((await rpc(localnet.rpcUrl, "getBlockHeight")).result - batch[0].result).toBeGreaterThanOrEqual(35)
    proxy.remove(id)
    const caughtUp = (await rpc(proxy.rpcUrl, "getBlockHeight")).result as number
    expect((await rpc(localnet.rpcUrl, "getBlockHeight")).result - caughtUp).toBeLessThan(10)
  })

  it("goes down for its window (connections refused), then comes back on the same port", async () => {
    proxy.add({ action: { kind: "down" }, afterMs: 0, forMs: 400 })
    await eventually(() => (proxy.stats().down ? true : undefined))
    const refused = await post({ jsonrpc: "2.0", id: 1, method: "getSlot" }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(Error)
    expect(String((refused as Error & { cause?: unknown }).cause)).toMatch(/ECONNREFUSED/)
    await eventually(() => (!proxy.stats().down ? true : undefined), 5_000)
    expect((await post({ jsonrpc: "2.0", id: 2, method: "getSlot" })).status).toBe(200)
  })

  it("faults with a probability, reproducibly with a given random source", async () => {
    const seeded = await startFaultProxy({
      upstream: localnet.rpcUrl,
      random: (() => {
        const values = [0.1, 0.9, 0.1, 0.9]
        let i = 0
        return () => values[i++ % values.length]!
      })(),
      rules: [{ methods: ["getSlot"], action: { kind: "rateLimit" }, probability: 0.5 }]
    })
    try {
      const statuses = []
      for (let i = 0; i < 4; i++)
        statuses.push((await rpc(seeded.rpcUrl, "getSlot").catch(() => null))?.error?.code ?? 200)
      expect(statuses).toEqual([429, 200, 429, 200])
    } finally {
      await seeded.close()
    }
  })

  it("opens a rule's window after `afterMs` and closes it after `forMs`", async () => {
    // Windows of a second or more, each call timed from the rule's start: a loaded machine
    // (CI runs this beside the fault suite) can take a few hundred ms for one call.
    const added = Date.now()
    proxy.add({ methods: ["getHealth"], action: { kind: "rateLimit" }, afterMs: 1_000, forMs: 1_500 })
    const at = async (ms: number) => {
      await sleep(Math.max(0, added + ms - Date.now()))
      return (await post({ jsonrpc: "2.0", id: ms, method: "getHealth" })).status
    }
    expect(await at(0)).toBe(200)
    expect(await at(1_250)).toBe(429)
    expect(await at(2_750)).toBe(200)
  })

  it("cuts open keep-alive connections and WebSockets when it goes down, as a stopped node would", async () => {
    // A client that keeps its connection open (every RPC client does) must not mint through an
    // outage: the proxy once only refused new connections.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const viaAgent = () =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getSlot" })
        const req = httpRequest(
          proxy.rpcUrl,
          { method: "POST", agent, headers: { "content-type": "application/json" } },
          (res) => {
            res.resume()
            res.on("end", () => resolve(res.statusCode ?? 0))
          }
        )
        req.on("error", reject)
        req.end(body)
      })
    const socket = new WebSocket(proxy.wsUrl)
    await new Promise((resolve) => socket.once("open", resolve))
    const wsClosed = new Promise((resolve) => socket.once("close", resolve))
    try {
      expect(await viaAgent()).toBe(200)
      proxy.add({ action: { kind: "down" }, forMs: 1_000 })
      await eventually(() => (proxy.stats().down ? true : undefined))
      await expect(viaAgent()).rejects.toThrow(/ECONNRESET|ECONNREFUSED|socket hang up/)
      await wsClosed
      await eventually(() => (!proxy.stats().down ? true : undefined), 5_000)
      expect(await viaAgent()).toBe(200)
    } finally {
      agent.destroy()
      socket.terminate()
    }
  })

  it("passes WebSocket subscriptions through to the upstream", async () => {
    const socket = new WebSocket(proxy.wsUrl)
    const messages: Json[] = []
    socket.on("message", (data) => messages.push(JSON.parse(data.toString())))
    await new Promise((resolve) => socket.once("open", resolve))
    socket.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "slotSubscribe" }))
    await eventually(() => (messages.some((m) => m.method === "slotNotification") ? true : undefined))
    socket.close()
  })

  it("is controlled over its control API", async () => {
    const control = `${proxy.controlUrl}/faults`
    const created = await fetch(control, {
      method: "POST",
      body: JSON.stringify({ spec: "getSlot=429,count=1" })
    })
    expect(created.status).toBe(201)
    const listed = (await (await fetch(control)).json()) as Json
    expect(listed.rules.some((r: Json) => r.methods?.includes("getSlot"))).toBe(true)
    expect((await post({ jsonrpc: "2.0", id: 1, method: "getSlot" })).status).toBe(429)
    const bad = await fetch(control, { method: "POST", body: JSON.stringify({ spec: "getSlot=explode" }) })
    expect(bad.status).toBe(400)
    await fetch(control, { method: "POST", body: JSON.stringify({ action: { kind: "rateLimit" } }) })
    expect((await fetch(control, { method: "DELETE" })).status).toBe(200)
    expect(proxy.rules()).toEqual([])
    expect((await post({ jsonrpc: "2.0", id: 2, method: "getSlot" })).status).toBe(200)
  })

  it("refuses an upstream off this machine and unbounded rules", async () => {
    await expect(startFaultProxy({ upstream: "https://api.devnet.solana.com" })).rejects.toThrow(
      /on this machine/
    )
    expect(() => proxy.add({ action: { kind: "down" } })).toThrow(/forMs/)
    expect(() => proxy.add({ action: { kind: "hold", maxMs: 24 * 3600_000 } })).toThrow(/maxMs/)
  })
})

describe("fault specs (the CLI's --fault)", () => {
  it("reads methods, fault and schedule", () => {
    expect(parseFaultRule("sendTransaction=drop,p=0.1")).toEqual({
      methods: ["sendTransaction"],
      action: { kind: "dropResponse" },
      probability: 0.1
    })
    expect(parseFaultRule("*=429:3,after=10s,for=30s")).toEqual({
      action: { kind: "rateLimit", retryAfterSeconds: 3 },
      afterMs: 10_000,
      forMs: 30_000
    })
    expect(parseFaultRule("getBlockHeight+getLatestBlockhash=lag:300,count=5")).toEqual({
      methods: ["getBlockHeight", "getLatestBlockhash"],
      action: { kind: "lag", blocks: 300 },
      count: 5
    })
    expect(parseFaultRule("*=hold:2s")).toEqual({ action: { kind: "hold", maxMs: 2000 } })
    expect(parseFaultRule("*=down,for=500ms")).toEqual({ action: { kind: "down" }, forMs: 500 })
  })

  it("says what is wrong with a bad one", () => {
    expect(() => parseFaultRule("drop")).toThrow(/expected/)
    expect(() => parseFaultRule("*=lag")).toThrow(/lag blocks/)
    expect(() => parseFaultRule("*=429,p=2")).toThrow(/probability/)
    expect(() => parseFaultRule("*=429,every=3")).toThrow(/unknown option/)
  })
})
