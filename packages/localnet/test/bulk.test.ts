// Ten thousand transactions through the in-process handler: the store, the address index and
// paging have to stay correct and quick at the volume a minting run produces.
import { Keypair, LAMPORTS_PER_SOL, SystemProgram, Transaction } from "@solana/web3.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Localnet, startLocalnet } from "../src/index.ts"
import { fastSigner, type Json, signWith } from "./helpers.ts"

const COUNT = 10_000

let localnet: Localnet
beforeAll(async () => {
  // Slots close as blocks fill (256 transactions), not on a timer: the test sets the pace.
  localnet = await startLocalnet({ slotIntervalMs: 3_600_000, loadPrograms: false })
})
afterAll(async () => {
  await localnet.close()
})

const call = (method: string, params: unknown[] = []): Json => {
  const answer = localnet.handle({ jsonrpc: "2.0", id: 1, method, params }) as {
    result?: unknown
    error?: unknown
  }
  if ("error" in answer) throw new Error(JSON.stringify(answer.error))
  return answer.result
}

describe(`${COUNT} transactions`, () => {
  it("land, page through getSignaturesForAddress and answer batched statuses", { timeout: 120_000 }, () => {
    const payer = fastSigner()
    localnet.fund(payer.publicKey.toBase58(), 100_000n * BigInt(LAMPORTS_PER_SOL))
    const recipient = Keypair.generate().publicKey
    const started = performance.now()
    const signatures: string[] = []
    let blockhash = call("getLatestBlockhash", [{ commitment: "processed" }]).value.blockhash
    for (let i = 0; i < COUNT; i++) {
      // Sign with a fresh blockhash now and then, as a long-running sender would.
      if (i % 1000 === 0)
        blockhash = call("getLatestBlockhash", [{ commitment: "processed" }]).value.blockhash
      const tx = signWith(
        new Transaction({ feePayer: payer.publicKey, recentBlockhash: blockhash }).add(
          SystemProgram.transfer({
            fromPubkey: payer.publicKey,
            toPubkey: recipient,
            lamports: LAMPORTS_PER_SOL + i
          })
        ),
        payer
      )
      signatures.push(
        call("sendTransaction", [
          tx.serialize({ verifySignatures: false }).toString("base64"),
          { encoding: "base64", skipPreflight: i % 2 === 0 }
        ])
      )
    }
    const sendMs = performance.now() - started
    localnet.advanceSlots(1)
    expect(localnet.transactions.size).toBeGreaterThanOrEqual(COUNT)

    const pageStarted = performance.now()
    const seen: string[] = []
    let before: string | undefined
    for (;;) {
      const page = call("getSignaturesForAddress", [
        recipient.toBase58(),
        { limit: 1000, commitment: "confirmed", ...(before ? { before } : {}) }
      ])
      if (page.length === 0) break
      seen.push(...page.map((entry: { signature: string }) => entry.signature))
      before = page.at(-1).signature
    }
    const pageMs = performance.now() - pageStarted
    expect(seen).toEqual([...signatures].reverse())

    for (let i = 0; i < COUNT; i += 256) {
      const statuses = call("getSignatureStatuses", [
        signatures.slice(i, i + 256),
        { searchTransactionHistory: true }
      ]).value
      expect(
        statuses.every((status: { err: unknown } | null) => status !== null && status.err === null)
      ).toBe(true)
    }
    const last = call("getTransaction", [signatures.at(-1), { commitment: "confirmed" }])
    expect(last.meta.err).toBeNull()
    console.log(
      `bulk: ${COUNT} transactions sent in ${Math.round(sendMs)} ms (${((sendMs * 1000) / COUNT).toFixed(0)} µs each, signing included), ` +
        `paged in ${Math.round(pageMs)} ms, ${localnet.slot() - call("getFirstAvailableBlock")} slots`
    )
    expect(pageMs).toBeLessThan(2000)
  })
})
