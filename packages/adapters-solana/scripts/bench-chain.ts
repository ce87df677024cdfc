/**
 * `pnpm bench:chain [--mints N] [--concurrency C] [--rounds R] [--slot-ms MS] [--in-process]`: compressed-NFT mints per second through the
 * adapter over the localnet's JSON-RPC (prepare: blockhash, simulation, signing; send; then
 * statuses until every mint has landed at `confirmed`), against a bare in-process loop in the
 * same run: the same umi-built mintV1 transactions sent straight to LiteSVM, nothing else.
 *
 * The localnet runs in a process of its own, as a validator would (`--in-process` to share this
 * one); `--rounds` alternating rounds, the best of each side counted, since other work on the
 * machine slows either at random.
 *
 * The last line is the figure: {"bench":"chain","unit":"mints/s","ours":N,"baseline":N,"ratio":N}.
 * Without the program binaries it says so and exits 0 with no figure.
 */
import { parseArgs } from "node:util"
import { createTree, mintV1, TokenProgramVersion, TokenStandard } from "@metaplex-foundation/mpl-bubblegum"
import {
  generateSigner,
  keypairIdentity,
  lamports,
  publicKey,
  transactionBuilder
} from "@metaplex-foundation/umi"
import { createUmi } from "@metaplex-foundation/umi-bundle-defaults"
import { getTransactionDecoder } from "@solana/kit"
import { Keypair } from "@solana/web3.js"
import { ChainGateway } from "@tickettoken/minting-core"
import {
  inspectProgramCache,
  KNOWN_PROGRAMS,
  programPath,
  spawnLocalnet,
  startLocalnet
} from "@tickettoken/solana-localnet"
import { Effect, Layer, ManagedRuntime, Redacted, Schedule } from "effect"
import { FailedTransactionMetadata, LiteSVM } from "litesvm"
import { BubblegumGateway } from "../src/BubblegumGateway.ts"
import { SolanaConfig } from "../src/SolanaConfig.ts"
import { RpcCallCounter } from "../src/SolanaRpc.ts"

const { values } = parseArgs({
  options: {
    mints: { type: "string", default: "200" },
    concurrency: { type: "string", default: "16" },
    "slot-ms": { type: "string", default: "10" },
    "in-process": { type: "boolean", default: false },
    rounds: { type: "string", default: "3" }
  }
})
const rounds = Number(values.rounds)
const inProcess = values["in-process"]
const mints = Number(values.mints)
const concurrency = Number(values.concurrency)
const slotMs = Number(values["slot-ms"])
const WARMUP = 20
const TREE = { maxDepth: 14, maxBufferSize: 64, canopyDepth: 0 } as const

const cache = inspectProgramCache()
if (cache.missing.length > 0) {
  console.log(
    `bench:chain: skipped: program binaries missing from ${cache.dir}: ${cache.missing.map((p) => p.programId).join(", ")} (pnpm programs:fetch --rpc <URL>)`
  )
  process.exit(0)
}

const metadata = (n: number) => ({
  name: `Ticket #${n}`,
  symbol: "TCKT",
  uri: `https://tickets.example/metadata/ticket-${n}`,
  sellerFeeBasisPoints: 0,
  creators: [],
  collection: null
})

interface RunningLocalnet {
  readonly rpcUrl: string
  fund(address: string): Promise<void>
  close(): Promise<void>
}

/** The localnet in a process of its own, as a validator would be (`pnpm localnet` on a free port). */
const localnetProcess = async (): Promise<RunningLocalnet> => {
  const net = await spawnLocalnet({ slotMs })
  return { rpcUrl: net.rpcUrl, fund: (address) => net.fund(address, 1_000), close: net.close }
}

const localnetInProcess = async (): Promise<RunningLocalnet> => {
  const net = await startLocalnet({ port: 0, slotIntervalMs: slotMs })
  return {
    rpcUrl: net.rpcUrl,
    fund: async (address) => net.fund(address, 1_000n * 1_000_000_000n),
    close: () => net.close()
  }
}

interface Contender {
  /** Mints `count` tickets numbered from `from` and returns when all have landed. */
  run(from: number, count: number): Promise<void>
  close(): Promise<void>
}

/** The adapter over the localnet's RPC: prepare + send with `concurrency` in flight, then statuses. */
const ours = async (): Promise<Contender & { requests(): Promise<number> }> => {
  const net = inProcess ? await localnetInProcess() : await localnetProcess()
  const payer = Keypair.generate()
  await net.fund(payer.publicKey.toBase58())
  const layer = BubblegumGateway.layer.pipe(
    Layer.provide(
      SolanaConfig.layer({
        rpcUrl: net.rpcUrl,
        keypair: Redacted.make(JSON.stringify(Array.from(payer.secretKey)))
      })
    )
  )
  const runtime = ManagedRuntime.make(layer)
  const tree = await runtime.runPromise(Effect.flatMap(ChainGateway, (chain) => chain.createTree(TREE)))
  const owner = Keypair.generate().publicKey.toBase58()
  const run = (from: number, count: number) =>
    Effect.gen(function* () {
      const chain = yield* ChainGateway
      const signatures = yield* Effect.forEach(
        Array.from({ length: count }, (_, i) => from + i),
        (n) =>
          Effect.gen(function* () {
            const prepared = yield* chain.prepareMint({
              mintId: `mint-${n}`,
              owner,
              tree: tree.address,
              metadata: metadata(n)
            })
            yield* chain.send(prepared.wire)
            return prepared.signature
          }),
        { concurrency }
      )
      const observed = yield* chain.statuses(signatures).pipe(
        Effect.repeat({
          until: (all) => all.every((o) => o.state === "landed"),
          schedule: Schedule.spaced("5 millis")
        })
      )
      const failed = observed.filter((o) => o.state === "landed" && o.err !== null)
      if (failed.length > 0) return yield* Effect.die(new Error(`${failed.length} mints failed on chain`))
    })
  return {
    run: (from, count) => runtime.runPromise(run(from, count)),
    requests: () =>
      runtime.runPromise(Effect.flatMap(RpcCallCounter, (counter) => counter.count)).then((c) => c.requests),
    close: async () => {
      // Every mint must be in the tree once, found by the scan the reconciler uses.
      const leaves = await runtime.runPromise(
        Effect.flatMap(ChainGateway, (chain) => chain.scanTree(tree.address, null, 100_000))
      )
      await runtime.dispose()
      await net.close()
      const expected = WARMUP + rounds * mints
      if (leaves.leaves.length !== expected)
        throw new Error(`the tree holds ${leaves.leaves.length} leaves, not ${expected}`)
    }
  }
}

/** The floor: umi builds and signs mintV1, LiteSVM runs it, in process, one after another. */
const baseline = async (): Promise<Contender> => {
  const svm = new LiteSVM()
  for (const program of KNOWN_PROGRAMS)
    svm.addProgramFromFile(program.programId as never, programPath(cache.dir, program.programId))
  const umi = createUmi("http://127.0.0.1:9")
  const payer = generateSigner(umi)
  umi.use(keypairIdentity(payer))
  svm.airdrop(payer.publicKey as never, (1_000n * 1_000_000_000n) as never)
  const decoder = getTransactionDecoder()
  const send = (wire: Uint8Array) => {
    const result = svm.sendTransaction(decoder.decode(wire) as never)
    if (result instanceof FailedTransactionMetadata) throw new Error(`baseline: ${String(result.err())}`)
  }
  const tree = generateSigner(umi)
  const rentUmi = {
    ...umi,
    rpc: {
      ...umi.rpc,
      getRent: async (bytes: number) => lamports(svm.minimumBalanceForRentExemption(BigInt(bytes)))
    }
  }
  const create = await createTree(rentUmi, { merkleTree: tree, ...TREE })
  send(umi.transactions.serialize(await create.setBlockhash(svm.latestBlockhash()).buildAndSign(umi)))
  const owner = publicKey(Keypair.generate().publicKey.toBase58())
  const mint = async (n: number) => {
    const tx = await transactionBuilder()
      .add(
        mintV1(umi, {
          leafOwner: owner,
          merkleTree: tree.publicKey,
          metadata: {
            ...metadata(n),
            primarySaleHappened: false,
            isMutable: true,
            editionNonce: null,
            tokenStandard: TokenStandard.NonFungible,
            uses: null,
            tokenProgramVersion: TokenProgramVersion.Original
          }
        })
      )
      .setBlockhash(svm.latestBlockhash())
      .buildAndSign(umi)
    send(umi.transactions.serialize(tx))
  }
  return {
    run: async (from, count) => {
      for (let n = from; n < from + count; n++) await mint(n)
    },
    close: async () => undefined
  }
}

/** Seconds `count` mints take. */
const time = async (contender: Contender, from: number, count: number) => {
  const started = performance.now()
  await contender.run(from, count)
  return (performance.now() - started) / 1000
}

// Alternating rounds, best of each side: other work on the machine slows either at random.
const bare = await baseline()
const adapter = await ours()
await bare.run(0, WARMUP)
await adapter.run(0, WARMUP)
const baseSeconds: Array<number> = []
const ourSeconds: Array<number> = []
const requestsBefore = await adapter.requests()
for (let r = 0; r < rounds; r++) {
  const from = WARMUP + r * mints
  baseSeconds.push(await time(bare, from, mints))
  ourSeconds.push(await time(adapter, from, mints))
}
const requests = (await adapter.requests()) - requestsBefore
await adapter.close()
await bare.close()

const best = (seconds: ReadonlyArray<number>) => mints / Math.min(...seconds)
const list = (seconds: ReadonlyArray<number>) => seconds.map((s) => s.toFixed(3)).join(", ")
console.log(`baseline: ${mints} mints straight to LiteSVM, one at a time: ${list(baseSeconds)} s`)
console.log(
  `ours:     ${mints} mints over JSON-RPC (localnet ${inProcess ? "in this process" : "in its own process"}, ${slotMs} ms slots), ${concurrency} in flight, until all confirmed: ${list(ourSeconds)} s; ${(requests / (rounds * mints)).toFixed(2)} RPC requests per mint`
)
const round = (n: number, digits: number) => Number(n.toFixed(digits))
console.log(
  JSON.stringify({
    bench: "chain",
    unit: "mints/s",
    ours: round(best(ourSeconds), 1),
    baseline: round(best(baseSeconds), 1),
    ratio: round(best(ourSeconds) / best(baseSeconds), 3)
  })
)
