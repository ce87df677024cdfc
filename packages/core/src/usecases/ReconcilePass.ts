/**
 * One reconciliation pass, both directions, in batches:
 *
 * 1. chain -> DB: each known tree is scanned from its checkpoint; every leaf is matched to a
 *    mint by its signature, and a leaf no mint accounts for is `chain_orphaned`.
 * 2. DB -> chain: every completed, in-flight and missing mint's signature is checked with
 *    batched status reads, and judged by the pure rules in Reconciliation.ts.
 *
 * A completed mint's leaf is the one recorded at completion (parsed from the chain then; a
 * leaf never changes), or the one the scan just read; so no per-mint transaction fetch is
 * needed. For the same reason the scan is told which signatures completed mints already hold:
 * it lists them (with their status, which then needs no second read) without reading their
 * transactions again, so a first pass over a large tree reads only the transactions the
 * database cannot account for. Repairs are only those the chain proves, and never a mint.
 */
import { DateTime, Effect, Fiber, Option } from "effect"
import * as Ids from "../Ids.ts"
import type { Mint, MintedAsset, MintStatus } from "../Mint.ts"
import * as MintMetrics from "../MintMetrics.ts"
import type { Page } from "../Page.ts"
import { ChainGateway } from "../ports/ChainGateway.ts"
import { CollectionRepository } from "../ports/CollectionRepository.ts"
import { MintRepository } from "../ports/MintRepository.ts"
import { ReportRepository } from "../ports/ReportRepository.ts"
import { TreeRegistry } from "../ports/TreeRegistry.ts"
import {
  type ChainObservation,
  count,
  type Finding,
  isNotable,
  judge,
  orphanedLeaf,
  ReconciliationReport,
  type RepairAction,
  type SignatureObservation
} from "../Reconciliation.ts"
import type { RepositoryError } from "../RepositoryError.ts"
import * as TicketMetadata from "../TicketMetadata.ts"
import { MintingSettings } from "./MintingSettings.ts"
import * as Lifecycle from "./MintLifecycle.ts"

export interface ReconcileOptions {
  /** Mints read from the database per batch (and signatures per status round). */
  readonly batchSize?: number
  /** Apply the repairs the chain proves (default true); false only reports. */
  readonly repair?: boolean
}

const signatureOf = (mint: Mint): string | null =>
  mint.status === "minting"
    ? (mint.transaction?.signature ?? null)
    : (mint.asset?.signature ?? mint.transaction?.signature ?? null)

export const reconcilePass = Effect.fn("ReconcilePass")(function* (options: ReconcileOptions = {}) {
  const batchSize = options.batchSize ?? 1_000
  const repair = options.repair ?? true
  const chain = yield* ChainGateway
  const mints = yield* MintRepository
  const trees = yield* TreeRegistry
  const reports = yield* ReportRepository
  const collections = yield* CollectionRepository
  const settings = yield* MintingSettings
  const startedAt = yield* DateTime.now
  const rpcBefore = yield* chain.rpcCalls
  const findings: Array<Finding> = []
  let examined = 0

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
  /** What the database says was minted: the on-chain metadata its request makes, at its URI. */
  const metadataOf = Effect.fnUntraced(function* (mint: Mint) {
    const collection =
      mint.request.collectionId === undefined ? null : yield* collectionMintOf(mint.request.collectionId)
    const metadata = TicketMetadata.onChainMetadata(
      mint.request,
      TicketMetadata.uriFor(settings.publicBaseUrl, mint.ticketId),
      collection
    )
    return { ...metadata, uri: mint.metadataUri }
  })

  // 0. The signatures whose leaves the database holds: those of completed mints.
  const known = new Set<string>()
  yield* eachPage(["completed"], batchSize, (page) =>
    Effect.sync(() => {
      for (const mint of page) if (mint.asset !== null) known.add(mint.asset.signature)
    })
  )

  // 1. chain -> DB
  const scanned = new Map<string, MintedAsset>()
  /** Statuses the scan's listing showed, so the DB -> chain direction need not read them again. */
  const listed = new Map<string, SignatureObservation>()
  for (const tree of yield* trees.list) {
    let after = Option.getOrNull(yield* trees.checkpoint(tree.address))
    while (true) {
      const page = yield* chain.scanTree(tree.address, after, batchSize, known)
      const withLeaf = new Set(page.leaves.map((leaf) => leaf.signature))
      for (const observed of page.signatures ?? []) {
        listed.set(observed.signature, observed)
        // A known signature listed without its leaf stands for the leaf its mint recorded.
        if (known.has(observed.signature) && !withLeaf.has(observed.signature)) examined++
      }
      for (const leaf of page.leaves) {
        examined++
        scanned.set(leaf.signature, leaf)
        if (known.has(leaf.signature)) continue
        const owner = yield* mints.findBySignature(leaf.signature)
        if (Option.isNone(owner)) findings.push(orphanedLeaf(leaf))
      }
      // A page without leaves (failed transactions, or only known ones) still moves the scan on;
      // only a page that does not move it ends the scan early.
      const moved = page.checkpoint !== null && page.checkpoint !== after
      if (moved) {
        yield* trees.saveCheckpoint(tree.address, page.checkpoint!)
        after = page.checkpoint
      }
      if (page.done || !moved) break
    }
  }

  // 2. DB -> chain
  const judgePage = Effect.fnUntraced(function* (page: ReadonlyArray<Mint>) {
    const candidates = page.filter((m) => signatureOf(m) !== null)
    if (candidates.length === 0) return
    // The height is read before the statuses: a signature absent after its blockhash expired
    // can never land, whereas one read absent before the height was read might have landed
    // in between. Only in-flight mints are judged by it.
    const blockHeight = candidates.some((m) => m.status === "minting") ? yield* chain.blockHeight : 0
    const unlisted = candidates.map((m) => signatureOf(m)!).filter((signature) => !listed.has(signature))
    const read = unlisted.length === 0 ? [] : yield* chain.statuses(unlisted)
    const statuses = new Map(read.map((observation, i) => [unlisted[i]!, observation]))
    for (const mint of candidates) {
      examined++
      const signature = signatureOf(mint)!
      const observation = listed.get(signature) ?? statuses.get(signature)!
      let leaf: MintedAsset | null = scanned.get(signature) ?? null
      if (leaf === null && observation.state === "landed" && observation.err === null) {
        leaf =
          mint.asset?.signature === signature
            ? mint.asset
            : Option.getOrNull(yield* chain.mintedLeaf(signature))
      }
      const chainSide: ChainObservation = { signatures: [observation], leaf, blockHeight }
      const finding = judge(
        {
          mint,
          expectedDataHash: yield* chain.hashMetadata(yield* metadataOf(mint)),
          lastValidBlockHeights: new Map(
            mint.transaction ? [[mint.transaction.signature, mint.transaction.lastValidBlockHeight]] : []
          )
        },
        chainSide
      )
      findings.push(finding)
      if (repair && repairing.has(finding.action)) yield* applyRepair(mint, finding, leaf)
    }
  })
  yield* eachPage(["completed", "minting", "missing_on_chain"], batchSize, judgePage)

  const report = new ReconciliationReport({
    id: yield* Ids.uuid,
    startedAt,
    finishedAt: yield* DateTime.now,
    counts: count(findings),
    findings: findings.filter(isNotable),
    rpcCalls: (yield* chain.rpcCalls) - rpcBefore,
    examined
  })
  yield* reports.save(report)
  yield* MintMetrics.recordFindings(report.counts.byReason)
  yield* Effect.logInfo("reconciliation pass done", { ...report.counts.byReason, rpcCalls: report.rpcCalls })
  return report
})

/** The actions that write; `none` and `flag` leave the mint as it is. */
const repairing: ReadonlySet<RepairAction> = new Set(["mark_completed", "mark_missing", "requeue"])

/**
 * Every page of the mints in these statuses, the next page read while `f` works on this one, so
 * the database's time overlaps the pass's own.
 */
const eachPage = <E, R>(
  statuses: ReadonlyArray<MintStatus>,
  batchSize: number,
  f: (page: ReadonlyArray<Mint>) => Effect.Effect<void, E, R>
) =>
  Effect.gen(function* () {
    const mints = yield* MintRepository
    const read = (cursor: string | null) => mints.scan(statuses, cursor, batchSize)
    let next: Fiber.Fiber<Page<Mint>, RepositoryError> = yield* Effect.forkChild(read(null))
    while (true) {
      const page = yield* Fiber.join(next)
      if (page.nextCursor !== null) next = yield* Effect.forkChild(read(page.nextCursor))
      yield* f(page.items)
      if (page.nextCursor === null) return
    }
  })

/**
 * Repairs the chain proves. A repair that loses a race (the worker moved the mint meanwhile)
 * is skipped: the mint is no longer what was judged.
 */
const applyRepair = (mint: Mint, finding: Finding, leaf: MintedAsset | null) =>
  Effect.gen(function* () {
    const now = yield* DateTime.now
    // A live lease means a worker is on the mint and will settle it itself: a repair now would
    // only bump the version under it, and the worker would abandon its mint to the lease.
    const leased = mint.lease !== null && DateTime.isGreaterThan(mint.lease.expiresAt, now)
    switch (finding.action) {
      case "mark_completed":
        if (leaf !== null && !leased) yield* Lifecycle.complete(mint, leaf)
        return
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
