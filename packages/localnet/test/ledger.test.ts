// Slot-exact behaviour on a localnet without a slot timer (each request that lands transactions
// closes one slot; the test advances the rest): commitment progression, blockhash expiry,
// duplicates, getTransaction's shapes and getSignaturesForAddress paging.
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionExpiredBlockheightExceededError,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction
} from "@solana/web3.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fromBase58 } from "../src/Encoding.ts"
import { type Localnet, startLocalnet } from "../src/index.ts"
import { rpc } from "./helpers.ts"

const TOKEN_PROGRAM = new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
const ATA_PROGRAM = new PublicKey("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL")

let localnet: Localnet
let connection: Connection
let payer: Keypair

beforeAll(async () => {
  localnet = await startLocalnet({ slotIntervalMs: 0, loadPrograms: false })
  connection = new Connection(localnet.rpcUrl, "confirmed")
  payer = Keypair.generate()
  localnet.fund(payer.publicKey.toBase58(), 1000n * BigInt(LAMPORTS_PER_SOL))
})

afterAll(async () => {
  await localnet.close()
})

const signedTransfer = async (to: PublicKey, lamports: number, blockhash?: string) => {
  const tx = new Transaction().add(
    SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports })
  )
  tx.recentBlockhash = blockhash ?? (await connection.getLatestBlockhash("processed")).blockhash
  tx.sign(payer)
  return tx
}

const status = async (signature: string, searchTransactionHistory = false) =>
  (await connection.getSignatureStatuses([signature], { searchTransactionHistory })).value[0]

describe("commitment", () => {
  it("moves a transaction from confirmed to finalized as slots pass, and out of the status cache", async () => {
    const tx = await signedTransfer(Keypair.generate().publicKey, LAMPORTS_PER_SOL)
    const signature = await connection.sendRawTransaction(tx.serialize())
    // The request closed the transaction's slot, so it is one block deep: confirmed.
    const first = await status(signature)
    expect(first).toMatchObject({ confirmations: 1, err: null, confirmationStatus: "confirmed" })
    const finalizedOnly = { commitment: "finalized", maxSupportedTransactionVersion: 0 } as const
    expect(await connection.getTransaction(signature, finalizedOnly)).toBeNull()
    localnet.advanceSlots(30)
    expect(await status(signature)).toMatchObject({ confirmations: 31, confirmationStatus: "confirmed" })
    localnet.advanceSlots(1)
    expect(await status(signature)).toMatchObject({ confirmations: null, confirmationStatus: "finalized" })
    expect(await connection.getTransaction(signature, finalizedOnly)).not.toBeNull()
    localnet.advanceSlots(300)
    expect(await status(signature)).toBeNull()
    expect((await status(signature, true))?.confirmationStatus).toBe("finalized")
  })

  it("refuses processed commitment for getTransaction", async () => {
    const tx = await signedTransfer(Keypair.generate().publicKey, LAMPORTS_PER_SOL)
    const signature = await connection.sendRawTransaction(tx.serialize())
    const answer = await rpc(localnet.rpcUrl, "getTransaction", [signature, { commitment: "processed" }])
    expect(answer.error.code).toBe(-32602)
  })
})

describe("blockhash expiry and duplicates", () => {
  it("accepts a blockhash for 150 blocks, then answers BlockhashNotFound", async () => {
    const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash("processed")
    const issuedAt = await connection.getBlockHeight("processed")
    expect(lastValidBlockHeight).toBe(issuedAt + 150)
    const recipient = Keypair.generate().publicKey
    const late = await signedTransfer(recipient, LAMPORTS_PER_SOL, blockhash)
    const tooLate = await signedTransfer(recipient, LAMPORTS_PER_SOL + 1, blockhash)

    localnet.advanceSlots(149)
    expect((await connection.isBlockhashValid(blockhash, { commitment: "processed" })).value).toBe(true)
    // This request closes a slot too: the block height reaches lastValidBlockHeight.
    await connection.sendRawTransaction(late.serialize())
    expect(await connection.getBlockHeight("processed")).toBe(lastValidBlockHeight)
    localnet.advanceSlots(1)
    expect((await connection.isBlockhashValid(blockhash, { commitment: "processed" })).value).toBe(false)

    const preflight = await rpc(localnet.rpcUrl, "sendTransaction", [
      tooLate.serialize().toString("base64"),
      { encoding: "base64" }
    ])
    expect(preflight.error.code).toBe(-32002)
    expect(preflight.error.message).toBe("Transaction simulation failed: Blockhash not found")
    expect(preflight.error.data.err).toBe("BlockhashNotFound")

    // Without preflight the RPC takes it and the cluster drops it: it never gets a status.
    const signature = await connection.sendRawTransaction(tooLate.serialize(), { skipPreflight: true })
    expect(await status(signature, true)).toBeNull()
    // web3.js gives up once the confirmed block height has passed lastValidBlockHeight.
    localnet.advanceSlots(1)
    const confirmation = connection.confirmTransaction(
      { signature, blockhash, lastValidBlockHeight },
      "confirmed"
    )
    await expect(confirmation).rejects.toBeInstanceOf(TransactionExpiredBlockheightExceededError)
  })

  it("answers AlreadyProcessed for a transaction sent twice", async () => {
    const tx = await signedTransfer(Keypair.generate().publicKey, LAMPORTS_PER_SOL)
    const signature = await connection.sendRawTransaction(tx.serialize())
    const stored = localnet.transactions.size
    const again = await rpc(localnet.rpcUrl, "sendTransaction", [
      tx.serialize().toString("base64"),
      { encoding: "base64" }
    ])
    expect(again.error.code).toBe(-32002)
    expect(again.error.message).toBe(
      "Transaction simulation failed: This transaction has already been processed"
    )
    expect(again.error.data.err).toBe("AlreadyProcessed")
    expect(await connection.sendRawTransaction(tx.serialize(), { skipPreflight: true })).toBe(signature)
    expect(localnet.transactions.size).toBe(stored)
  })

  it("refuses a transaction whose signature does not verify (-32003), with or without preflight", async () => {
    const tx = await signedTransfer(Keypair.generate().publicKey, LAMPORTS_PER_SOL)
    const bytes = tx.serialize()
    bytes[10] = bytes[10]! ^ 0xff
    for (const skipPreflight of [false, true]) {
      const answer = await rpc(localnet.rpcUrl, "sendTransaction", [
        bytes.toString("base64"),
        { encoding: "base64", skipPreflight }
      ])
      expect(answer.error).toEqual({ code: -32003, message: "Transaction signature verification failure" })
    }
  })
})

describe("getTransaction", () => {
  it("returns json, base64 and jsonParsed encodings of the stored transaction", async () => {
    const recipient = Keypair.generate().publicKey
    const tx = await signedTransfer(recipient, 2 * LAMPORTS_PER_SOL)
    const before = await connection.getBalance(payer.publicKey, "processed")
    const signature = await connection.sendRawTransaction(tx.serialize())
    const found = await connection.getTransaction(signature, {
      commitment: "confirmed",
      maxSupportedTransactionVersion: 0
    })
    expect(found?.version).toBe("legacy")
    expect(found?.meta?.fee).toBe(5000)
    expect(found?.meta?.preBalances).toEqual([before, 0, 1])
    expect(found?.meta?.postBalances).toEqual([before - 2 * LAMPORTS_PER_SOL - 5000, 2 * LAMPORTS_PER_SOL, 1])
    expect(found?.meta?.logMessages).toEqual([
      "Program 11111111111111111111111111111111 invoke [1]",
      "Program 11111111111111111111111111111111 success"
    ])
    expect(found?.meta?.innerInstructions).toEqual([])
    expect(found?.blockTime).toBeGreaterThan(Date.now() / 1000 - 60)
    expect(found?.slot).toBe((await status(signature))?.slot)

    const base64 = await rpc(localnet.rpcUrl, "getTransaction", [
      signature,
      { encoding: "base64", commitment: "confirmed" }
    ])
    expect(base64.result.transaction).toEqual([tx.serialize().toString("base64"), "base64"])
    expect(base64.result.version).toBeUndefined()
    const parsed = await connection.getParsedTransaction(signature, { commitment: "confirmed" })
    expect(parsed?.transaction.message.accountKeys[0]).toMatchObject({ signer: true, writable: true })
    expect(parsed?.transaction.message.instructions[0]?.programId.toBase58()).toBe(
      SystemProgram.programId.toBase58()
    )
  })

  it("serves version 0 transactions only to clients that say they support them", async () => {
    const { blockhash } = await connection.getLatestBlockhash("processed")
    const message = new TransactionMessage({
      payerKey: payer.publicKey,
      recentBlockhash: blockhash,
      instructions: [
        SystemProgram.transfer({
          fromPubkey: payer.publicKey,
          toPubkey: Keypair.generate().publicKey,
          lamports: LAMPORTS_PER_SOL
        })
      ]
    }).compileToV0Message()
    const tx = new VersionedTransaction(message)
    tx.sign([payer])
    const signature = await connection.sendTransaction(tx)
    const legacyOnly = await rpc(localnet.rpcUrl, "getTransaction", [signature, { commitment: "confirmed" }])
    expect(legacyOnly.error.code).toBe(-32015)
    const found = await connection.getTransaction(signature, {
      commitment: "confirmed",
      maxSupportedTransactionVersion: 0
    })
    expect(found?.version).toBe(0)
    expect(found?.meta?.loadedAddresses).toEqual({ writable: [], readonly: [] })
  })

  it("reports inner instructions in the RPC shape [{index, instructions}]", async () => {
    // The SPL token and associated-token programs ship inside LiteSVM: creating an associated
    // token account makes System and Token calls from inside the ATA program.
    const mint = Keypair.generate()
    const owner = Keypair.generate().publicKey
    const rent = await connection.getMinimumBalanceForRentExemption(82)
    const initializeMint2 = new TransactionInstruction({
      programId: TOKEN_PROGRAM,
      keys: [{ pubkey: mint.publicKey, isSigner: false, isWritable: true }],
      data: Buffer.concat([Buffer.from([20, 0]), payer.publicKey.toBuffer(), Buffer.from([0])])
    })
    const createMint = new Transaction()
      .add(
        SystemProgram.createAccount({
          fromPubkey: payer.publicKey,
          newAccountPubkey: mint.publicKey,
          lamports: rent,
          space: 82,
          programId: TOKEN_PROGRAM
        })
      )
      .add(initializeMint2)
    createMint.recentBlockhash = (await connection.getLatestBlockhash("processed")).blockhash
    createMint.sign(payer, mint)
    await connection.sendRawTransaction(createMint.serialize())

    const [ata] = PublicKey.findProgramAddressSync(
      [owner.toBuffer(), TOKEN_PROGRAM.toBuffer(), mint.publicKey.toBuffer()],
      ATA_PROGRAM
    )
    const createAta = new TransactionInstruction({
      programId: ATA_PROGRAM,
      keys: [
        { pubkey: payer.publicKey, isSigner: true, isWritable: true },
        { pubkey: ata!, isSigner: false, isWritable: true },
        { pubkey: owner, isSigner: false, isWritable: false },
        { pubkey: mint.publicKey, isSigner: false, isWritable: false },
        { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
        { pubkey: TOKEN_PROGRAM, isSigner: false, isWritable: false }
      ],
      data: Buffer.from([1])
    })
    const tx = new Transaction().add(createAta)
    tx.recentBlockhash = (await connection.getLatestBlockhash("processed")).blockhash
    tx.sign(payer)
    const signature = await connection.sendRawTransaction(tx.serialize())
    const raw = await rpc(localnet.rpcUrl, "getTransaction", [
      signature,
      { commitment: "confirmed", encoding: "json" }
    ])
    const inner = raw.result.meta.innerInstructions
    expect(inner).toHaveLength(1)
    expect(inner[0].index).toBe(0)
    expect(inner[0].instructions.length).toBeGreaterThanOrEqual(3)
    const keys: string[] = raw.result.transaction.message.accountKeys
    for (const ix of inner[0].instructions) {
      expect(Object.keys(ix).sort()).toEqual(["accounts", "data", "programIdIndex", "stackHeight"])
      expect(ix.stackHeight).toBe(2)
      expect(() => fromBase58(ix.data)).not.toThrow()
      expect(ix.accounts.every((index: number) => index < keys.length)).toBe(true)
    }
    const programs = inner[0].instructions.map((ix: { programIdIndex: number }) => keys[ix.programIdIndex])
    expect(programs).toContain(TOKEN_PROGRAM.toBase58())
    expect(programs).toContain(SystemProgram.programId.toBase58())
    // web3.js reads the same shape.
    const viaWeb3 = await connection.getTransaction(signature, {
      commitment: "confirmed",
      maxSupportedTransactionVersion: 0
    })
    expect(viaWeb3?.meta?.innerInstructions?.[0]?.instructions.length).toBe(inner[0].instructions.length)
  })
})

describe("getSignaturesForAddress", () => {
  it("pages newest first with before, until and limit", async () => {
    const address = Keypair.generate().publicKey
    const signatures: string[] = []
    for (let i = 0; i < 7; i++) {
      const tx = await signedTransfer(address, LAMPORTS_PER_SOL + i)
      signatures.push(await connection.sendRawTransaction(tx.serialize()))
    }
    const newestFirst = [...signatures].reverse()
    const all = await connection.getSignaturesForAddress(address)
    expect(all.map((entry) => entry.signature)).toEqual(newestFirst)
    expect(all.every((entry, i) => i === 0 || entry.slot < all[i - 1]!.slot)).toBe(true)
    expect(all[0]).toMatchObject({
      err: null,
      memo: null,
      confirmationStatus: "confirmed",
      blockTime: expect.any(Number)
    })

    const page1 = await connection.getSignaturesForAddress(address, { limit: 3 })
    const page2 = await connection.getSignaturesForAddress(address, { limit: 3, before: page1[2]!.signature })
    const page3 = await connection.getSignaturesForAddress(address, { limit: 3, before: page2[2]!.signature })
    expect([...page1, ...page2, ...page3].map((entry) => entry.signature)).toEqual(newestFirst)
    expect(page3).toHaveLength(1)

    const untilFifth = await connection.getSignaturesForAddress(address, { until: newestFirst[4]! })
    expect(untilFifth.map((entry) => entry.signature)).toEqual(newestFirst.slice(0, 4))
    const between = await connection.getSignaturesForAddress(address, {
      before: newestFirst[1]!,
      until: newestFirst[5]!
    })
    expect(between.map((entry) => entry.signature)).toEqual(newestFirst.slice(2, 5))

    // The payer and the System program index the same transactions.
    const byProgram = await connection.getSignaturesForAddress(SystemProgram.programId, { limit: 7 })
    expect(byProgram.map((entry) => entry.signature)).toEqual(newestFirst)
    const finalizedOnly = await connection.getSignaturesForAddress(address, {}, "finalized")
    expect(finalizedOnly).toHaveLength(0)
  })
})
