// State that survives a restart: with a ledger folder, a second start resumes the same chain
// (genesis hash, accounts, transactions, slot and block height moving on, programs that still
// run); without one, each start is a new chain with a new genesis hash; `reset` starts over.
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInitializeMint2Instruction, getMint, MINT_SIZE, TOKEN_PROGRAM_ID } from "@solana/spl-token"
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  SystemProgram,
  sendAndConfirmTransaction,
  Transaction
} from "@solana/web3.js"
import { describe, expect, it } from "vitest"
import { type Localnet, startLocalnet } from "../src/index.ts"
import { rpc } from "./helpers.ts"

const start = (ledgerDir: string | undefined, reset = false) =>
  startLocalnet({ slotIntervalMs: 0, loadPrograms: false, ...(ledgerDir ? { ledgerDir, reset } : {}) })

const transfer = async (localnet: Localnet, payer: Keypair, lamports: number) => {
  const connection = new Connection(localnet.rpcUrl, "confirmed")
  const tx = new Transaction().add(
    SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports })
  )
  tx.recentBlockhash = (await connection.getLatestBlockhash("processed")).blockhash
  tx.sign(payer)
  const signature = await connection.sendRawTransaction(tx.serialize())
  localnet.advanceSlots(2)
  return signature
}

describe("--ledger", () => {
  it("resumes accounts, transactions, slot, block height and genesis hash after a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "localnet-ledger-"))
    const payer = Keypair.generate()
    const mint = Keypair.generate()

    const first = await start(dir)
    expect(first.fresh).toBe(true)
    first.fund(payer.publicKey.toBase58(), 10n * BigInt(LAMPORTS_PER_SOL))
    const connection = new Connection(first.rpcUrl, "confirmed")
    const signature = await transfer(first, payer, 1_000_000)
    // A mint created by the SPL Token program before the restart.
    const rent = await connection.getMinimumBalanceForRentExemption(MINT_SIZE)
    const createMint = new Transaction().add(
      SystemProgram.createAccount({
        fromPubkey: payer.publicKey,
        newAccountPubkey: mint.publicKey,
        lamports: rent,
        space: MINT_SIZE,
        programId: TOKEN_PROGRAM_ID
      }),
      createInitializeMint2Instruction(mint.publicKey, 0, payer.publicKey, null)
    )
    createMint.recentBlockhash = (await connection.getLatestBlockhash("processed")).blockhash
    createMint.sign(payer, mint)
    await connection.sendRawTransaction(createMint.serialize())
    first.advanceSlots(40)
    const before = {
      genesis: first.genesisHash,
      slot: first.slot(),
      height: first.blockHeight(),
      balance: await connection.getBalance(payer.publicKey, "processed"),
      count: first.transactions.size
    }
    await first.close()

    const second = await start(dir)
    try {
      expect(second.fresh).toBe(false)
      expect(second.genesisHash).toBe(before.genesis)
      expect(await rpc(second.rpcUrl, "getGenesisHash")).toMatchObject({ result: before.genesis })
      // The chain moves on from where it stopped: never back to an earlier slot or height.
      expect(second.slot()).toBeGreaterThan(before.slot)
      expect(second.blockHeight()).toBeGreaterThan(before.height)
      expect(second.transactions.size).toBe(before.count)
      const again = new Connection(second.rpcUrl, "confirmed")
      expect(await again.getBalance(payer.publicKey, "processed")).toBe(before.balance)
      const found = await again.getTransaction(signature, { maxSupportedTransactionVersion: 0 })
      expect(found?.meta?.err).toBeNull()
      const statuses = await again.getSignatureStatuses([signature], { searchTransactionHistory: true })
      expect(statuses.value[0]?.confirmationStatus).toBe("finalized")
      expect((await again.getSignaturesForAddress(payer.publicKey)).map((s) => s.signature)).toContain(
        signature
      )
      // Programs still run on the restored state: mint authority from before the restart signs now.
      expect((await getMint(again, mint.publicKey)).mintAuthority?.toBase58()).toBe(
        payer.publicKey.toBase58()
      )
      await sendAndConfirmTransaction(
        again,
        new Transaction().add(
          SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: mint.publicKey, lamports: 1 })
        ),
        [payer]
      )
      expect(second.transactions.size).toBe(before.count + 1)
    } finally {
      await second.close()
    }

    // reset: a new chain in the same folder.
    const third = await start(dir, true)
    try {
      expect(third.fresh).toBe(true)
      expect(third.genesisHash).not.toBe(before.genesis)
      expect(third.transactions.size).toBe(0)
      expect(await new Connection(third.rpcUrl).getBalance(payer.publicKey, "processed")).toBe(0)
    } finally {
      await third.close()
    }
  })

  it("keeps blocks with transactions and recent ones; older empty slots read as skipped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "localnet-ledger-"))
    const payer = Keypair.generate()
    const first = await start(dir)
    first.fund(payer.publicKey.toBase58(), BigInt(LAMPORTS_PER_SOL))
    const emptySlot = first.slot()
    first.advanceSlots(5)
    const signature = await transfer(first, payer, 1_000_000)
    const landedIn = first.transactions.get(signature)!.slot
    first.advanceSlots(400)
    await first.close()

    const second = await start(dir)
    try {
      const block = await rpc(second.rpcUrl, "getBlock", [landedIn, { transactionDetails: "signatures" }])
      expect(block.result.signatures).toEqual([signature])
      const skipped = await rpc(second.rpcUrl, "getBlock", [emptySlot + 1])
      expect(skipped.error).toEqual({
        code: -32007,
        message: `Slot ${emptySlot + 1} was skipped, or missing due to ledger jump to recent snapshot`
      })
      const blocks = await rpc(second.rpcUrl, "getBlocks", [emptySlot, landedIn])
      expect(blocks.result).toContain(landedIn)
      expect(blocks.result).not.toContain(emptySlot + 1)
    } finally {
      await second.close()
    }
  })

  it("ignores transaction lines a checkpoint appended but never recorded (a crash mid-write)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "localnet-ledger-"))
    const payer = Keypair.generate()
    const first = await start(dir)
    first.fund(payer.publicKey.toBase58(), BigInt(LAMPORTS_PER_SOL))
    const kept = await transfer(first, payer, 1_000_000)
    await first.close()
    // What a checkpoint cut short between appending and rewriting ledger.json leaves behind.
    const lines = readFileSync(join(dir, "transactions.ndjson"), "utf8")
    appendFileSync(join(dir, "transactions.ndjson"), lines)
    const second = await start(dir)
    try {
      expect(second.transactions.size).toBe(1)
      expect(second.transactions.get(kept)).toBeDefined()
    } finally {
      await second.close()
    }
    expect(readFileSync(join(dir, "transactions.ndjson"), "utf8")).toBe(lines)
  })

  it("gives every start without a ledger a new random genesis hash", async () => {
    const a = await start(undefined)
    const b = await start(undefined)
    try {
      expect(a.fresh && b.fresh).toBe(true)
      expect(a.genesisHash).not.toBe(b.genesisHash)
      expect(a.ledgerDir).toBeUndefined()
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })
  it("starts a new, empty chain under a given genesis hash (a reset that kept its identity)", async () => {
    const a = await start(undefined)
    const payer = Keypair.generate()
    a.fund(payer.publicKey.toBase58(), BigInt(LAMPORTS_PER_SOL))
    const b = await startLocalnet({ slotIntervalMs: 0, loadPrograms: false, genesisHash: a.genesisHash })
    try {
      expect((await rpc(b.rpcUrl, "getGenesisHash")).result).toBe(a.genesisHash)
      const balance = (await rpc(b.rpcUrl, "getBalance", [payer.publicKey.toBase58()])).result as {
        value: number
      }
      expect(balance.value, "nothing of the first chain").toBe(0)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })
})
