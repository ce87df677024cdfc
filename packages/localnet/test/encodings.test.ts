// Encodings and meta fields as an Agave validator gives them, checked with raw JSON-RPC (the
// point is the exact shape) against a localnet without a slot timer.

import { type Address, createSolanaRpc } from "@solana/kit"
import { Connection, Keypair, LAMPORTS_PER_SOL, SystemProgram, Transaction } from "@solana/web3.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fromBase58 } from "../src/Encoding.ts"
import { type Localnet, startLocalnet } from "../src/index.ts"
import { rpc } from "./helpers.ts"

let localnet: Localnet
let connection: Connection
let payer: Keypair

beforeAll(async () => {
  localnet = await startLocalnet({ slotIntervalMs: 0, loadPrograms: false })
  connection = new Connection(localnet.rpcUrl, "confirmed")
  payer = Keypair.generate()
  localnet.fund(payer.publicKey.toBase58(), 10n * BigInt(LAMPORTS_PER_SOL))
})

afterAll(async () => {
  await localnet.close()
})

const transferSignature = async () => {
  const tx = new Transaction().add(
    SystemProgram.transfer({
      fromPubkey: payer.publicKey,
      toPubkey: Keypair.generate().publicKey,
      lamports: 1e6
    })
  )
  tx.recentBlockhash = (await connection.getLatestBlockhash("processed")).blockhash
  tx.sign(payer)
  const signature = await connection.sendRawTransaction(tx.serialize())
  localnet.advanceSlots(2)
  return signature
}

describe("account encodings", () => {
  it("answers getAccountInfo without an encoding with a bare base58 string (the legacy binary form)", async () => {
    const clock = "SysvarC1ock11111111111111111111111111111111"
    const bare = await rpc(localnet.rpcUrl, "getAccountInfo", [clock])
    expect(typeof bare.result.value.data).toBe("string")
    expect(fromBase58(bare.result.value.data).length).toBe(40)
    const explicit = await rpc(localnet.rpcUrl, "getAccountInfo", [clock, { encoding: "base58" }])
    expect(explicit.result.value.data).toEqual([bare.result.value.data, "base58"])
    // @solana/kit types an answer without an encoding as a bare base58 string; so it is.
    const viaKit = await createSolanaRpc(localnet.rpcUrl)
      .getAccountInfo(clock as Address)
      .send()
    expect(viaKit.value?.data).toBe(bare.result.value.data)
    // getMultipleAccounts defaults to base64, as a validator.
    const many = await rpc(localnet.rpcUrl, "getMultipleAccounts", [[clock]])
    expect(many.result.value[0].data[1]).toBe("base64")
  })

  it("refuses jsonParsed with a dataSlice (-32600), as a validator does", async () => {
    const answer = await rpc(localnet.rpcUrl, "getAccountInfo", [
      payer.publicKey.toBase58(),
      { encoding: "jsonParsed", dataSlice: { offset: 0, length: 4 } }
    ])
    expect(answer.error).toEqual({
      code: -32600,
      message: "Sliced account data can only be encoded using binary (base 58) or base64 encoding."
    })
  })
})

describe("transaction meta", () => {
  it("carries costUnits, and loadedAddresses only outside jsonParsed", async () => {
    const signature = await transferSignature()
    const json = await rpc(localnet.rpcUrl, "getTransaction", [signature, { commitment: "confirmed" }])
    // 1 signature (720) + 2 write locks (600) + 12 bytes of data / 4 (3) + 150 units executed.
    expect(json.result.meta.computeUnitsConsumed).toBe(150)
    expect(json.result.meta.costUnits).toBe(720 + 600 + 3 + 150)
    expect(json.result.meta.loadedAddresses).toEqual({ writable: [], readonly: [] })
    const parsed = await rpc(localnet.rpcUrl, "getTransaction", [
      signature,
      { commitment: "confirmed", encoding: "jsonParsed" }
    ])
    expect(parsed.result.meta).not.toHaveProperty("loadedAddresses")
    expect(parsed.result.meta.costUnits).toBe(json.result.meta.costUnits)
  })
})
