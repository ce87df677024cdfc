// Program binaries: the upgradeable-loader layout the localnet serves, the programs:fetch round
// trip through it, and the minting service's programs from the cache when they are there.
import { createHash } from "node:crypto"
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction
} from "@solana/web3.js"
import { afterAll, describe, expect, it } from "vitest"
import {
  BPF_LOADER_UPGRADEABLE,
  defaultProgramsDir,
  elfLength,
  fetchProgramElf,
  fetchPrograms,
  inspectProgramCache,
  KNOWN_PROGRAMS,
  type Localnet,
  programPath,
  programsMissingForTests,
  startLocalnet
} from "../src/index.ts"
import { rpc } from "./helpers.ts"

const TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
const MEMO_PROGRAM = "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"
const NOOP_PROGRAM = "noopb9bkMVfRPU8AsbpTUg8AQkHtKwMYZiFUjNRtMmV"
const BUBBLEGUM = "BGUMAp9Gq7iTEuizy4pqaxsTyUCBK68MDfK752saRPUY"

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")
programsMissingForTests()
const cache = inspectProgramCache(defaultProgramsDir())
const cached = (programId: string) => cache.present.find((program) => program.programId === programId)
const noop = cached(NOOP_PROGRAM)
const allKnownCached = cache.missing.length === 0

if (!noop)
  console.log(
    `programs.test: SKIPPED the noop round trip: ${programPath(cache.dir, NOOP_PROGRAM)} is not in the program cache (pnpm programs:fetch fills it)`
  )
if (!allKnownCached) {
  console.log(
    `programs.test: SKIPPED the Bubblegum smoke test: missing from ${cache.dir}: ${cache.missing.map((p) => p.name).join(", ")} (pnpm programs:fetch fills it)`
  )
}

const started: Localnet[] = []
const dirs: string[] = []
const start = async (options: Parameters<typeof startLocalnet>[0]) => {
  const localnet = await startLocalnet({ slotIntervalMs: 20, ...options })
  started.push(localnet)
  return localnet
}
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "localnet-programs-"))
  dirs.push(dir)
  return dir
}

afterAll(async () => {
  await Promise.all(started.map((localnet) => localnet.close()))
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const sendAndConfirm = async (localnet: Localnet, tx: Transaction, signers: Keypair[]) => {
  const connection = new Connection(localnet.rpcUrl, "confirmed")
  tx.recentBlockhash = (await connection.getLatestBlockhash("processed")).blockhash
  tx.sign(...signers)
  const signature = await connection.sendRawTransaction(tx.serialize())
  const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash()
  const result = await connection.confirmTransaction(
    { signature, blockhash, lastValidBlockHeight },
    "confirmed"
  )
  return { signature, err: result.value.err, connection }
}

describe("upgradeable-loader accounts", () => {
  it("serves a program account (tag 2 + ProgramData address) and ProgramData (tag 3, ELF from byte 45)", async () => {
    const localnet = await start({ loadPrograms: false })
    const program = await rpc(localnet.rpcUrl, "getAccountInfo", [TOKEN_PROGRAM, { encoding: "base64" }])
    expect(program.result.value).toMatchObject({ executable: true, owner: BPF_LOADER_UPGRADEABLE })
    const data = Buffer.from(program.result.value.data[0], "base64")
    expect(data.length).toBe(36)
    expect(data.readUInt32LE(0)).toBe(2)
    const [expected] = PublicKey.findProgramAddressSync(
      [new PublicKey(TOKEN_PROGRAM).toBuffer()],
      new PublicKey(BPF_LOADER_UPGRADEABLE)
    )
    expect(new PublicKey(data.subarray(4, 36)).toBase58()).toBe(expected!.toBase58())
    const programData = await rpc(localnet.rpcUrl, "getAccountInfo", [
      expected!.toBase58(),
      { encoding: "base64" }
    ])
    const elf = Buffer.from(programData.result.value.data[0], "base64")
    expect(elf.readUInt32LE(0)).toBe(3)
    expect(elf.subarray(45, 49)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))
  })
})

describe("programs:fetch round trip through the localnet", () => {
  it("fetches SPL Token (upgradeable) and Memo (BPFLoader2) from one localnet and runs them in another", async () => {
    const source = await start({ loadPrograms: false })
    const fetchedDir = tempDir()
    const fetched = await fetchPrograms({
      rpcUrl: source.rpcUrl,
      outDir: fetchedDir,
      programIds: [TOKEN_PROGRAM, MEMO_PROGRAM]
    })
    expect(fetched.map((program) => program.programId)).toEqual([TOKEN_PROGRAM, MEMO_PROGRAM])
    for (const program of fetched) {
      const bytes = readFileSync(program.path)
      expect(program.size).toBe(bytes.length)
      expect(program.sha256).toBe(sha256(bytes))
      expect(elfLength(bytes)).toBe(bytes.length)
    }

    // Deployed again under new ids, the fetched binaries must be whole, runnable programs.
    const tokenCopy = Keypair.generate().publicKey
    const memoCopy = Keypair.generate().publicKey
    const cacheDir = tempDir()
    copyFileSync(fetched[0]!.path, programPath(cacheDir, tokenCopy.toBase58()))
    copyFileSync(fetched[1]!.path, programPath(cacheDir, memoCopy.toBase58()))
    const target = await start({ programsDir: cacheDir })
    expect(target.loadedPrograms.map((program) => program.programId).sort()).toEqual(
      [tokenCopy.toBase58(), memoCopy.toBase58()].sort()
    )
    expect(target.programs.failed).toEqual([])

    const payer = Keypair.generate()
    target.fund(payer.publicKey.toBase58(), 10n * BigInt(LAMPORTS_PER_SOL))
    const mint = Keypair.generate()
    const createMint = new Transaction({ feePayer: payer.publicKey })
      .add(
        SystemProgram.createAccount({
          fromPubkey: payer.publicKey,
          newAccountPubkey: mint.publicKey,
          lamports: 10_000_000,
          space: 82,
          programId: tokenCopy
        })
      )
      .add(
        new TransactionInstruction({
          programId: tokenCopy,
          keys: [{ pubkey: mint.publicKey, isSigner: false, isWritable: true }],
          data: Buffer.concat([Buffer.from([20, 6]), payer.publicKey.toBuffer(), Buffer.from([0])])
        })
      )
      .add(new TransactionInstruction({ programId: memoCopy, keys: [], data: Buffer.from("round trip") }))
    const { signature, err, connection } = await sendAndConfirm(target, createMint, [payer, mint])
    expect(err).toBeNull()
    const mintAccount = await connection.getAccountInfo(mint.publicKey)
    expect(mintAccount?.owner.toBase58()).toBe(tokenCopy.toBase58())
    expect(mintAccount?.data[44]).toBe(6) // decimals
    expect(mintAccount?.data[45]).toBe(1) // is_initialized
    const logs = (
      await connection.getTransaction(signature, {
        commitment: "confirmed",
        maxSupportedTransactionVersion: 0
      })
    )?.meta?.logMessages
    expect(logs).toContain("Program log: Memo (len 10)")
    expect(logs).toContain("Program log: round trip")

    // And back out of the second localnet: the same bytes.
    expect(sha256(await fetchProgramElf(target.rpcUrl, tokenCopy.toBase58()))).toBe(fetched[0]!.sha256)
  })

  it.runIf(noop !== undefined)("round-trips the cached SPL noop program byte for byte", async () => {
    const cacheDir = tempDir()
    copyFileSync(noop!.path, programPath(cacheDir, NOOP_PROGRAM))
    const localnet = await start({ programsDir: cacheDir })
    expect(localnet.loadedPrograms.map((program) => program.programId)).toEqual([NOOP_PROGRAM])
    const outDir = tempDir()
    const [fetched] = await fetchPrograms({ rpcUrl: localnet.rpcUrl, outDir, programIds: [NOOP_PROGRAM] })
    const original = readFileSync(noop!.path)
    const roundTripped = readFileSync(fetched!.path)
    // Cached builds often carry their ProgramData padding; the fetch keeps the ELF and drops it.
    expect(roundTripped).toEqual(original.subarray(0, roundTripped.length))
    expect(original.subarray(roundTripped.length).every((byte) => byte === 0)).toBe(true)
    expect(fetched!.sha256).toBe(sha256(original.subarray(0, elfLength(original))))

    const payer = Keypair.generate()
    localnet.fund(payer.publicKey.toBase58(), BigInt(LAMPORTS_PER_SOL))
    const tx = new Transaction({ feePayer: payer.publicKey }).add(
      new TransactionInstruction({
        programId: new PublicKey(NOOP_PROGRAM),
        keys: [],
        data: Buffer.from([1, 2, 3])
      })
    )
    const { err, signature, connection } = await sendAndConfirm(localnet, tx, [payer])
    expect(err).toBeNull()
    const logs = (
      await connection.getTransaction(signature, {
        commitment: "confirmed",
        maxSupportedTransactionVersion: 0
      })
    )?.meta?.logMessages
    expect(logs).toContain(`Program ${NOOP_PROGRAM} success`)
  })

  it("writes atomically and reports what it could not find", async () => {
    const localnet = await start({ loadPrograms: false })
    const outDir = tempDir()
    const absent = Keypair.generate().publicKey.toBase58()
    await expect(fetchPrograms({ rpcUrl: localnet.rpcUrl, outDir, programIds: [absent] })).rejects.toThrow(
      /not found/
    )
    expect(existsSync(programPath(outDir, absent))).toBe(false)
    await expect(fetchProgramElf(localnet.rpcUrl, localnet.faucetAddress)).rejects.toThrow(/not executable/)
  })
})

describe("program cache", () => {
  it("reports loaded and missing programs, and ignores files that are not <programId>.so", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "notes.txt"), "not a program")
    writeFileSync(join(dir, "not-a-key.so"), "x")
    const report = inspectProgramCache(dir)
    expect(report.present).toEqual([])
    expect(report.missing.map((program) => program.programId)).toEqual(
      KNOWN_PROGRAMS.map((program) => program.programId)
    )
    const broken = Keypair.generate().publicKey.toBase58()
    writeFileSync(programPath(dir, broken), "definitely not an ELF")
    const localnet = await start({ programsDir: dir })
    expect(localnet.loadedPrograms).toEqual([])
    expect(localnet.programs.failed.map((program) => program.programId)).toEqual([broken])
    expect(localnet.missingPrograms).toHaveLength(KNOWN_PROGRAMS.length)
  })

  it.runIf(allKnownCached)(
    "loads Bubblegum, account compression, noop and token metadata as executable programs",
    async () => {
      const localnet = await start({})
      expect(localnet.programs.failed).toEqual([])
      expect(localnet.missingPrograms).toEqual([])
      for (const program of KNOWN_PROGRAMS) {
        const answer = await rpc(localnet.rpcUrl, "getAccountInfo", [
          program.programId,
          { encoding: "base64" }
        ])
        expect(answer.result.value, program.name).toMatchObject({
          executable: true,
          owner: BPF_LOADER_UPGRADEABLE
        })
      }
      // Bubblegum really runs: an empty instruction reaches Anchor's dispatcher and fails there
      // (InstructionMissing, 100) rather than being refused as a missing program.
      const payer = Keypair.generate()
      localnet.fund(payer.publicKey.toBase58(), BigInt(LAMPORTS_PER_SOL))
      const tx = new Transaction({
        feePayer: payer.publicKey,
        recentBlockhash: "11111111111111111111111111111111"
      }).add(
        new TransactionInstruction({ programId: new PublicKey(BUBBLEGUM), keys: [], data: Buffer.alloc(0) })
      )
      const unsigned = tx
        .serialize({ requireAllSignatures: false, verifySignatures: false })
        .toString("base64")
      const simulated = await rpc(localnet.rpcUrl, "simulateTransaction", [
        unsigned,
        { encoding: "base64", replaceRecentBlockhash: true }
      ])
      expect(simulated.result.value.logs[0]).toBe(`Program ${BUBBLEGUM} invoke [1]`)
      expect(simulated.result.value.err).toEqual({ InstructionError: [0, { Custom: 100 }] })
    }
  )
})
