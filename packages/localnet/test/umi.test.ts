// umi (umi-bundle-defaults, which talks through web3.js's Connection) pointed at the localnet URL,
// with nothing replaced: the way the minting service's Solana adapter uses it.
import { transferSol } from "@metaplex-foundation/mpl-toolbox"
import { generateSigner, keypairIdentity, sol } from "@metaplex-foundation/umi"
import { createUmi } from "@metaplex-foundation/umi-bundle-defaults"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Localnet, startLocalnet } from "../src/index.ts"

let localnet: Localnet
beforeAll(async () => {
  localnet = await startLocalnet({ slotIntervalMs: 20, loadPrograms: false })
})
afterAll(async () => {
  await localnet.close()
})

describe("umi", () => {
  it("airdrops, sends and confirms a transfer, and reads it back", async () => {
    const umi = createUmi(localnet.rpcUrl, "confirmed")
    const payer = generateSigner(umi)
    umi.use(keypairIdentity(payer))
    await umi.rpc.airdrop(payer.publicKey, sol(2))
    expect(await umi.rpc.getBalance(payer.publicKey)).toEqual(sol(2))

    const recipient = generateSigner(umi).publicKey
    const result = await transferSol(umi, { destination: recipient, amount: sol(0.5) }).sendAndConfirm(umi)
    expect(result.result.value.err).toBeNull()
    const recipientAccount = await umi.rpc.getAccount(recipient)
    expect(recipientAccount.exists && recipientAccount.lamports).toEqual(sol(0.5))

    const tx = await umi.rpc.getTransaction(result.signature, { commitment: "confirmed" })
    expect(tx?.meta.fee).toEqual(sol(0.000005))
    expect(tx?.meta.logs.join("\n")).toContain("Program 11111111111111111111111111111111 success")
    const [status] = await umi.rpc.getSignatureStatuses([result.signature])
    expect(status?.error).toBeNull()
    expect(await umi.rpc.call<string>("getGenesisHash")).toBe(localnet.genesisHash)
    expect(await umi.rpc.getRent(0)).toEqual(sol(0.00089088))
  })
})
