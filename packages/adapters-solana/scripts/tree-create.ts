/**
 * `pnpm tree:create --depth 14 --buffer 64 --canopy 0 [--dry-run]`: creates a Bubblegum merkle
 * tree with the fee payer of SOLANA_KEYPAIR on SOLANA_RPC_URL. It prints what the tree costs
 * (account size, rent, capacity) and the payer's balance before it acts; --dry-run stops there.
 * The last line is JSON, for scripts.
 */
import { parseArgs } from "node:util"
import { ChainGateway } from "@tickettoken/minting-core"
import { Effect } from "effect"
import { BubblegumGateway } from "../src/BubblegumGateway.ts"
import { SolanaClient } from "../src/SolanaClient.ts"
import { shapeProblem, treeCost } from "../src/TreeCost.ts"

const { values } = parseArgs({
  options: {
    depth: { type: "string", default: "14" },
    buffer: { type: "string", default: "64" },
    canopy: { type: "string", default: "0" },
    "dry-run": { type: "boolean", default: false }
  }
})

const shape = {
  maxDepth: Number(values.depth),
  maxBufferSize: Number(values.buffer),
  canopyDepth: Number(values.canopy)
}
const problem = shapeProblem(shape)
if (problem !== undefined) {
  console.error(`tree:create: ${problem}`)
  process.exit(2)
}

const sol = (lamports: number) => `${(lamports / 1e9).toFixed(9).replace(/\.?0+$/, "")} SOL`
const cost = treeCost(shape)
console.log(
  `tree ${shape.maxDepth}/${shape.maxBufferSize}/${shape.canopyDepth}: ${cost.capacity.toLocaleString("en")} leaves, ${cost.bytes.toLocaleString("en")} bytes, rent ${sol(cost.rentLamports)} (at the standard rate)`
)

const program = Effect.gen(function* () {
  const client = yield* SolanaClient
  const chain = yield* ChainGateway
  const rent = yield* client.rpc.call<number>("getMinimumBalanceForRentExemption", [cost.bytes])
  const info = yield* chain.info
  console.log(`cluster: ${info.kind} at ${info.rpcUrl}; rent there ${sol(rent)}`)
  console.log(`fee payer ${info.feePayer}: ${sol(info.feePayerLamports)}`)
  if (values["dry-run"]) return { dryRun: true, ...shape, bytes: cost.bytes, rentLamports: rent }
  if (info.feePayerLamports < rent) {
    return yield* Effect.fail(
      new Error(`the fee payer holds ${sol(info.feePayerLamports)}; the tree needs ${sol(rent)} and fees`)
    )
  }
  const tree = yield* chain.createTree(shape)
  console.log(`created tree ${tree.address} in ${tree.signature}`)
  return { ...tree, bytes: cost.bytes }
}).pipe(Effect.provide(BubblegumGateway.layerConfig))

Effect.runPromise(program).then(
  (result) => console.log(JSON.stringify(result)),
  (error: unknown) => {
    console.error(`tree:create: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
)
