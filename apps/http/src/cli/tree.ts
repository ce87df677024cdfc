/**
 * The service's Bubblegum trees, for operators:
 *
 *   pnpm tree:create [--depth 14] [--buffer 64] [--canopy 0] [--standby] [--dry-run]
 *   pnpm tree list
 *   pnpm tree retire <address>
 *   pnpm tree rescan <address>
 *   pnpm tree lost [<address> ...] [--apply] [--by <name>]
 *   pnpm tree:create --help      (the cost table of tree sizes)
 *
 * `create` pays for the tree with the fee payer of SOLANA_KEYPAIR on SOLANA_RPC_URL and registers
 * it in the service's database (DATABASE_URL), active unless --standby: the worker mints into it
 * from its next mint on, and creates no tree of its own while it has room. `retire` stops mints
 * into a tree for good (the reconciler still watches it); `rescan` makes the reconciler rebuild
 * its replica of the tree from the chain at its next pass; `lost` is the way out of a chain
 * reset (see declareTreesLost): a dry run unless --apply.
 */

import { userInfo } from "node:os"
import { parseArgs } from "node:util"
import {
  ChainGateway,
  type ChainReset,
  declareTreesLost,
  LeaderLock,
  ReplicaRepository,
  Tree,
  TreeRegistry,
  fill as treeFill
} from "@tickettoken/minting-core"
import { costTable, shapeProblem, treeCost } from "@tickettoken/minting-solana"
import { DateTime, Effect, Option } from "effect"
import { run, say, UsageError } from "./Operator.ts"

const usage = `usage:
  pnpm tree:create [--depth 14] [--buffer 64] [--canopy 0] [--standby] [--dry-run]
  pnpm tree list
  pnpm tree retire <address>
  pnpm tree rescan <address>
  pnpm tree lost [<address> ...] [--apply] [--by <name>]

Environment: DATABASE_URL (the service's database; or DB=embedded for the embedded PGlite folder
under DATA_DIR, with the service stopped), SOLANA_RPC_URL (create and lost) and SOLANA_KEYPAIR
(create only).`

const help = `${usage}

Tree sizes and what they cost (rent at the standard rate, paid once by the fee payer when the
tree is created; every mint also pays its transaction fee):

${costTable()}

depth: the tree holds 2^depth mints. buffer: how many changes to the tree may land in one slot
(concurrent mints) before a proof goes stale. canopy: the top levels kept on chain, so a transfer
or burn of a ticket sends depth - canopy proof nodes (more than ~17 do not fit a transaction).
The service rotates to a new tree at 95% full.`

const sol = (lamports: number) => `${(lamports / 1e9).toFixed(9).replace(/\.?0+$/, "")} SOL`

/** The genesis of the cluster the service's trees live on must be this cluster's. */
const sameCluster = Effect.gen(function* () {
  const chain = yield* ChainGateway
  const registry = yield* TreeRegistry
  const info = yield* chain.info
  const recorded = yield* registry.recordGenesis(info.genesisHash)
  if (recorded !== info.genesisHash) {
    return yield* Effect.fail(
      new UsageError(
        `the service's trees live on the cluster with genesis ${recorded}, but SOLANA_RPC_URL is ${info.rpcUrl} with genesis ${info.genesisHash}: a tree made here would be on another chain`
      )
    )
  }
  return info
})

const create = (values: {
  readonly depth: string
  readonly buffer: string
  readonly canopy: string
  readonly standby: boolean
  readonly dryRun: boolean
}) => {
  const shape = {
    maxDepth: Number(values.depth),
    maxBufferSize: Number(values.buffer),
    canopyDepth: Number(values.canopy)
  }
  const problem = shapeProblem(shape)
  if (problem !== undefined) return Effect.fail(new UsageError(problem))
  const cost = treeCost(shape)
  return Effect.gen(function* () {
    const chain = yield* ChainGateway
    const registry = yield* TreeRegistry
    yield* say(
      `tree ${shape.maxDepth}/${shape.maxBufferSize}/${shape.canopyDepth}: ${cost.capacity.toLocaleString("en")} mints, ${cost.bytes.toLocaleString("en")} bytes, rent ${sol(cost.rentLamports)} (at the standard rate)`
    )
    // A dry run writes nothing, not even the cluster's genesis on a database that has none yet.
    const info = values.dryRun ? yield* chain.info : yield* sameCluster
    yield* say(
      `cluster: ${info.kind} at ${info.rpcUrl}; fee payer ${info.feePayer}: ${sol(info.feePayerLamports)}`
    )
    if (values.dryRun) {
      yield* say(
        JSON.stringify({ dryRun: true, ...shape, bytes: cost.bytes, rentLamports: cost.rentLamports })
      )
      return
    }
    if (info.feePayerLamports < cost.rentLamports) {
      return yield* Effect.fail(
        new Error(
          `the fee payer holds ${sol(info.feePayerLamports)}; the tree needs ${sol(cost.rentLamports)} and fees (pnpm keypair:fund)`
        )
      )
    }
    const created = yield* chain.createTree(shape)
    yield* registry.register(
      new Tree({
        address: created.address,
        maxDepth: created.maxDepth,
        maxBufferSize: created.maxBufferSize,
        canopyDepth: created.canopyDepth,
        capacity: cost.capacity,
        minted: 0,
        status: values.standby ? "standby" : "active",
        createdAt: yield* DateTime.now
      })
    )
    yield* say(
      `created tree ${created.address} in ${created.signature}; registered ${values.standby ? "as standby" : "as the active tree: the service mints into it from now on"}`
    )
    yield* say(
      JSON.stringify({ ...created, bytes: cost.bytes, status: values.standby ? "standby" : "active" })
    )
  })
}

const list = Effect.gen(function* () {
  const registry = yield* TreeRegistry
  const replicas = yield* ReplicaRepository
  const trees = yield* registry.list
  if (trees.length === 0) {
    yield* say("no trees: the service creates one at its first mint, or run pnpm tree:create")
    return
  }
  yield* say(
    "address                                       status   depth/buffer/canopy  minted/capacity      fill  replica seq"
  )
  for (const tree of trees) {
    const replica = yield* replicas.state(tree.address)
    yield* say(
      [
        tree.address.padEnd(45),
        tree.status.padEnd(8),
        `${tree.maxDepth}/${tree.maxBufferSize}/${tree.canopyDepth}`.padEnd(20),
        `${tree.minted}/${tree.capacity}`.padEnd(20),
        `${(treeFill(tree) * 100).toFixed(1)}%`.padStart(6),
        ` ${replica.seq ?? "-"}`
      ].join(" ")
    )
  }
})

const found = (address: string) =>
  Effect.gen(function* () {
    const registry = yield* TreeRegistry
    const tree = yield* registry.get(address)
    if (Option.isNone(tree))
      return yield* Effect.fail(
        new UsageError(`no tree ${address} in the service's database (pnpm tree list)`)
      )
    return tree.value
  })

const retire = (address: string) =>
  Effect.gen(function* () {
    const registry = yield* TreeRegistry
    const tree = yield* found(address)
    if (tree.status === "full") {
      yield* say(`tree ${address} is already retired`)
      return
    }
    if (tree.status === "lost") {
      yield* say(`tree ${address} is lost (the chain no longer holds it): nothing goes into it already`)
      return
    }
    yield* registry.markFull(address)
    yield* say(`tree ${address} retired: no more mints go into it; the reconciler still watches it`)
    if (tree.status !== "active") return
    // The active one retired: a standby tree takes over rather than a new one paid for.
    const standby = (yield* registry.list).filter((t) => t.status === "standby").at(-1)
    if (standby !== undefined) {
      yield* registry.activate(standby.address)
      yield* say(`tree ${standby.address} (standby) is now the active tree`)
    } else {
      yield* say(
        "no standby tree: the service creates a new one at its next mint (or run pnpm tree:create now)"
      )
    }
  })

/** The daemon's lock (RECONCILE_LOCK_NAME): the reset never lands in the middle of a pass. */
const reconcilerLock = process.env.RECONCILE_LOCK_NAME ?? "reconciler"

const rescan = (address: string) =>
  Effect.gen(function* () {
    yield* found(address)
    const replicas = yield* ReplicaRepository
    const lock = yield* LeaderLock
    for (let attempt = 0; attempt < 30; attempt++) {
      const done = yield* lock.withLock(reconcilerLock, replicas.reset(address))
      if (Option.isSome(done)) {
        yield* say(
          `the replica of tree ${address} is forgotten: the reconciler's next pass reads the tree again from its first transaction (pnpm reconcile once to run it now)`
        )
        return
      }
      yield* Effect.sleep("1 second")
    }
    return yield* Effect.fail(new Error("a reconciliation pass held its lock for 30 s; try again"))
  })

/** Who the resolved findings name: --by, else the operating system's user. */
const operatorName = (by: string | undefined) => {
  if (by !== undefined) return by
  try {
    return userInfo().username
  } catch {
    return "cli"
  }
}

const describePlan = (plan: ChainReset.RecoveryPlan, applied: boolean) =>
  Effect.gen(function* () {
    const verb = applied ? "declared lost" : "would declare lost"
    yield* say(
      `cluster genesis ${plan.clusterGenesis}; on record ${plan.recordedGenesis ?? "none"}${plan.recordedGenesis === plan.clusterGenesis ? " (the same cluster)" : ""}`
    )
    for (const tree of plan.lose) yield* say(`${verb}: ${tree.address} (was ${tree.previous}): ${tree.why}`)
    for (const address of plan.alreadyLost) yield* say(`already lost: ${address}`)
    if (plan.lose.length === 0) yield* say("no tree to declare lost: the chain holds every managed tree")
    if (plan.genesis !== null) {
      yield* say(
        `${applied ? "genesis on record moved" : "would move the genesis on record"} from ${plan.genesis.from} to ${plan.genesis.to} (the old one kept in chain_identity_history)`
      )
    } else if (plan.genesisKept !== null) {
      yield* say(`genesis on record kept: ${plan.genesisKept}`)
    }
  })

const lost = (addresses: ReadonlyArray<string>, apply: boolean, by: string) =>
  Effect.gen(function* () {
    const result = yield* declareTreesLost({ addresses, apply, by, reconcilerLock }).pipe(
      Effect.catchTag("RecoveryRefused", (refused) => Effect.fail(new UsageError(refused.message)))
    )
    yield* describePlan(result.plan, result.applied)
    if (!result.applied) {
      yield* say(
        result.plan.lose.length > 0 || result.plan.genesis !== null
          ? "dry run: nothing changed; run again with --apply to do it"
          : "dry run: nothing changed"
      )
    } else {
      yield* say(
        `resolved ${result.resolved.length} open chain_reset finding(s) as operator:${by}; the next pass (pnpm reconcile --once) judges again: mints whose leaves were in a lost tree are reported mint_missing, then retry them (POST /v1/mints/<ticketId>/retry)`
      )
    }
    yield* say(
      JSON.stringify({
        applied: result.applied,
        lost: result.plan.lose.map((t) => t.address),
        alreadyLost: result.plan.alreadyLost,
        genesis: result.plan.genesis,
        resolved: result.resolved
      })
    )
  })

const main = () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      depth: { type: "string", default: "14" },
      buffer: { type: "string", default: "64" },
      canopy: { type: "string", default: "0" },
      standby: { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      apply: { type: "boolean", default: false },
      by: { type: "string" },
      help: { type: "boolean", short: "h", default: false }
    }
  })
  const [command, address, ...rest] = positionals
  if (values.help) {
    process.stdout.write(`${help}\n`)
    process.exit(0)
  }
  if (command === "lost") {
    return run("tree lost", lost(positionals.slice(1), values.apply, operatorName(values.by)), {
      chain: "read"
    })
  }
  if (values.apply || values.by !== undefined) {
    process.stderr.write(`--apply and --by apply to tree lost\n${usage}\n`)
    process.exit(2)
  }
  const needsAddress = command === "retire" || command === "rescan"
  if (
    rest.length > 0 ||
    (needsAddress && address === undefined) ||
    (!needsAddress && address !== undefined)
  ) {
    process.stderr.write(`${usage}\n`)
    process.exit(2)
  }
  switch (command) {
    case "create":
      return run(
        "tree:create",
        create({
          depth: values.depth,
          buffer: values.buffer,
          canopy: values.canopy,
          standby: values.standby,
          dryRun: values["dry-run"]
        }),
        { chain: true }
      )
    case "list":
      return run("tree list", list, { chain: false })
    case "retire":
      return run("tree retire", retire(address!), { chain: false })
    case "rescan":
      return run("tree rescan", rescan(address!), { chain: false })
    default:
      process.stderr.write(`${usage}\n`)
      process.exit(2)
  }
}

void main()
