/**
 * One reconciliation pass:
 *
 * 1. Sync: every managed tree's replica is brought up to the chain (ReplicaSync): each new
 *    transaction read once, its change logs applied. Trees an operator declared lost after a
 *    reset (`pnpm tree lost`) are no longer managed: never synced, never proved.
 * 2. Prove: one batched read of the cluster's genesis hash and every tree account. The cluster
 *    must be the one the trees were made on and every tree must exist (else `chain_reset`), and
 *    each replica's root must be the root the tree held at the replica's sequence number (else
 *    `replica_incomplete`). Only a pass that proved everything judges, and repairs.
 * 3. Judge, as a join over everything: every mint against the leaves that belong to it (minted
 *    by a signature it ever issued, carrying its asset id, or naming its ticket), and every leaf
 *    against the mints, so a leaf no mint accounts for is `chain_orphaned` in every pass, not
 *    only the one that first read it. Signature statuses are read only where the replica cannot
 *    answer: in-flight mints, and mints with no leaf.
 * 4. Repair what the chain proves, at most `repairLimit` mints marked missing per pass unless an
 *    operator accepted more; never a mint, never a ticket with two leaves.
 * 5. Findings stay open across passes until a complete pass no longer reports them.
 *
 * Its RPC cost is the tree transactions new since the last pass plus one call, not the mints.
 */
import { Cause, DateTime, Effect, Fiber, Option, Queue } from "effect"
import * as Ids from "../Ids.ts"
import { type Mint, type MintStatus, mintStatuses } from "../Mint.ts"
import * as MintMetrics from "../MintMetrics.ts"
import type { Page } from "../Page.ts"
import { ChainGateway } from "../ports/ChainGateway.ts"
import { CollectionRepository } from "../ports/CollectionRepository.ts"
import { FindingRepository } from "../ports/FindingRepository.ts"
import { MintRepository } from "../ports/MintRepository.ts"
import { ReplicaRepository } from "../ports/ReplicaRepository.ts"
import { ReportRepository } from "../ports/ReportRepository.ts"
import { TreeRegistry } from "../ports/TreeRegistry.ts"
import {
  chainReset,
  count,
  doubleMint,
  type Finding,
  isNotable,
  judge,
  orphanedLeaf,
  ReconciliationReport,
  type RepairAction,
  type ReportCounts,
  replicaIncomplete,
  type SignatureObservation
} from "../Reconciliation.ts"
import { mintedAssetOf, type ReplicaLeaf } from "../ReplicaLeaf.ts"
import type { RepositoryError } from "../RepositoryError.ts"
import * as TicketMetadata from "../TicketMetadata.ts"
import { isManaged, type Tree } from "../Tree.ts"
import * as Lifecycle from "./MintLifecycle.ts"
import { feeding } from "./PageQueue.ts"
import { syncTree } from "./ReplicaSync.ts"

export interface ReconcileOptions {
  /** Mints and leaves read from the database per batch (and transactions per scan page). */
  readonly batchSize?: number
  /** Apply the repairs the chain proves (default true); false only reports. */
  readonly repair?: boolean
  /**
   * Most mints one pass may mark missing; default 1% of the mints examined, at least 10. A pass
   * over the limit applies none of those repairs and raises an alert.
   */
  readonly repairLimit?: number
  /** An operator looked: apply mark_missing repairs over the limit. */
  readonly acceptMassRepair?: boolean
}

const leafKey = (leaf: ReplicaLeaf) => `${leaf.tree}:${leaf.leafIndex}`

/** Every signature of the mint: its attempts, and whatever its row names. */
const signaturesOfMint = (mint: Mint, attempts: ReadonlyArray<string> | undefined) => {
  const all = new Set(attempts ?? [])
  if (mint.transaction !== null) all.add(mint.transaction.signature)
  if (mint.asset !== null) all.add(mint.asset.signature)
  return [...all]
}

/**
 * Data hashes by the metadata they hash, per chain gateway: a daemon's later passes compute only
 * what changed (hashing is most of a pass's own time over many mints).
 */
const dataHashCache = new WeakMap<object, Map<string, string>>()

export const reconcilePass = Effect.fn("ReconcilePass")(function* (options: ReconcileOptions = {}) {
  const batchSize = options.batchSize ?? 1_000
  const repair = options.repair ?? true
  const chain = yield* ChainGateway
  const mints = yield* MintRepository
  const registry = yield* TreeRegistry
  const replica = yield* ReplicaRepository
  const reports = yield* ReportRepository
  const findingsStore = yield* FindingRepository
  const collections = yield* CollectionRepository
  const startedAt = yield* DateTime.now
  let dataHashes = dataHashCache.get(chain)
  if (dataHashes === undefined) {
    dataHashes = new Map()
    dataHashCache.set(chain, dataHashes)
  }
  const rpcBefore = yield* chain.rpcCalls
  const findings: Array<Finding> = []
  const alerts: Array<string> = []
  let examined = 0
  // Mints that agree and need nothing are only counted: keeping ten thousand findings nobody reads
  // until the pass ends kept them alive through every garbage collection of the pass.
  let agreeing = 0

  // 1. Sync every tree's replica. A lost tree is not the chain's any more (an operator
  // confirmed it): it is neither synced nor proved, and its mints are judged without it.
  const registered = yield* registry.list
  const trees = registered.filter(isManaged)
  const lostTrees = new Set(registered.filter((t) => !isManaged(t)).map((t) => t.address))
  const listed = new Map<string, SignatureObservation>()
  const unproved = new Set<string>()
  for (const tree of trees) {
    const synced = yield* syncTree(tree, batchSize, listed)
    if (synced.problem !== null) {
      findings.push(synced.problem)
      unproved.add(tree.address)
    }
  }

  // 2. Prove: the cluster, the trees, the roots.
  const observation = yield* chain.observeTrees(trees.map((t) => t.address))
  const recorded =
    trees.length === 0 ? observation.genesisHash : yield* registry.recordGenesis(observation.genesisHash)
  let clusterChanged = false
  if (recorded !== observation.genesisHash) {
    clusterChanged = true
    findings.push(
      chainReset(
        `the cluster's genesis hash is ${observation.genesisHash}, but the trees were made on ${recorded}: a different or reset cluster behind the RPC URL`
      )
    )
  }
  yield* Effect.forEach(
    trees,
    Effect.fnUntraced(function* (tree: Tree, i: number) {
      const account = observation.trees[i]!
      if (account._tag === "Missing") {
        clusterChanged = true
        findings.push(chainReset(`managed tree ${tree.address} does not exist on the cluster`, tree.address))
        return
      }
      if (account._tag === "Foreign") {
        clusterChanged = true
        findings.push(
          chainReset(
            `managed tree ${tree.address} is not this service's tree: ${account.reason}`,
            tree.address
          )
        )
        return
      }
      if (unproved.has(tree.address)) return
      const state = yield* replica.state(tree.address)
      if (state.seq === null) {
        unproved.add(tree.address)
        findings.push(
          replicaIncomplete(
            tree.address,
            `tree ${tree.address}: no change of it was read yet (the chain is at ${account.seq})`
          )
        )
        return
      }
      if (account.seq < state.seq) {
        unproved.add(tree.address)
        findings.push(
          replicaIncomplete(
            tree.address,
            `tree ${tree.address}: the chain's tree is at change ${account.seq}, behind the replica's ${state.seq}`
          )
        )
        return
      }
      const root = account.roots.get(state.seq)
      if (root === undefined) {
        unproved.add(tree.address)
        findings.push(
          replicaIncomplete(
            tree.address,
            `tree ${tree.address}: the replica is at change ${state.seq}, older than the tree's change-log buffer (${account.seq - account.maxBufferSize + 1} to ${account.seq}); the next pass reads on`
          )
        )
        return
      }
      if (root !== state.root) {
        unproved.add(tree.address)
        findings.push(
          replicaIncomplete(
            tree.address,
            `tree ${tree.address}: at change ${state.seq} the chain's root is ${root}, the replica's ${state.root}; the replica is rebuilt from the tree's start`
          )
        )
        yield* replica.reset(tree.address)
      }
    }),
    { discard: true }
  )
  const proved = !clusterChanged && unproved.size === 0
  if (clusterChanged)
    alerts.push(
      "chain_reset: the cluster or a managed tree changed; nothing was judged or repaired. Check SOLANA_RPC_URL; if the chain was reset, an operator recovers with `pnpm tree lost` (a dry run; then --apply)"
    )
  else if (!proved)
    alerts.push(`replica_incomplete: ${unproved.size} tree(s) not proved; nothing was judged or repaired`)

  // 3. Judge, both directions, over everything (only on a proved replica).
  const claimed = new Set<string>()
  const repairs: Array<{
    readonly mint: Mint
    readonly finding: Finding
    readonly leaf: ReplicaLeaf | null
  }> = []
  const collectionMints = new Map<string, string | null>()
  const collectionMintOf = Effect.fnUntraced(function* (id: string) {
    if (!collectionMints.has(id)) {
      collectionMints.set(
        id,
        Option.match(yield* collections.get(id), { onNone: () => null, onSome: (c) => c.collectionMint })
      )
    }
    return collectionMints.get(id) ?? null
  })
  /**
   * The data hash of the mint's metadata when an earlier mint or pass already computed it, without
   * an effect: most of a pass, where running one per mint was a visible share of its time.
   */
  const knownDataHash = (mint: Mint): string | undefined => {
    const id = mint.request.collectionId
    if (id !== undefined && !collectionMints.has(id)) return undefined
    const collection = id === undefined ? null : (collectionMints.get(id) ?? null)
    return dataHashes!.get(
      JSON.stringify(TicketMetadata.onChainMetadata(mint.request, mint.metadataUri, collection))
    )
  }
  /**
   * What the database says was minted: the data hash of the metadata its request makes, at its
   * URI; or, for metadata intake would have refused (a row edited by hand), why no hash exists.
   */
  const expectedDataHash = Effect.fnUntraced(function* (mint: Mint) {
    const collection =
      mint.request.collectionId === undefined ? null : yield* collectionMintOf(mint.request.collectionId)
    const metadata = TicketMetadata.onChainMetadata(mint.request, mint.metadataUri, collection)
    const key = JSON.stringify(metadata)
    const known = dataHashes!.get(key)
    if (known !== undefined) return known
    // Hashing it would stop the pass at the serializer, for every mint, every pass.
    const violations = TicketMetadata.validate(metadata)
    if (violations.length > 0) return { invalid: violations.map((v) => v.message).join("; ") }
    const hash = yield* chain.hashMetadata(metadata)
    if (dataHashes!.size > 500_000) dataHashes!.clear()
    dataHashes!.set(key, hash)
    return hash
  })

  /** What the judgement of a page needs from the database: every signature, every related leaf. */
  const gather = Effect.fnUntraced(function* (page: ReadonlyArray<Mint>) {
    if (page.length === 0) return { signatures: new Map<string, Array<string>>(), related: [] }
    const attempts = yield* mints.signaturesOf(page.map((m) => m.id))
    const signatures = new Map(page.map((m) => [m.id, signaturesOfMint(m, attempts.get(m.id))]))
    const related = yield* replica.find({
      signatures: [...signatures.values()].flat(),
      assetIds: page.flatMap((m) => (m.asset === null ? [] : [m.asset.assetId])),
      ticketIds: page.map((m) => m.ticketId)
    })
    return { signatures, related }
  })

  const judgePage = Effect.fnUntraced(function* (
    page: ReadonlyArray<Mint>,
    { signatures, related }: Effect.Success<ReturnType<typeof gather>>
  ) {
    if (page.length === 0) return
    const bySignature = new Map<string, Array<ReplicaLeaf>>()
    const byAsset = new Map<string, Array<ReplicaLeaf>>()
    const byTicket = new Map<string, Array<ReplicaLeaf>>()
    const push = (map: Map<string, Array<ReplicaLeaf>>, key: string | null, leaf: ReplicaLeaf) => {
      if (key === null) return
      const list = map.get(key) ?? []
      list.push(leaf)
      map.set(key, list)
    }
    for (const leaf of related) {
      push(bySignature, leaf.mintedSignature, leaf)
      push(byAsset, leaf.assetId, leaf)
      push(byTicket, leaf.ticketId, leaf)
    }
    const leavesOf = (mint: Mint) => {
      const found = new Map<string, ReplicaLeaf>()
      for (const s of signatures.get(mint.id)!)
        for (const l of bySignature.get(s) ?? []) found.set(leafKey(l), l)
      if (mint.asset !== null) for (const l of byAsset.get(mint.asset.assetId) ?? []) found.set(leafKey(l), l)
      for (const l of byTicket.get(mint.ticketId) ?? []) found.set(leafKey(l), l)
      return [...found.values()]
    }

    // Statuses only where the replica cannot answer: the live signature of an in-flight mint,
    // and every signature of a mint the replica holds no leaf for (so as to tell "failed on
    // chain" from "never landed").
    const leaves = new Map(page.map((m) => [m.id, leavesOf(m)]))
    const wanted = new Set<string>()
    for (const mint of page) {
      if (mint.status === "minting" && mint.transaction !== null) wanted.add(mint.transaction.signature)
      if (
        leaves.get(mint.id)!.length === 0 &&
        (mint.status === "completed" || mint.status === "failed" || mint.status === "imported")
      ) {
        for (const s of signatures.get(mint.id)!) wanted.add(s)
      }
    }
    const unlisted = [...wanted].filter((s) => !listed.has(s))
    const read = unlisted.length === 0 ? [] : yield* chain.statuses(unlisted)
    const statuses = new Map<string, SignatureObservation>(read.map((o, i) => [unlisted[i]!, o]))
    const observed = (s: string) => listed.get(s) ?? statuses.get(s)

    for (const mint of page) {
      examined++
      const own = leaves.get(mint.id)!
      for (const leaf of own) claimed.add(leafKey(leaf))
      // An imported request is what the old tables kept, not what was minted: no hash to expect.
      const expected =
        mint.status === "imported" ? null : (knownDataHash(mint) ?? (yield* expectedDataHash(mint)))
      const finding = judge(
        {
          mint,
          expectedDataHash: typeof expected === "string" ? expected : null,
          invalidMetadata: expected !== null && typeof expected === "object" ? expected.invalid : null,
          signatures: signatures.get(mint.id)!
        },
        {
          leaves: own,
          signatures: signatures
            .get(mint.id)!
            .flatMap((s) =>
              wanted.has(s) ? [observed(s) ?? { signature: s, state: "absent" as const }] : []
            ),
          blockHeight: observation.blockHeight,
          lostTrees
        }
      )
      if (isNotable(finding)) findings.push(finding)
      else agreeing++
      if (repairing.has(finding.action))
        repairs.push({ mint, finding, leaf: own.length === 1 ? own[0]! : null })
    }
  })

  if (proved) {
    yield* eachPage(mintStatuses, batchSize, gather, judgePage)

    // Leaves no mint accounts for; and tickets whose leaves no mint claimed, named twice. Every
    // claimed leaf is one the replica holds, so when the counts agree none is left over and the
    // leaves need not be read a second time (the usual pass, and most of an incremental one).
    const unclaimedByTicket = new Map<string, Array<ReplicaLeaf>>()
    const held = yield* replica.countLeaves()
    let cursor: string | null = null
    if (held === claimed.size) examined += held
    while (held !== claimed.size) {
      const page: Page<ReplicaLeaf> = yield* replica.scan(cursor, batchSize)
      for (const leaf of page.items) {
        examined++
        if (claimed.has(leafKey(leaf))) continue
        if (leaf.ticketId === null) {
          findings.push(orphanedLeaf(leaf))
          continue
        }
        const list = unclaimedByTicket.get(leaf.ticketId) ?? []
        list.push(leaf)
        unclaimedByTicket.set(leaf.ticketId, list)
      }
      cursor = page.nextCursor
      if (cursor === null) break
    }
    for (const [ticketId, leaves] of unclaimedByTicket) {
      if (leaves.length > 1) findings.push(doubleMint(ticketId, leaves))
      for (const leaf of leaves) findings.push(orphanedLeaf(leaf))
    }
  }

  // 4. Repairs.
  const missing = repairs.filter((r) => r.finding.action === "mark_missing")
  const limit = options.repairLimit ?? Math.max(10, Math.floor(examined / 100))
  const holdMissing = missing.length > limit && options.acceptMassRepair !== true
  if (holdMissing) {
    alerts.push(
      `mass repair withheld: ${missing.length} mints would be marked missing, over the limit of ${limit}; an operator who has looked runs \`pnpm reconcile --once --accept-mass-repair\``
    )
  }
  if (repair && proved) {
    for (const r of repairs) {
      if (holdMissing && r.finding.action === "mark_missing") continue
      yield* applyRepair(r.mint, r.finding, r.leaf)
    }
  }

  const report = new ReconciliationReport({
    id: yield* Ids.uuid,
    startedAt,
    finishedAt: yield* DateTime.now,
    counts: withAgreeing(count(findings), agreeing),
    findings: findings.filter(isNotable),
    rpcCalls: (yield* chain.rpcCalls) - rpcBefore,
    examined,
    alerts
  })
  yield* reports.save(report)
  yield* findingsStore.record({
    reportId: report.id,
    at: report.finishedAt,
    findings: findings.filter((f) => f.reasonCode !== "success"),
    complete: proved
  })
  yield* MintMetrics.recordFindings(report.counts.byReason)
  yield* MintMetrics.recordOpenFindings(yield* findingsStore.openCounts)
  for (const alert of alerts) yield* Effect.logError("reconciliation alert", { alert })
  yield* MintMetrics.recordReconcileAlerts(alerts.length)
  yield* Effect.logInfo("reconciliation pass done", { ...report.counts.byReason, rpcCalls: report.rpcCalls })
  return report
})

/** The counts with the plain successes the pass only counted. */
const withAgreeing = (counts: ReportCounts, agreeing: number): ReportCounts => ({
  ...counts,
  success: counts.success + agreeing,
  byReason: { ...counts.byReason, success: counts.byReason.success + agreeing }
})

/** The actions that write; `none` and `flag` leave the mint as it is. */
const repairing: ReadonlySet<RepairAction> = new Set(["mark_completed", "mark_missing", "requeue"])

/**
 * Every page of the mints in these statuses with what `gather` reads for it. The pages are read
 * one after another (each starts where the last ended), and each page's `gather` starts as soon
 * as the page is read, up to `ahead` pages before `f` reaches them: the database answers
 * several pages' lookups at once while `f` judges the earliest.
 */
const eachPage = <G, E, R>(
  statuses: ReadonlyArray<MintStatus>,
  batchSize: number,
  gather: (page: ReadonlyArray<Mint>) => Effect.Effect<G, RepositoryError, R>,
  f: (page: ReadonlyArray<Mint>, gathered: G) => Effect.Effect<void, E, R>,
  ahead = 3
) =>
  Effect.gen(function* () {
    const mints = yield* MintRepository
    type Ready = { readonly page: Page<Mint>; readonly gathered: Fiber.Fiber<G, RepositoryError> }
    const pages = yield* Queue.bounded<Ready, RepositoryError | Cause.Done>(Math.max(1, ahead - 1))
    const producer = yield* Effect.forkChild(
      Effect.gen(function* () {
        let cursor: string | null = null
        while (true) {
          const page: Page<Mint> = yield* mints.scan(statuses, cursor, batchSize)
          yield* Queue.offer(pages, { page, gathered: yield* Effect.forkChild(gather(page.items)) })
          // The gathers are this fiber's children: it waits, to be interrupted once they are joined.
          if (page.nextCursor === null) return yield* Effect.never
          cursor = page.nextCursor
        }
      }).pipe(feeding(pages))
    )
    while (true) {
      const { page, gathered } = yield* Queue.take(pages).pipe(
        Effect.catchIf(Cause.isDone, () => Effect.die(new Error("the mint pages ended early")))
      )
      yield* f(page.items, yield* Fiber.join(gathered))
      if (page.nextCursor === null) return yield* Fiber.interrupt(producer)
    }
  })

/**
 * Repairs the chain proves. A repair that loses a race (the worker moved the mint meanwhile)
 * is skipped: the mint is no longer what was judged.
 */
const applyRepair = (mint: Mint, finding: Finding, leaf: ReplicaLeaf | null) =>
  Effect.gen(function* () {
    const now = yield* DateTime.now
    // A live lease means a worker is on the mint and will settle it itself: a repair now would
    // only bump the version under it, and the worker would abandon its mint to the lease.
    const leased = mint.lease !== null && DateTime.isGreaterThan(mint.lease.expiresAt, now)
    switch (finding.action) {
      case "mark_completed": {
        const asset = leaf === null ? null : mintedAssetOf(leaf)
        if (asset !== null && !leased) yield* Lifecycle.complete(mint, asset)
        return
      }
      case "mark_missing":
        yield* Lifecycle.markMissing(mint, finding.details)
        return
      case "requeue": {
        if (!leased) yield* Lifecycle.expire(mint, finding.signature!, now)
        return
      }
      default:
        return
    }
  }).pipe(
    Effect.catchReason("RepositoryError", "StaleVersion", () =>
      Effect.logInfo("repair skipped: the mint changed meanwhile", { mintId: mint.id })
    )
  )
