// The pure pieces: wire parsing, fees, error mapping, JSON encoding, ELF length, epochs and the
// transaction store's paging.
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import {
  AddressLookupTableAccount,
  ComputeBudgetProgram,
  Keypair,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction
} from "@solana/web3.js"
import { type FailedTransactionMetadata, LiteSVM } from "litesvm"
import { describe, expect, it } from "vitest"
import { fromBase58, toBase58 } from "../src/Encoding.ts"
import { feeFor } from "../src/Fees.ts"
import { elfLength, PROGRAM_DATA_ELF_OFFSET } from "../src/fetchPrograms.ts"
import { encodeJson, makeHandler, RpcError, u64 } from "../src/JsonRpc.ts"
import { SlotClock } from "../src/SlotClock.ts"
import { describeTransactionError } from "../src/TransactionErrors.ts"
import { type NewTransactionRecord, TransactionStore } from "../src/TransactionStore.ts"
import { parseWireMessage, parseWireTransaction, verifySignatures } from "../src/WireTransaction.ts"

const blockhash = toBase58(new Uint8Array(32).fill(7))

describe("wire format", () => {
  it("reads a legacy transaction as web3.js wrote it", () => {
    const payer = Keypair.generate()
    const to = Keypair.generate().publicKey
    const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: blockhash }).add(
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 5 })
    )
    tx.sign(payer)
    const parsed = parseWireTransaction(tx.serialize())
    expect(parsed.version).toBe("legacy")
    expect(parsed.signature).toBe(toBase58(tx.signature!))
    expect(parsed.staticAccountKeys).toEqual([
      payer.publicKey.toBase58(),
      to.toBase58(),
      SystemProgram.programId.toBase58()
    ])
    expect(parsed.header).toEqual({
      numRequiredSignatures: 1,
      numReadonlySignedAccounts: 0,
      numReadonlyUnsignedAccounts: 1
    })
    expect(parsed.recentBlockhash).toBe(blockhash)
    expect(parsed.instructions[0]?.accounts).toEqual([0, 1])
    expect(verifySignatures(parsed)).toBe(true)
    const tampered = tx.serialize()
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1
    expect(verifySignatures(parseWireTransaction(tampered))).toBe(false)
    expect(parseWireMessage(tx.serializeMessage()).staticAccountKeys).toEqual(parsed.staticAccountKeys)
  })

  it("reads a v0 transaction with address table lookups", () => {
    const payer = Keypair.generate()
    const table = new AddressLookupTableAccount({
      key: Keypair.generate().publicKey,
      state: {
        deactivationSlot: BigInt("18446744073709551615"),
        lastExtendedSlot: 0,
        lastExtendedSlotStartIndex: 0,
        addresses: [Keypair.generate().publicKey, Keypair.generate().publicKey]
      }
    })
    const message = new TransactionMessage({
      payerKey: payer.publicKey,
      recentBlockhash: blockhash,
      instructions: [
        new TransactionInstruction({
          programId: SystemProgram.programId,
          keys: [
            { pubkey: table.state.addresses[0]!, isSigner: false, isWritable: true },
            { pubkey: table.state.addresses[1]!, isSigner: false, isWritable: false }
          ],
          data: Buffer.from([9])
        })
      ]
    }).compileToV0Message([table])
    const tx = new VersionedTransaction(message)
    tx.sign([payer])
    const parsed = parseWireTransaction(tx.serialize())
    expect(parsed.version).toBe(0)
    expect(parsed.addressTableLookups).toEqual([
      { accountKey: table.key.toBase58(), writableIndexes: [0], readonlyIndexes: [1] }
    ])
    expect(verifySignatures(parsed)).toBe(true)
  })

  it("refuses what is not a transaction", () => {
    expect(() => parseWireTransaction(new Uint8Array([1, 2, 3]))).toThrow()
    expect(() => parseWireTransaction(new Uint8Array(2000))).toThrow(/larger than 1232/)
    expect(() => parseWireTransaction(new Uint8Array([0]))).toThrow()
  })

  it("round-trips base58 like the reference alphabet", () => {
    expect(toBase58(new Uint8Array([0, 0, 1]))).toBe("112")
    expect(toBase58(new Uint8Array(32))).toBe("11111111111111111111111111111111")
    expect(toBase58(fromBase58("BGUMAp9Gq7iTEuizy4pqaxsTyUCBK68MDfK752saRPUY"))).toBe(
      "BGUMAp9Gq7iTEuizy4pqaxsTyUCBK68MDfK752saRPUY"
    )
    expect(() => fromBase58("0OIl")).toThrow()
  })
})

describe("fees", () => {
  const payer = Keypair.generate().publicKey
  const message = (...instructions: TransactionInstruction[]) =>
    parseWireMessage(
      new Transaction({ feePayer: payer, recentBlockhash: blockhash }).add(...instructions).serializeMessage()
    )
  const transfer = SystemProgram.transfer({
    fromPubkey: payer,
    toPubkey: Keypair.generate().publicKey,
    lamports: 1
  })

  it("charges 5000 lamports a signature", () => {
    expect(feeFor(message(transfer))).toBe(5000n)
  })

  it("adds the priority fee from the compute-unit price and limit, rounded up", () => {
    const price = ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1_500_000 })
    const limit = ComputeBudgetProgram.setComputeUnitLimit({ units: 100_001 })
    expect(feeFor(message(limit, price, transfer))).toBe(5000n + 150_002n)
    // Without a limit, a non-builtin instruction reserves 200,000 CU.
    const custom = new TransactionInstruction({
      programId: Keypair.generate().publicKey,
      keys: [],
      data: Buffer.alloc(0)
    })
    const tiny = ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1 })
    expect(feeFor(message(tiny, custom))).toBe(5000n + 1n)
  })

  it("counts precompile signatures", () => {
    const ed25519 = new TransactionInstruction({
      programId: new PublicKey("Ed25519SigVerify111111111111111111111111111"),
      keys: [],
      data: Buffer.from([2, 0])
    })
    expect(feeFor(message(ed25519))).toBe(15_000n)
  })
})

describe("transaction errors", () => {
  it("name LiteSVM's enum values in the order its typings declare them", () => {
    const require = createRequire(import.meta.url)
    const typings = readFileSync(join(dirname(require.resolve("litesvm")), "internal.d.ts"), "utf8")
    const variants = (name: string) =>
      typings
        .match(new RegExp(`enum ${name} \\{([^}]*)\\}`))![1]!
        .split(",")
        .map((entry) => entry.trim().split(" ")[0])
        .filter((entry): entry is string => Boolean(entry))
    variants("TransactionErrorFieldless").forEach((variant, index) => {
      expect(describeTransactionError(index as never).json).toBe(variant)
    })
    expect(variants("InstructionErrorFieldless")).toHaveLength(53)
  })

  it("describe instruction errors with Solana's wording", async () => {
    const svm = new LiteSVM()
    const payer = Keypair.generate()
    svm.airdrop(payer.publicKey.toBase58() as never, 1_000_000_000n as never)
    const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: svm.latestBlockhash() }).add(
      SystemProgram.transfer({
        fromPubkey: payer.publicKey,
        toPubkey: Keypair.generate().publicKey,
        lamports: 10_000_000_000
      })
    )
    tx.sign(payer)
    const { getTransactionDecoder } = await import("@solana/kit")
    const result = svm.sendTransaction(getTransactionDecoder().decode(tx.serialize()) as never)
    expect("err" in result).toBe(true)
    const described = describeTransactionError((result as FailedTransactionMetadata).err())
    expect(described).toEqual({
      json: { InstructionError: [0, { Custom: 1 }] },
      message: "Error processing Instruction 0: custom program error: 0x1"
    })
  })
})

describe("JSON-RPC", () => {
  it("writes u64 values above 2^53 exactly", () => {
    expect(encodeJson({ a: 18446744073709551615n, b: 5n, c: "x" })).toBe(
      '{"a":18446744073709551615,"b":5,"c":"x"}'
    )
  })

  it("u64 answers a number only where it is exact, and either way the JSON has every digit", () => {
    const max = 2n ** 53n - 1n
    expect(u64(max)).toBe(Number.MAX_SAFE_INTEGER)
    expect(u64(max + 2n)).toBe(max + 2n)
    expect(encodeJson({ fee: u64(5000n), balances: [u64(max), u64(max + 2n)] })).toBe(
      '{"fee":5000,"balances":[9007199254740991,9007199254740993]}'
    )
  })

  it("maps thrown errors to JSON-RPC errors and keeps batch order", () => {
    const handle = makeHandler({
      ok: () => 1,
      bad: () => {
        throw new RpcError(-32602, "Invalid params: no")
      },
      boom: () => {
        throw new Error("kaput")
      }
    })
    expect(
      handle([
        { jsonrpc: "2.0", id: 1, method: "ok" },
        { jsonrpc: "2.0", id: 2, method: "bad" },
        { jsonrpc: "2.0", id: 3, method: "boom" },
        { jsonrpc: "2.0", id: 4, method: "toString" }
      ])
    ).toEqual([
      { jsonrpc: "2.0", id: 1, result: 1 },
      { jsonrpc: "2.0", id: 2, error: { code: -32602, message: "Invalid params: no" } },
      { jsonrpc: "2.0", id: 3, error: { code: -32603, message: "Internal error: kaput" } },
      { jsonrpc: "2.0", id: 4, error: { code: -32601, message: "Method not found" } }
    ])
  })
})

describe("ELF length", () => {
  it("finds the end of a real program inside zero padding", () => {
    const svm = new LiteSVM()
    const token = new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
    const [programData] = PublicKey.findProgramAddressSync(
      [token.toBuffer()],
      new PublicKey("BPFLoaderUpgradeab1e11111111111111111111111")
    )
    const account = svm.getAccount(programData!.toBase58() as never)
    if (!account.exists) throw new Error("LiteSVM ships SPL Token")
    const elf = account.data.subarray(PROGRAM_DATA_ELF_OFFSET) as Uint8Array
    expect(elfLength(elf)).toBe(elf.length)
    const padded = new Uint8Array(elf.length + 4096)
    padded.set(elf)
    expect(elfLength(padded)).toBe(elf.length)
    expect(elfLength(new Uint8Array([1, 2, 3]))).toBe(3)
  })
})

describe("slot clock", () => {
  it("numbers epochs the way the epoch schedule does, warm-up included", () => {
    const clock = new SlotClock(new LiteSVM(), {
      confirmedDepth: 1,
      finalizedDepth: 32,
      now: () => 1_800_000_000_000
    })
    expect(clock.epochInfo(0)).toEqual({ epoch: 0, slotIndex: 0, slotsInEpoch: 32 })
    expect(clock.epochInfo(31)).toEqual({ epoch: 0, slotIndex: 31, slotsInEpoch: 32 })
    expect(clock.epochInfo(32)).toEqual({ epoch: 1, slotIndex: 0, slotsInEpoch: 64 })
    expect(clock.epochInfo(524_256)).toEqual({ epoch: 14, slotIndex: 0, slotsInEpoch: 432_000 })
    expect(clock.epochInfo(524_256 + 432_000 + 5)).toEqual({ epoch: 15, slotIndex: 5, slotsInEpoch: 432_000 })
  })

  it("keeps blockhashes valid through lastValidBlockHeight and no further", () => {
    const clock = new SlotClock(new LiteSVM(), { confirmedDepth: 1, finalizedDepth: 32, now: Date.now })
    const first = clock.latestBlockhash("processed")
    expect(first.lastValidBlockHeight).toBe(clock.blockHeight + 150)
    clock.advance(150)
    expect(clock.isBlockhashValid(first.blockhash)).toBe(true)
    clock.advance()
    expect(clock.isBlockhashValid(first.blockhash)).toBe(false)
    expect(clock.isBlockhashValid(clock.latestBlockhash("processed").blockhash)).toBe(true)
    expect(clock.commitmentOf(clock.slot)).toBe("processed")
    expect(clock.commitmentOf(clock.slot - 1)).toBe("confirmed")
    expect(clock.commitmentOf(clock.slot - 32)).toBe("finalized")
  })
})

describe("transaction store", () => {
  const parsedTransfer = parseWireTransaction(
    (() => {
      const payer = Keypair.generate()
      const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: blockhash }).add(
        SystemProgram.transfer({
          fromPubkey: payer.publicKey,
          toPubkey: Keypair.generate().publicKey,
          lamports: 1
        })
      )
      tx.sign(payer)
      return tx.serialize()
    })()
  )
  const record = (signature: string, slot: number): NewTransactionRecord => ({
    signature,
    slot,
    blockTime: 0,
    transaction: parsedTransfer,
    loadedAddresses: { writable: [], readonly: [] },
    err: null,
    fee: 5000n,
    preBalances: [],
    postBalances: [],
    preTokenBalances: [],
    postTokenBalances: [],
    logs: [],
    innerInstructions: [],
    computeUnitsConsumed: 0n,
    returnData: null
  })

  it("pages 20,000 transactions newest first with before and until", () => {
    const store = new TransactionStore()
    const address = parsedTransfer.staticAccountKeys[1]!
    for (let i = 0; i < 20_000; i++) store.add(record(`sig${i}`, Math.floor(i / 100)))
    const page = (before?: string, until?: string, limit = 1000, maxSlot = 1_000) =>
      store.signaturesForAddress(address, { before, until, limit, maxSlot }).map((entry) => entry.signature)
    expect(page().slice(0, 2)).toEqual(["sig19999", "sig19998"])
    expect(page("sig19998", undefined, 2)).toEqual(["sig19997", "sig19996"])
    expect(page(undefined, "sig19995")).toEqual(["sig19999", "sig19998", "sig19997", "sig19996"])
    expect(page("sig10", "sig7")).toEqual(["sig9", "sig8"])
    expect(page("sig0")).toEqual([])
    expect(page("unknown")).toEqual([])
    expect(page(undefined, undefined, 3, 198)).toEqual(["sig19899", "sig19898", "sig19897"])
    let count = 0
    let before: string | undefined
    for (;;) {
      const next = page(before)
      if (next.length === 0) break
      count += next.length
      before = next.at(-1)
    }
    expect(count).toBe(20_000)
  })
})
