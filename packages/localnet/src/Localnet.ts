// A local Solana cluster in one process: LiteSVM for execution, a slot clock for time, a
// transaction store for history, and JSON-RPC + WebSocket endpoints that @solana/web3.js and umi
// use unchanged. Tests start it in-process on an ephemeral port; `pnpm localnet` runs it on 8899.
import { randomBytes } from "node:crypto"
import type { Address } from "@solana/kit"
import { LiteSVM } from "litesvm"
import { AssetIndex } from "./AssetIndex.ts"
import { makeDasMethods } from "./DasMethods.ts"
import { toBase58 } from "./Encoding.ts"
import { Faucet, setBalance } from "./Faucet.ts"
import { type JsonRpcResponse, makeHandler } from "./JsonRpc.ts"
import { LedgerDirectory } from "./LedgerDirectory.ts"
import {
  type CachedProgram,
  type KnownProgram,
  loadPrograms,
  type ProgramLoadReport
} from "./ProgramCache.ts"
import { makeRpcMethods, readAccount } from "./RpcMethods.ts"
import { startRpcServer } from "./RpcServer.ts"
import { SlotClock } from "./SlotClock.ts"
import { TransactionProcessor } from "./TransactionProcessor.ts"
import { TransactionStore } from "./TransactionStore.ts"
import { WebSocketSubscriptions } from "./WebSocketSubscriptions.ts"

export interface LocalnetOptions {
  /** 0 (the default) picks a free port; the CLI uses 8899. */
  readonly port?: number
  /** WebSocket port; defaults to port + 1, where web3.js looks. The RPC port accepts upgrades too. */
  readonly wsPort?: number
  readonly host?: string
  /** Folder of `<programId>.so` files; defaults to SOLANA_PROGRAMS_DIR or ~/.cache/tickettoken-minting/programs. */
  readonly programsDir?: string
  /** false: start without loading any program binaries. */
  readonly loadPrograms?: boolean
  /** Milliseconds per slot (400 like mainnet). 0: no timer; each request that landed transactions closes a slot. */
  readonly slotIntervalMs?: number
  /** Slots after its own before a transaction counts as confirmed (1). */
  readonly confirmedDepth?: number
  /** Slots after its own before a transaction counts as finalized (32, as on a cluster). */
  readonly finalizedDepth?: number
  /** A slot closes early once it holds this many transactions (256). */
  readonly maxTransactionsPerSlot?: number
  /** Lamports in the faucet behind requestAirdrop (500M SOL). */
  readonly faucetLamports?: bigint
  /** Wall clock in ms, for the Clock sysvar and block times. */
  readonly now?: () => number
  /**
   * A folder that keeps the chain (accounts, transactions, slot, block height, genesis hash)
   * across restarts. Without it every start is a new chain with a new random genesis hash.
   */
  readonly ledgerDir?: string
  /** With ledgerDir: forget what the folder holds and start a new chain there. */
  readonly reset?: boolean
  /**
   * The genesis hash of a new chain (base58), instead of a random one: a cluster that lost its
   * state but kept its identity, as clients see it. A ledger's own genesis hash wins over it.
   */
  readonly genesisHash?: string
  /** How often a ledger checkpoint is written when something changed (1000 ms); close() writes one too. */
  readonly checkpointIntervalMs?: number
}

export interface Localnet {
  readonly rpcUrl: string
  readonly wsUrl: string
  readonly port: number
  readonly wsPort: number
  readonly host: string
  /** The LiteSVM instance itself, for setAccount and other direct set-up. */
  readonly svm: LiteSVM
  readonly programs: ProgramLoadReport
  readonly loadedPrograms: ReadonlyArray<CachedProgram>
  readonly missingPrograms: ReadonlyArray<KnownProgram>
  readonly genesisHash: string
  /** false: this start resumed a chain from its ledger folder. */
  readonly fresh: boolean
  /** The ledger folder, when the chain is kept on disk. */
  readonly ledgerDir: string | undefined
  readonly faucetAddress: string
  readonly transactions: TransactionStore
  /** Every HTTP JSON-RPC method served (DAS included), sorted. */
  readonly methods: ReadonlyArray<string>
  /** The JSON-RPC handler the HTTP server uses: a request or batch in, its response out. */
  handle(request: unknown): JsonRpcResponse | JsonRpcResponse[]
  slot(): number
  blockHeight(): number
  /** Produces `count` slots at once (each with a new blockhash), e.g. to expire a blockhash. */
  advanceSlots(count?: number): void
  /** Sends lamports from the faucet in a real transaction; returns its signature. */
  airdrop(address: string, lamports: bigint | number): string
  /** Sets an account's balance directly, without a transaction. */
  fund(address: string, lamports: bigint | number): void
  /** Writes the ledger folder now (a no-op without one). */
  checkpoint(): void
  close(): Promise<void>
}

export const startLocalnet = async (options: LocalnetOptions = {}): Promise<Localnet> => {
  const host = options.host ?? "127.0.0.1"
  const slotIntervalMs = options.slotIntervalMs ?? 400
  // LiteSVM's own blockhash check accepts only its latest hash and its history keeps ~32
  // entries; the slot clock and the transaction store do both jobs the way a cluster does.
  const ledger = options.ledgerDir === undefined ? undefined : new LedgerDirectory(options.ledgerDir)
  if (ledger && options.reset) ledger.reset()
  const restored = ledger?.read()
  const svm = (restored ? LiteSVM.fromBytes(restored.accounts) : new LiteSVM())
    .withBlockhashCheck(false)
    .withTransactionHistory(0n)
  const clock = new SlotClock(svm, {
    confirmedDepth: options.confirmedDepth ?? 1,
    finalizedDepth: options.finalizedDepth ?? 32,
    now: options.now ?? Date.now,
    resume: restored?.resume
  })
  const programs =
    options.loadPrograms === false
      ? { dir: options.programsDir ?? "", present: [], missing: [], loaded: [], failed: [] }
      : loadPrograms(svm, options.programsDir)
  const store = new TransactionStore()
  const funded = new Set<string>()
  for (const record of restored?.transactions ?? []) store.add(record)
  const processor = new TransactionProcessor(svm, clock, store, options.maxTransactionsPerSlot ?? 256)
  const faucet = new Faucet(svm, clock, processor, options.faucetLamports ?? 500_000_000n * 1_000_000_000n)
  // A new chain gets a new genesis hash, so a client can tell it from the one before.
  const genesisHash = restored?.genesisHash ?? options.genesisHash ?? toBase58(randomBytes(32))
  const subscriptions = new WebSocketSubscriptions(clock, store, processor, (address) =>
    readAccount(svm, address)
  )
  // The DAS index: rebuilt from the stored transactions, then kept current as they land.
  const assets = new AssetIndex()
  for (const record of store.since(0)) assets.index(record)
  processor.onLanded((record) => assets.index(record))
  const methods = {
    ...makeDasMethods(assets),
    ...makeRpcMethods({
      svm,
      clock,
      store,
      processor,
      faucet,
      genesisHash,
      version: { "solana-core": "2.3.0", "feature-set": 0 },
      knownAddresses: () => new Set([...store.addresses(), ...funded, faucet.address])
    })
  }
  const dispatch = makeHandler(methods)

  let landedInRequest = 0
  let dirty = restored === undefined
  processor.onLanded(() => {
    landedInRequest += 1
    dirty = true
  })
  let written = store.size
  const checkpoint = () => {
    if (!ledger) return
    ledger.write({
      genesisHash,
      accounts: svm.toBytes(),
      firstSlot: clock.firstSlot,
      slot: clock.slot,
      blockHeight: clock.blockHeight,
      slots: clock.rowsToKeep(),
      newTransactions: store.since(written),
      transactionCount: store.size
    })
    written = store.size
    dirty = false
  }
  checkpoint()
  const checkpointTimer = ledger
    ? setInterval(() => {
        if (dirty) checkpoint()
      }, options.checkpointIntervalMs ?? 1000)
    : undefined
  checkpointTimer?.unref()
  const handle = (request: unknown) => {
    landedInRequest = 0
    const response = dispatch(request)
    // Without a timer, every batch of transactions becomes a block of its own.
    if (slotIntervalMs === 0 && landedInRequest > 0) clock.advance()
    return response
  }

  const timer = slotIntervalMs > 0 ? setInterval(() => clock.advance(), slotIntervalMs) : undefined
  timer?.unref()

  let server: Awaited<ReturnType<typeof startRpcServer>>
  try {
    server = await startRpcServer({
      host,
      port: options.port ?? 0,
      wsPort: options.wsPort,
      handle,
      subscriptions
    })
  } catch (error) {
    if (timer) clearInterval(timer)
    if (checkpointTimer) clearInterval(checkpointTimer)
    subscriptions.dispose()
    throw error
  }
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host

  let closed: Promise<void> | undefined
  return {
    rpcUrl: `http://${urlHost}:${server.port}`,
    wsUrl: `ws://${urlHost}:${server.wsPort}`,
    port: server.port,
    wsPort: server.wsPort,
    host,
    svm,
    programs,
    loadedPrograms: programs.loaded,
    missingPrograms: programs.missing,
    genesisHash,
    fresh: restored === undefined,
    ledgerDir: ledger?.dir,
    faucetAddress: faucet.address,
    transactions: store,
    methods: Object.keys(methods).sort(),
    handle,
    slot: () => clock.slot,
    blockHeight: () => clock.blockHeight,
    advanceSlots: (count = 1) => clock.advance(count),
    airdrop: (address, lamports) => {
      const result = faucet.airdrop(address, BigInt(lamports))
      if (result.kind === "landed" && result.record.err === null) return result.record.signature
      const reason =
        result.kind === "landed"
          ? JSON.stringify(result.record.err)
          : result.kind === "dropped"
            ? result.reason.message
            : result.kind
      throw new Error(`airdrop to ${address} failed: ${reason}`)
    },
    fund: (address, lamports) => {
      setBalance(svm, address as Address, BigInt(lamports))
      funded.add(address)
      dirty = true
    },
    checkpoint,
    close: () => {
      closed ??= (async () => {
        if (timer) clearInterval(timer)
        if (checkpointTimer) clearInterval(checkpointTimer)
        checkpoint()
        subscriptions.dispose()
        await server.close()
      })()
      return closed
    }
  }
}
