// jsonParsed, token balances, token queries and block queries, through @solana/web3.js (and
// @solana/kit where it adds a second client), compared with the shapes of the Solana RPC docs.
import { readFileSync } from "node:fs"
import { createSolanaRpc, type Signature } from "@solana/kit"
import {
  createAssociatedTokenAccountIdempotentInstruction,
  createAssociatedTokenAccountInstruction,
  createInitializeMint2Instruction,
  createMintToCheckedInstruction,
  createTransferCheckedInstruction,
  getAssociatedTokenAddressSync,
  MINT_SIZE,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID
} from "@solana/spl-token"
import {
  ComputeBudgetProgram,
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SYSVAR_CLOCK_PUBKEY,
  SystemProgram,
  Transaction,
  TransactionInstruction
} from "@solana/web3.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Localnet, startLocalnet } from "../src/index.ts"
import { programPath } from "../src/ProgramCache.ts"
import { rpc } from "./helpers.ts"

const MEMO_PROGRAM = "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"
const COMPUTE_BUDGET = "ComputeBudget111111111111111111111111111111"

let localnet: Localnet
let connection: Connection
const payer = Keypair.generate()
const mint = Keypair.generate()
const holder = Keypair.generate()
let payerAta: PublicKey
let holderAta: PublicKey
let createSignature: string
let transferSignature: string

const send = async (tx: Transaction, ...signers: Keypair[]) => {
  tx.recentBlockhash = (await connection.getLatestBlockhash("processed")).blockhash
  tx.feePayer = payer.publicKey
  tx.sign(payer, ...signers)
  const signature = await connection.sendRawTransaction(tx.serialize())
  localnet.advanceSlots(2)
  return signature
}

beforeAll(async () => {
  localnet = await startLocalnet({ slotIntervalMs: 0, loadPrograms: false })
  connection = new Connection(localnet.rpcUrl, "confirmed")
  localnet.fund(payer.publicKey.toBase58(), 10n * BigInt(LAMPORTS_PER_SOL))
  payerAta = getAssociatedTokenAddressSync(mint.publicKey, payer.publicKey)
  holderAta = getAssociatedTokenAddressSync(mint.publicKey, holder.publicKey)
  const rent = await connection.getMinimumBalanceForRentExemption(MINT_SIZE)
  createSignature = await send(
    new Transaction().add(
      ComputeBudgetProgram.setComputeUnitLimit({ units: 300_000 }),
      SystemProgram.createAccount({
        fromPubkey: payer.publicKey,
        newAccountPubkey: mint.publicKey,
        lamports: rent,
        space: MINT_SIZE,
        programId: TOKEN_PROGRAM_ID
      }),
      createInitializeMint2Instruction(mint.publicKey, 2, payer.publicKey, null),
      createAssociatedTokenAccountInstruction(payer.publicKey, payerAta, payer.publicKey, mint.publicKey),
      createMintToCheckedInstruction(mint.publicKey, payerAta, payer.publicKey, 1500n, 2),
      new TransactionInstruction({
        programId: new PublicKey(MEMO_PROGRAM),
        keys: [],
        data: Buffer.from("tickets for all")
      })
    ),
    mint
  )
  transferSignature = await send(
    new Transaction().add(
      createAssociatedTokenAccountIdempotentInstruction(
        payer.publicKey,
        holderAta,
        holder.publicKey,
        mint.publicKey
      ),
      createTransferCheckedInstruction(payerAta, mint.publicKey, holderAta, payer.publicKey, 250n, 2)
    )
  )
})

afterAll(async () => {
  await localnet.close()
})

describe("jsonParsed transactions", () => {
  it("parses system, spl-token, associated-token and memo instructions; compute budget stays partially decoded", async () => {
    const tx = await connection.getParsedTransaction(createSignature, { maxSupportedTransactionVersion: 0 })
    expect(tx?.meta?.err).toBeNull()
    const [budget, create, init, ata, mintTo, memo] = tx!.transaction.message.instructions as Array<
      Record<string, unknown> & { programId: PublicKey }
    >
    // agave parses no compute-budget instructions: programId, accounts and data, as for any program.
    expect(budget!.programId.toBase58()).toBe(COMPUTE_BUDGET)
    expect(budget).toHaveProperty("data")
    expect(budget).not.toHaveProperty("parsed")
    expect(create).toMatchObject({
      program: "system",
      parsed: {
        type: "createAccount",
        info: {
          source: payer.publicKey.toBase58(),
          newAccount: mint.publicKey.toBase58(),
          space: MINT_SIZE,
          owner: TOKEN_PROGRAM_ID.toBase58()
        }
      }
    })
    expect(init).toMatchObject({
      program: "spl-token",
      parsed: {
        type: "initializeMint2",
        info: { mint: mint.publicKey.toBase58(), decimals: 2, mintAuthority: payer.publicKey.toBase58() }
      }
    })
    expect((init!.parsed as { info: object }).info).not.toHaveProperty("freezeAuthority")
    expect(ata).toMatchObject({
      program: "spl-associated-token-account",
      parsed: {
        type: "create",
        info: {
          source: payer.publicKey.toBase58(),
          account: payerAta.toBase58(),
          wallet: payer.publicKey.toBase58(),
          mint: mint.publicKey.toBase58(),
          systemProgram: SystemProgram.programId.toBase58(),
          tokenProgram: TOKEN_PROGRAM_ID.toBase58()
        }
      }
    })
    expect(mintTo).toMatchObject({
      program: "spl-token",
      parsed: {
        type: "mintToChecked",
        info: {
          mint: mint.publicKey.toBase58(),
          account: payerAta.toBase58(),
          mintAuthority: payer.publicKey.toBase58(),
          tokenAmount: { amount: "1500", decimals: 2, uiAmount: 15, uiAmountString: "15" }
        }
      }
    })
    expect(memo).toMatchObject({ program: "spl-memo", parsed: "tickets for all" })
    // The same through @solana/kit.
    const viaKit = await createSolanaRpc(localnet.rpcUrl)
      .getTransaction(createSignature as Signature, {
        encoding: "jsonParsed",
        maxSupportedTransactionVersion: 0,
        commitment: "confirmed"
      })
      .send()
    expect(viaKit?.transaction.message.instructions[1]).toMatchObject({
      program: "system",
      parsed: { type: "createAccount", info: { space: BigInt(MINT_SIZE) } }
    })
    // getSignaturesForAddress carries the memo as "[length] text".
    const history = await connection.getSignaturesForAddress(mint.publicKey)
    expect(history.find((entry) => entry.signature === createSignature)?.memo).toBe("[15] tickets for all")
    expect(history.find((entry) => entry.signature === transferSignature)?.memo).toBeNull()
    // The ATA program's own calls into System and Token come back parsed as inner instructions.
    const inner = tx!.meta!.innerInstructions!.find((group) => group.index === 3)!.instructions as Array<
      Record<string, unknown>
    >
    expect(inner.map((ix) => (ix.parsed as { type?: string } | undefined)?.type)).toContain(
      "initializeAccount3"
    )
  })

  it("reports pre/postTokenBalances for the token accounts a transaction touches", async () => {
    const created = await connection.getTransaction(createSignature, { maxSupportedTransactionVersion: 0 })
    expect(created?.meta?.preTokenBalances).toEqual([])
    const keys = created!.transaction.message.staticAccountKeys.map((key) => key.toBase58())
    expect(created?.meta?.postTokenBalances).toEqual([
      {
        accountIndex: keys.indexOf(payerAta.toBase58()),
        mint: mint.publicKey.toBase58(),
        owner: payer.publicKey.toBase58(),
        programId: TOKEN_PROGRAM_ID.toBase58(),
        uiTokenAmount: { amount: "1500", decimals: 2, uiAmount: 15, uiAmountString: "15" }
      }
    ])
    const moved = await connection.getParsedTransaction(transferSignature, {
      maxSupportedTransactionVersion: 0
    })
    const amounts = (balances: typeof moved extends null ? never : unknown) =>
      (balances as Array<{ owner: string; uiTokenAmount: { uiAmountString: string } }>).map(
        (b) => `${b.owner}:${b.uiTokenAmount.uiAmountString}`
      )
    expect(amounts(moved?.meta?.preTokenBalances)).toEqual([`${payer.publicKey.toBase58()}:15`])
    expect(amounts(moved?.meta?.postTokenBalances).sort()).toEqual(
      [`${payer.publicKey.toBase58()}:12.5`, `${holder.publicKey.toBase58()}:2.5`].sort()
    )
    const transfer = moved!.transaction.message.instructions[1] as Record<string, unknown>
    expect(transfer).toMatchObject({
      program: "spl-token",
      parsed: {
        type: "transferChecked",
        info: { authority: payer.publicKey.toBase58(), tokenAmount: { amount: "250" } }
      }
    })
  })
})

describe("jsonParsed accounts", () => {
  it("parses mints, token accounts and the clock sysvar", async () => {
    const mintInfo = await connection.getParsedAccountInfo(mint.publicKey)
    expect(mintInfo.value?.data).toEqual({
      program: "spl-token",
      parsed: {
        type: "mint",
        info: {
          mintAuthority: payer.publicKey.toBase58(),
          supply: "1500",
          decimals: 2,
          isInitialized: true,
          freezeAuthority: null
        }
      },
      space: MINT_SIZE
    })
    const account = await connection.getParsedAccountInfo(holderAta)
    expect(account.value?.data).toEqual({
      program: "spl-token",
      parsed: {
        type: "account",
        info: {
          mint: mint.publicKey.toBase58(),
          owner: holder.publicKey.toBase58(),
          tokenAmount: { amount: "250", decimals: 2, uiAmount: 2.5, uiAmountString: "2.5" },
          state: "initialized",
          isNative: false
        }
      },
      space: 165
    })
    const clock = await connection.getParsedAccountInfo(SYSVAR_CLOCK_PUBKEY)
    const parsedClock = clock.value?.data as {
      program: string
      parsed: { type: string; info: { slot: number } }
    }
    expect(parsedClock.program).toBe("sysvar")
    expect(parsedClock.parsed.type).toBe("clock")
    expect(parsedClock.parsed.info.slot).toBe(localnet.slot())
  })

  it("parses Token-2022 mints and accounts under spl-token-2022, with their token balances", async () => {
    const mint22 = Keypair.generate()
    const ata22 = getAssociatedTokenAddressSync(
      mint22.publicKey,
      holder.publicKey,
      false,
      TOKEN_2022_PROGRAM_ID
    )
    const rent = await connection.getMinimumBalanceForRentExemption(MINT_SIZE)
    const signature = await send(
      new Transaction().add(
        SystemProgram.createAccount({
          fromPubkey: payer.publicKey,
          newAccountPubkey: mint22.publicKey,
          lamports: rent,
          space: MINT_SIZE,
          programId: TOKEN_2022_PROGRAM_ID
        }),
        createInitializeMint2Instruction(
          mint22.publicKey,
          6,
          payer.publicKey,
          payer.publicKey,
          TOKEN_2022_PROGRAM_ID
        ),
        createAssociatedTokenAccountInstruction(
          payer.publicKey,
          ata22,
          holder.publicKey,
          mint22.publicKey,
          TOKEN_2022_PROGRAM_ID
        ),
        createMintToCheckedInstruction(
          mint22.publicKey,
          ata22,
          payer.publicKey,
          1_234_500n,
          6,
          [],
          TOKEN_2022_PROGRAM_ID
        )
      ),
      mint22
    )
    const tx = await connection.getParsedTransaction(signature, { maxSupportedTransactionVersion: 0 })
    expect(tx?.meta?.err).toBeNull()
    // Instructions of both token programs are "spl-token" to agave; their accounts are not.
    expect(tx?.transaction.message.instructions[1]).toMatchObject({
      program: "spl-token",
      parsed: { type: "initializeMint2", info: { freezeAuthority: payer.publicKey.toBase58(), decimals: 6 } }
    })
    expect(tx?.meta?.postTokenBalances?.[0]).toMatchObject({
      programId: TOKEN_2022_PROGRAM_ID.toBase58(),
      uiTokenAmount: { amount: "1234500", decimals: 6, uiAmount: 1.2345, uiAmountString: "1.2345" }
    })
    const account = await connection.getParsedAccountInfo(ata22)
    expect(account.value?.data).toMatchObject({
      program: "spl-token-2022",
      parsed: { type: "account", info: { owner: holder.publicKey.toBase58(), state: "initialized" } }
    })
    const mintAccount = await connection.getParsedAccountInfo(mint22.publicKey)
    expect(mintAccount.value?.data).toMatchObject({ program: "spl-token-2022", parsed: { type: "mint" } })
    const byOwner = await connection.getParsedTokenAccountsByOwner(holder.publicKey, {
      programId: TOKEN_2022_PROGRAM_ID
    })
    expect(byOwner.value.map((entry) => entry.pubkey.toBase58())).toEqual([ata22.toBase58()])
  })

  it("parses upgradeable-loader program and programData accounts", async () => {
    const dir = process.env.SOLANA_PROGRAMS_DIR
    const noop = "noopb9bkMVfRPU8AsbpTUg8AQkHtKwMYZiFUjNRtMmV"
    if (!dir) return // needs a real program binary (SOLANA_PROGRAMS_DIR)
    localnet.svm.addProgram(noop as never, readFileSync(programPath(dir, noop)))
    const program = await rpc(localnet.rpcUrl, "getAccountInfo", [noop, { encoding: "jsonParsed" }])
    expect(program.result.value.data.program).toBe("bpf-upgradeable-loader")
    expect(program.result.value.data.parsed.type).toBe("program")
    const programData = program.result.value.data.parsed.info.programData
    const data = await rpc(localnet.rpcUrl, "getAccountInfo", [programData, { encoding: "jsonParsed" }])
    expect(data.result.value.data.parsed.type).toBe("programData")
    expect(data.result.value.data.parsed.info.data[1]).toBe("base64")
    expect(Buffer.from(data.result.value.data.parsed.info.data[0], "base64").subarray(0, 4)).toEqual(
      Buffer.from([0x7f, 0x45, 0x4c, 0x46])
    )
  })
})

describe("token queries", () => {
  it("answers getTokenAccountBalance, getTokenSupply, getTokenAccountsByOwner and getTokenLargestAccounts", async () => {
    expect((await connection.getTokenAccountBalance(payerAta)).value).toEqual({
      amount: "1250",
      decimals: 2,
      uiAmount: 12.5,
      uiAmountString: "12.5"
    })
    expect((await connection.getTokenSupply(mint.publicKey)).value.amount).toBe("1500")
    const byOwner = await connection.getParsedTokenAccountsByOwner(holder.publicKey, { mint: mint.publicKey })
    expect(byOwner.value.map((entry) => entry.pubkey.toBase58())).toEqual([holderAta.toBase58()])
    const byProgram = await connection.getTokenAccountsByOwner(payer.publicKey, {
      programId: TOKEN_PROGRAM_ID
    })
    expect(byProgram.value).toHaveLength(1)
    expect(byProgram.value[0]!.account.data.length).toBe(165)
    const largest = await connection.getTokenLargestAccounts(mint.publicKey)
    expect(largest.value.map((entry) => entry.address.toBase58())).toEqual([
      payerAta.toBase58(),
      holderAta.toBase58()
    ])
    const notAccount = await rpc(localnet.rpcUrl, "getTokenAccountBalance", [payer.publicKey.toBase58()])
    expect(notAccount.error.code).toBe(-32602)
    // A second client: @solana/kit.
    const kit = createSolanaRpc(localnet.rpcUrl)
    const balance = await kit.getTokenAccountBalance(holderAta.toBase58() as never).send()
    expect(balance.value.uiAmountString).toBe("2.5")
  })
})

describe("blocks", () => {
  it("answers getBlock with full, signatures and accounts details, and getBlocks", async () => {
    const slot = (await connection.getSignatureStatus(transferSignature)).value!.slot
    const block = await connection.getBlock(slot, { maxSupportedTransactionVersion: 0 })
    expect(block?.transactions.map((entry) => entry.transaction.signatures[0])).toEqual([transferSignature])
    expect(block?.parentSlot).toBeLessThan(slot)
    expect(block?.blockTime).toBeGreaterThan(0)
    expect(block?.rewards).toEqual([])
    const parent = await connection.getBlock(block!.parentSlot, { maxSupportedTransactionVersion: 0 })
    expect(block?.previousBlockhash).toBe(parent?.blockhash)
    const parsed = await connection.getParsedBlock(slot, {
      maxSupportedTransactionVersion: 0,
      transactionDetails: "full"
    })
    const fullTx = parsed.transactions[0]!.transaction as unknown as {
      message: { instructions: Array<{ program?: string }> }
    }
    expect(fullTx.message.instructions[1]?.program).toBe("spl-token")
    const signatures = await rpc(localnet.rpcUrl, "getBlock", [
      slot,
      { transactionDetails: "signatures", rewards: false, commitment: "confirmed" }
    ])
    expect(signatures.result.signatures).toEqual([transferSignature])
    expect(signatures.result).not.toHaveProperty("rewards")
    expect(signatures.result).not.toHaveProperty("transactions")
    const accounts = await connection.getBlock(slot, {
      transactionDetails: "accounts",
      maxSupportedTransactionVersion: 0
    })
    const accountsTx = accounts?.transactions[0]?.transaction as unknown as {
      accountKeys: Array<{ signer: boolean }>
    }
    expect(accountsTx.accountKeys[0]?.signer).toBe(true)
    const unreached = await rpc(localnet.rpcUrl, "getBlock", [
      localnet.slot() + 10,
      { commitment: "confirmed" }
    ])
    expect(unreached.error.code).toBe(-32004)
    const processed = await rpc(localnet.rpcUrl, "getBlock", [slot, { commitment: "processed" }])
    expect(processed.error.code).toBe(-32602)
    const blocks = await connection.getBlocks(slot - 2, slot + 1)
    expect(blocks).toEqual([slot - 2, slot - 1, slot, slot + 1])
    const kit = createSolanaRpc(localnet.rpcUrl)
    const viaKit = await kit
      .getBlock(BigInt(slot), { transactionDetails: "signatures", maxSupportedTransactionVersion: 0 })
      .send()
    expect(viaKit?.signatures).toEqual([transferSignature])
  })

  it("answers getSupply and getStakeMinimumDelegation", async () => {
    const supply = await connection.getSupply()
    expect(supply.value.total).toBeGreaterThanOrEqual(10 * LAMPORTS_PER_SOL - 1e7)
    expect(supply.value.circulating).toBe(supply.value.total)
    expect(supply.value.nonCirculating).toBe(0)
    expect((await connection.getStakeMinimumDelegation()).value).toBe(LAMPORTS_PER_SOL)
  })
})
