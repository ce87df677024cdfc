// Every RPC method through @solana/web3.js's Connection against a live localnet (slots on a
// timer), plus raw JSON-RPC calls where the exact error code or shape is the point.
import {
  ComputeBudgetProgram,
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SendTransactionError,
  SYSVAR_CLOCK_PUBKEY,
  SystemProgram,
  sendAndConfirmTransaction,
  Transaction
} from "@solana/web3.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { toBase58 } from "../src/Encoding.ts"
import { type Localnet, startLocalnet } from "../src/index.ts"
import { eventually, type Json, rpc, rpcBody, sleep } from "./helpers.ts"

let localnet: Localnet
let connection: Connection
let payer: Keypair

beforeAll(async () => {
  localnet = await startLocalnet({ slotIntervalMs: 20, loadPrograms: false })
  connection = new Connection(localnet.rpcUrl, "confirmed")
  payer = Keypair.generate()
  localnet.fund(payer.publicKey.toBase58(), 100n * BigInt(LAMPORTS_PER_SOL))
})

afterAll(async () => {
  await localnet.close()
})

const transfer = (from: Keypair, to: PublicKey, lamports: number) =>
  new Transaction().add(SystemProgram.transfer({ fromPubkey: from.publicKey, toPubkey: to, lamports }))

describe("cluster information", () => {
  it("answers getVersion, getGenesisHash, getHealth, getEpochInfo and rent", async () => {
    expect((await connection.getVersion())["solana-core"]).toMatch(/^\d+\.\d+\.\d+/)
    expect(await connection.getGenesisHash()).toBe(localnet.genesisHash)
    expect((await rpc(localnet.rpcUrl, "getHealth")).result).toBe("ok")
    const before = localnet.slot()
    const epoch = await connection.getEpochInfo("processed")
    expect(epoch.absoluteSlot).toBeGreaterThanOrEqual(before)
    expect(epoch.slotIndex).toBeLessThan(epoch.slotsInEpoch)
    expect(await connection.getMinimumBalanceForRentExemption(0)).toBe(890_880)
    expect(await connection.getMinimumBalanceForRentExemption(165)).toBe(2_039_280)
    expect(await connection.getFirstAvailableBlock()).toBeLessThanOrEqual(localnet.slot())
  })

  it("advances slots and block height by itself, with a new blockhash valid for 150 blocks", async () => {
    const slot = await connection.getSlot("processed")
    const first = await connection.getLatestBlockhash("processed")
    await sleep(120)
    expect(await connection.getSlot("processed")).toBeGreaterThan(slot)
    const second = await connection.getLatestBlockhash("processed")
    expect(second.blockhash).not.toBe(first.blockhash)
    const height = await connection.getBlockHeight("processed")
    expect(second.lastValidBlockHeight).toBeGreaterThan(first.lastValidBlockHeight)
    // A few slots may pass between the two requests on a busy machine.
    expect(second.lastValidBlockHeight - height).toBeLessThanOrEqual(150)
    expect(second.lastValidBlockHeight - height).toBeGreaterThan(130)
    // Lower commitments see older slots, as on a cluster.
    expect(await connection.getSlot("finalized")).toBeLessThan(await connection.getSlot("processed"))
  })

  it("keeps the Clock sysvar on real time so block times mean something", async () => {
    const before = localnet.slot()
    const clock = await connection.getAccountInfo(SYSVAR_CLOCK_PUBKEY, "processed")
    const unixTimestamp = Number(clock!.data.readBigInt64LE(32))
    expect(Math.abs(unixTimestamp - Date.now() / 1000)).toBeLessThan(5)
    const slot = Number(clock!.data.readBigUInt64LE(0))
    expect(slot).toBeGreaterThanOrEqual(before)
    expect(slot).toBeLessThanOrEqual(localnet.slot())
  })
})

describe("transactions", () => {
  it("airdrops through a real faucet transaction and confirms it", async () => {
    const wallet = Keypair.generate()
    const signature = await connection.requestAirdrop(wallet.publicKey, 2 * LAMPORTS_PER_SOL)
    const blockhash = await connection.getLatestBlockhash()
    const result = await connection.confirmTransaction({ signature, ...blockhash }, "confirmed")
    expect(result.value.err).toBeNull()
    expect(await connection.getBalance(wallet.publicKey)).toBe(2 * LAMPORTS_PER_SOL)
    const tx = await connection.getTransaction(signature, {
      maxSupportedTransactionVersion: 0,
      commitment: "confirmed"
    })
    expect(tx?.transaction.message.staticAccountKeys[0]?.toBase58()).toBe(localnet.faucetAddress)
  })

  it("sends a transfer and notifies signatureSubscribe when it is confirmed", async () => {
    const recipient = Keypair.generate().publicKey
    const tx = transfer(payer, recipient, LAMPORTS_PER_SOL)
    tx.recentBlockhash = (await connection.getLatestBlockhash("processed")).blockhash
    tx.sign(payer)
    const signature = tx.signatures[0]!.signature!
    const notified = new Promise<{ err: unknown; slot: number }>((resolve) => {
      connection.onSignature(
        toBase58(signature),
        (result, context) => resolve({ err: result.err, slot: context.slot }),
        "confirmed"
      )
    })
    await sleep(30) // let the subscription reach the server first, so the notification is a live one
    const sent = await connection.sendRawTransaction(tx.serialize())
    const notification = await notified
    expect(notification.err).toBeNull()
    expect(sent).toBe(toBase58(signature))
    const status = (await connection.getSignatureStatuses([sent])).value[0]
    expect(status?.confirmationStatus).toMatch(/confirmed|finalized/)
    expect(await connection.getBalance(recipient)).toBe(LAMPORTS_PER_SOL)
  })

  it("works with sendAndConfirmTransaction (signatureSubscribe + status polling) and umi-style finalization", async () => {
    const recipient = Keypair.generate().publicKey
    const signature = await sendAndConfirmTransaction(
      connection,
      transfer(payer, recipient, LAMPORTS_PER_SOL),
      [payer]
    )
    const finalized = await eventually(async () => {
      const status = (await connection.getSignatureStatuses([signature])).value[0]
      return status?.confirmationStatus === "finalized" ? status : undefined
    })
    expect(finalized.confirmations).toBeNull()
    const tx = await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 })
    expect(tx?.meta?.err).toBeNull()
  })

  it("returns the preflight failure with its logs, like a validator (-32002)", async () => {
    const poor = Keypair.generate()
    localnet.fund(poor.publicKey.toBase58(), 10_000_000n)
    const tx = transfer(poor, Keypair.generate().publicKey, LAMPORTS_PER_SOL)
    tx.recentBlockhash = (await connection.getLatestBlockhash("processed")).blockhash
    tx.sign(poor)
    const error = await connection.sendRawTransaction(tx.serialize()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SendTransactionError)
    expect((error as SendTransactionError).message).toContain("custom program error: 0x1")
    expect((error as SendTransactionError).logs?.join("\n")).toContain("Transfer: insufficient lamports")
    const raw = await rpc(localnet.rpcUrl, "sendTransaction", [
      tx.serialize().toString("base64"),
      { encoding: "base64" }
    ])
    expect(raw.error.code).toBe(-32002)
    expect(raw.error.message).toBe(
      "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1"
    )
    expect(raw.error.data.err).toEqual({ InstructionError: [0, { Custom: 1 }] })
    expect(raw.error.data.logs.length).toBeGreaterThan(0)
  })

  it("stores a failed transaction that paid its fee (skipPreflight), with err, logs and balances", async () => {
    const poor = Keypair.generate()
    localnet.fund(poor.publicKey.toBase58(), 10_000_000n)
    const tx = transfer(poor, Keypair.generate().publicKey, LAMPORTS_PER_SOL)
    tx.recentBlockhash = (await connection.getLatestBlockhash("processed")).blockhash
    tx.sign(poor)
    const signature = await connection.sendRawTransaction(tx.serialize(), { skipPreflight: true })
    const status = await eventually(async () => {
      const value = (await connection.getSignatureStatuses([signature])).value[0]
      return value?.confirmationStatus === "confirmed" ? value : undefined
    })
    expect(status.err).toEqual({ InstructionError: [0, { Custom: 1 }] })
    const stored = await connection.getTransaction(signature, {
      commitment: "confirmed",
      maxSupportedTransactionVersion: 0
    })
    expect(stored?.meta?.err).toEqual({ InstructionError: [0, { Custom: 1 }] })
    expect(stored?.meta?.fee).toBe(5000)
    expect(stored?.meta?.preBalances[0]).toBe(10_000_000)
    expect(stored?.meta?.postBalances[0]).toBe(10_000_000 - 5000)
    expect(stored?.meta?.logMessages?.join("\n")).toContain("insufficient lamports")
    expect(await connection.getBalance(poor.publicKey, "processed")).toBe(10_000_000 - 5000)
    const history = await connection.getSignaturesForAddress(poor.publicKey)
    expect(history[0]?.signature).toBe(signature)
    expect(history[0]?.err).toEqual({ InstructionError: [0, { Custom: 1 }] })
  })

  it("charges priority fees the way getFeeForMessage predicts", async () => {
    const recipient = Keypair.generate().publicKey
    const tx = new Transaction().add(ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1000 })).add(
      SystemProgram.transfer({
        fromPubkey: payer.publicKey,
        toPubkey: recipient,
        lamports: LAMPORTS_PER_SOL
      })
    )
    const { blockhash } = await connection.getLatestBlockhash("processed")
    tx.recentBlockhash = blockhash
    tx.feePayer = payer.publicKey
    const predicted = await connection.getFeeForMessage(tx.compileMessage(), "processed")
    // Two builtin instructions reserve 3,000 CU each: 6,000 CU at 1,000 micro-lamports = 6 lamports.
    expect(predicted.value).toBe(5006)
    const before = await connection.getBalance(payer.publicKey, "processed")
    const signature = await sendAndConfirmTransaction(connection, tx, [payer])
    const stored = await connection.getTransaction(signature, {
      commitment: "confirmed",
      maxSupportedTransactionVersion: 0
    })
    expect(stored?.meta?.fee).toBe(5006)
    expect(before - (await connection.getBalance(payer.publicKey, "processed"))).toBe(LAMPORTS_PER_SOL + 5006)
    const fees = await connection.getRecentPrioritizationFees({ lockedWritableAccounts: [recipient] })
    expect(fees.some((fee) => fee.slot === stored?.slot && fee.prioritizationFee === 1000)).toBe(true)
  })

  it("accepts base58-encoded transactions (the RPC's default encoding)", async () => {
    const tx = transfer(payer, Keypair.generate().publicKey, LAMPORTS_PER_SOL)
    tx.recentBlockhash = (await connection.getLatestBlockhash("processed")).blockhash
    tx.sign(payer)
    const raw = await rpc(localnet.rpcUrl, "sendTransaction", [toBase58(tx.serialize())])
    expect(raw.result).toBe(toBase58(tx.signatures[0]!.signature!))
  })

  it("simulates with replaceRecentBlockhash and sigVerify", async () => {
    const tx = transfer(payer, Keypair.generate().publicKey, LAMPORTS_PER_SOL)
    tx.recentBlockhash = "11111111111111111111111111111111"
    tx.feePayer = payer.publicKey
    const unsigned = tx.serialize({ requireAllSignatures: false, verifySignatures: false }).toString("base64")
    const replaced = await rpc(localnet.rpcUrl, "simulateTransaction", [
      unsigned,
      { encoding: "base64", replaceRecentBlockhash: true, commitment: "processed" }
    ])
    expect(replaced.result.value.err).toBeNull()
    expect(replaced.result.value.unitsConsumed).toBeGreaterThan(0)
    expect(replaced.result.value.logs).toContain("Program 11111111111111111111111111111111 success")
    expect(replaced.result.value.replacementBlockhash.blockhash).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/)
    const stale = await rpc(localnet.rpcUrl, "simulateTransaction", [unsigned, { encoding: "base64" }])
    expect(stale.result.value.err).toBe("BlockhashNotFound")
    const verified = await rpc(localnet.rpcUrl, "simulateTransaction", [
      unsigned,
      { encoding: "base64", sigVerify: true }
    ])
    expect(verified.error.code).toBe(-32003)
    const both = await rpc(localnet.rpcUrl, "simulateTransaction", [
      unsigned,
      { encoding: "base64", sigVerify: true, replaceRecentBlockhash: true }
    ])
    expect(both.error.code).toBe(-32602)

    tx.recentBlockhash = (await connection.getLatestBlockhash("processed")).blockhash
    tx.sign(payer)
    const simulated = await connection.simulateTransaction(tx)
    expect(simulated.value.err).toBeNull()
    expect(simulated.value.logs?.length).toBeGreaterThan(0)

    const recipient = tx.instructions[0]!.keys[1]!.pubkey
    const withAccounts = await rpc(localnet.rpcUrl, "simulateTransaction", [
      tx.serialize().toString("base64"),
      {
        encoding: "base64",
        sigVerify: true,
        innerInstructions: true,
        accounts: { addresses: [recipient.toBase58()], encoding: "base64" }
      }
    ])
    expect(withAccounts.result.value.accounts[0].lamports).toBe(LAMPORTS_PER_SOL)
    expect(withAccounts.result.value.innerInstructions).toEqual([])
    // A simulation changes nothing.
    expect(await connection.getBalance(recipient, "processed")).toBe(0)
  })
})

describe("accounts", () => {
  it("reads accounts in base64, jsonParsed (base64 for what no parser knows) and with a data slice", async () => {
    const info = await connection.getAccountInfo(payer.publicKey, "processed")
    expect(info?.owner.toBase58()).toBe("11111111111111111111111111111111")
    expect(info?.lamports).toBe(await connection.getBalance(payer.publicKey, "processed"))
    const parsed = await connection.getParsedAccountInfo(SYSVAR_CLOCK_PUBKEY)
    expect((parsed.value?.data as { program?: string } | undefined)?.program).toBe("sysvar")
    const nobody = Keypair.generate().publicKey
    const many = await connection.getMultipleAccountsInfo([payer.publicKey, nobody, SYSVAR_CLOCK_PUBKEY])
    expect(many[0]?.lamports).toBeGreaterThan(0)
    expect(many[1]).toBeNull()
    expect(many[2]?.data.length).toBe(40)
    const sliced = await rpc(localnet.rpcUrl, "getAccountInfo", [
      SYSVAR_CLOCK_PUBKEY.toBase58(),
      { encoding: "base64", dataSlice: { offset: 0, length: 8 } }
    ])
    expect(Buffer.from(sliced.result.value.data[0], "base64").length).toBe(8)
    const jsonParsedMany = await rpc(localnet.rpcUrl, "getMultipleAccounts", [
      [payer.publicKey.toBase58()],
      { encoding: "jsonParsed" }
    ])
    expect(jsonParsedMany.result.value[0].data[1]).toBe("base64")
    expect(await connection.getBalance(nobody)).toBe(0)
  })

  it("answers getProgramAccounts with filters", async () => {
    const accounts = await connection.getProgramAccounts(
      new PublicKey("Sysvar1111111111111111111111111111111111111"),
      {
        filters: [{ dataSize: 40 }]
      }
    )
    expect(accounts.map((account) => account.pubkey.toBase58())).toContain(SYSVAR_CLOCK_PUBKEY.toBase58())
  })
})

describe("JSON-RPC framing", () => {
  it("answers unknown methods with -32601 and wrong params with -32602, never hanging", async () => {
    expect((await rpc(localnet.rpcUrl, "getBlockProduction2")).error.code).toBe(-32601)
    expect((await rpc(localnet.rpcUrl, "getBalance", ["not-an-address"])).error.code).toBe(-32602)
    expect((await rpc(localnet.rpcUrl, "getBalance", [])).error.code).toBe(-32602)
    expect((await rpc(localnet.rpcUrl, "getSignatureStatuses", ["abc"])).error.code).toBe(-32602)
    expect((await rpc(localnet.rpcUrl, "getTransaction", ["abc"])).error.code).toBe(-32602)
    expect((await rpc(localnet.rpcUrl, "getSlot", [{ commitment: "someday" }])).error.code).toBe(-32602)
    expect((await rpc(localnet.rpcUrl, "sendTransaction", ["AAAA", { encoding: "base64" }])).error.code).toBe(
      -32602
    )
    expect(
      (
        await rpc(localnet.rpcUrl, "getSignaturesForAddress", [
          payer.publicKey.toBase58(),
          { commitment: "processed" }
        ])
      ).error.code
    ).toBe(-32602)
    expect((await rpc(localnet.rpcUrl, "getSlot", [{ minContextSlot: 10 ** 12 }])).error.code).toBe(-32016)
    expect((await rpcBody(localnet.rpcUrl, "{not json")).error.code).toBe(-32700)
    expect((await rpcBody(localnet.rpcUrl, JSON.stringify({ id: 1, method: "getSlot" }))).error.code).toBe(
      -32600
    )
    expect((await rpcBody(localnet.rpcUrl, "[]")).error.code).toBe(-32600)
  })

  it("answers batch requests in order", async () => {
    const answers = await rpcBody(
      localnet.rpcUrl,
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "getSlot", params: [{ commitment: "processed" }] },
        { jsonrpc: "2.0", id: "two", method: "noSuchMethod" },
        { jsonrpc: "2.0", id: 3, method: "getBalance", params: [payer.publicKey.toBase58()] }
      ])
    )
    expect(answers.map((answer: { id: unknown }) => answer.id)).toEqual([1, "two", 3])
    expect(typeof answers[0].result).toBe("number")
    expect(answers[1].error.code).toBe(-32601)
    expect(answers[2].result.value).toBeGreaterThan(0)
  })

  it("serves the same handler in-process", () => {
    const answer = localnet.handle({ jsonrpc: "2.0", id: 7, method: "getGenesisHash" })
    expect(answer).toEqual({ jsonrpc: "2.0", id: 7, result: localnet.genesisHash })
  })
})

describe("WebSocket", () => {
  it("notifies slotSubscribe listeners", async () => {
    const slots: number[] = []
    const id = connection.onSlotChange((info) => slots.push(info.slot))
    await eventually(() => (slots.length >= 2 ? true : undefined))
    await connection.removeSlotChangeListener(id)
    expect(slots[1]).toBeGreaterThan(slots[0]!)
  })

  it("also accepts WebSocket upgrades on the RPC port itself", async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${localnet.port}`)
    const messages: Json[] = []
    socket.on("message", (data) => messages.push(JSON.parse(data.toString())))
    await new Promise((resolve) => socket.once("open", resolve))
    socket.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "slotSubscribe" }))
    socket.send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "getSlot" }))
    socket.send(JSON.stringify({ jsonrpc: "2.0", method: "ping" }))
    await eventually(() => (messages.some((m) => m.method === "slotNotification") ? true : undefined))
    expect(messages.find((m) => m.id === 1).result).toEqual(expect.any(Number))
    expect(messages.find((m) => m.id === 2).error.code).toBe(-32601)
    const note = messages.find((m) => m.method === "slotNotification")
    expect(note.params.result).toEqual({
      parent: expect.any(Number),
      root: expect.any(Number),
      slot: expect.any(Number)
    })
    socket.send(
      JSON.stringify({ jsonrpc: "2.0", id: 3, method: "slotUnsubscribe", params: [messages[0].result] })
    )
    await eventually(() => messages.find((m) => m.id === 3))
    expect(messages.find((m) => m.id === 3).result).toBe(true)
    socket.close()
  })

  it("notifies a signature that is already confirmed right after subscribing", async () => {
    const signature = await sendAndConfirmTransaction(
      connection,
      transfer(payer, Keypair.generate().publicKey, LAMPORTS_PER_SOL),
      [payer]
    )
    const socket = new WebSocket(localnet.wsUrl)
    const messages: Json[] = []
    socket.on("message", (data) => messages.push(JSON.parse(data.toString())))
    await new Promise((resolve) => socket.once("open", resolve))
    socket.send(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "signatureSubscribe",
        params: [signature, { commitment: "confirmed" }]
      })
    )
    await eventually(() => (messages.length >= 2 ? true : undefined))
    expect(messages[0]).toEqual({ jsonrpc: "2.0", id: 1, result: expect.any(Number) })
    expect(messages[1].method).toBe("signatureNotification")
    expect(messages[1].params.subscription).toBe(messages[0].result)
    expect(messages[1].params.result.value).toEqual({ err: null })
    socket.close()
  })
})
