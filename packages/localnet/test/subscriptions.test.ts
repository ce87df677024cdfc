// account, logs, program and root subscriptions through web3.js's Connection (which speaks the
// validator's PubSub protocol) on a localnet whose slots pass on a timer.
import {
  type AccountInfo,
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  type Logs,
  SystemProgram,
  Transaction
} from "@solana/web3.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Localnet, startLocalnet } from "../src/index.ts"
import { eventually } from "./helpers.ts"

let localnet: Localnet
let connection: Connection
const payer = Keypair.generate()

beforeAll(async () => {
  localnet = await startLocalnet({ slotIntervalMs: 20, finalizedDepth: 4, loadPrograms: false })
  connection = new Connection(localnet.rpcUrl, "confirmed")
  localnet.fund(payer.publicKey.toBase58(), 10n * BigInt(LAMPORTS_PER_SOL))
})

afterAll(async () => {
  await localnet.close()
})

const transferTo = async (to: Keypair, lamports: number) => {
  const tx = new Transaction().add(
    SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to.publicKey, lamports })
  )
  tx.recentBlockhash = (await connection.getLatestBlockhash("processed")).blockhash
  tx.sign(payer)
  return connection.sendRawTransaction(tx.serialize())
}

describe("subscriptions", () => {
  it("notifies accountSubscribe with the account's new state at the requested commitment", async () => {
    const recipient = Keypair.generate()
    const seen: Array<{ info: AccountInfo<Buffer>; slot: number }> = []
    const id = connection.onAccountChange(
      recipient.publicKey,
      (info, context) => seen.push({ info, slot: context.slot }),
      {
        commitment: "finalized",
        encoding: "base64"
      }
    )
    await new Promise((resolve) => setTimeout(resolve, 100)) // the subscription is live
    const signature = await transferTo(recipient, LAMPORTS_PER_SOL)
    const notified = await eventually(() => seen[0])
    expect(notified.info.lamports).toBe(LAMPORTS_PER_SOL)
    // Finalized: the notification came only once the transaction's slot was finalized.
    const status = (await connection.getSignatureStatus(signature, { searchTransactionHistory: true })).value
    expect(status?.confirmationStatus).toBe("finalized")
    expect(notified.slot).toBe(status?.slot)
    await connection.removeAccountChangeListener(id)
  })

  it("notifies logsSubscribe for transactions that mention an address, and for all", async () => {
    const recipient = Keypair.generate()
    const mentioning: Logs[] = []
    const all: Logs[] = []
    const a = connection.onLogs(recipient.publicKey, (logs) => mentioning.push(logs), "confirmed")
    const b = connection.onLogs("all", (logs) => all.push(logs), "processed")
    await new Promise((resolve) => setTimeout(resolve, 100))
    const other = await transferTo(Keypair.generate(), LAMPORTS_PER_SOL)
    const signature = await transferTo(recipient, LAMPORTS_PER_SOL)
    const logs = await eventually(() => mentioning[0])
    expect(logs).toEqual({
      signature,
      err: null,
      logs: [
        "Program 11111111111111111111111111111111 invoke [1]",
        "Program 11111111111111111111111111111111 success"
      ]
    })
    await eventually(() => (all.length >= 2 ? true : undefined))
    expect(all.map((entry) => entry.signature)).toEqual(expect.arrayContaining([other, signature]))
    expect(mentioning.map((entry) => entry.signature)).not.toContain(other)
    await connection.removeOnLogsListener(a)
    await connection.removeOnLogsListener(b)
  })

  it("notifies programSubscribe for accounts of the program a transaction wrote", async () => {
    const recipient = Keypair.generate()
    const seen: string[] = []
    const id = connection.onProgramAccountChange(
      SystemProgram.programId,
      (entry) => seen.push(entry.accountId.toBase58()),
      "confirmed"
    )
    await new Promise((resolve) => setTimeout(resolve, 100))
    await transferTo(recipient, LAMPORTS_PER_SOL)
    await eventually(() => (seen.includes(recipient.publicKey.toBase58()) ? true : undefined))
    expect(seen).toContain(payer.publicKey.toBase58())
    await connection.removeProgramAccountChangeListener(id)
  })

  it("notifies rootSubscribe with each new root", async () => {
    const roots: number[] = []
    const id = connection.onRootChange((root) => roots.push(root))
    await eventually(() => (roots.length >= 3 ? true : undefined))
    expect(roots[1]).toBe(roots[0]! + 1)
    expect(roots.at(-1)).toBeLessThanOrEqual(localnet.slot() - 4)
    await connection.removeRootChangeListener(id)
  })
})
