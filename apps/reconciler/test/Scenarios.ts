/**
 * The scenarios both chains go through: every reason code built for real (mints made by the
 * core's MintWorker over the real adapters, then broken the way production breaks them) and
 * the repairs checked in the database; and a checkpointed scan that resumes where it stopped.
 */
import { randomBytes } from "node:crypto"
import { assert } from "@effect/vitest"
import {
  Base58,
  ChainError,
  ChainGateway,
  type CrashPoint,
  type Finding,
  FindingRepository,
  Ids,
  Mint,
  MintedAsset,
  MintingSettings,
  type MintingSettingsShape,
  MintLifecycle,
  MintRepository,
  MintRequest,
  MintWorker,
  ReplicaRepository,
  ReportRepository,
  RpcUnavailable,
  requestMint,
  SignedTransaction,
  TicketMetadata,
  TreeRegistry
} from "@tickettoken/minting-core"
import { DateTime, Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import * as Database from "../src/Database.ts"
import { type PassOutcome, runPass } from "../src/Pass.ts"
import { ChainDriver, keypair } from "./Chains.ts"
import { type TestDatabase, truncateAll } from "./TestDatabase.ts"

const LEASE_MS = 800

export const settings = (tree: MintingSettingsShape["tree"]): MintingSettingsShape => ({
  ...MintingSettings.defaultValue(),
  publicBaseUrl: "https://mint.test",
  workerId: "test-worker",
  leaseMs: LEASE_MS,
  confirmPollMs: 25,
  resendIntervalMs: 300,
  tree
})

/** The repositories on a fresh, emptied database, the lock, a chain, and the worker's settings. */
export const stack = <E>(
  database: TestDatabase,
  chain: Layer.Layer<ChainDriver | ChainGateway, E>,
  tree: MintingSettingsShape["tree"]
) => {
  const db = Database.postgres({ url: database.url, maxConnections: 4 }).layer
  return Layer.mergeAll(Layer.effectDiscard(truncateAll).pipe(Layer.provideMerge(db)), chain).pipe(
    Layer.provideMerge(Layer.succeed(MintingSettings, settings(tree))),
    Layer.orDie
  )
}

const owner = keypair().address

export const request = (ticketId: string) =>
  new MintRequest({ ticketId, orderId: "order-7", eventId: "event-7", owner })

const reload = (mint: Mint) =>
  Effect.flatMap(MintRepository, (mints) => Effect.map(mints.get(mint.id), Option.getOrThrow))

/** Accepted and minted by the worker, completed. */
export const minted = (ticketId: string) =>
  Effect.gen(function* () {
    const { mint } = yield* requestMint(request(ticketId))
    const round = yield* MintWorker.runRound({ batchSize: 1, concurrency: 1 })
    assert.strictEqual(round.outcomes.completed, 1, `${ticketId} completed`)
    return yield* reload(mint)
  })

/**
 * Taken by a worker that crashes at `crashAt` (after running `before` hooks): the mint stays in
 * flight under a short lease nobody renews, its signature stored as the worker left it.
 */
const crashedWorker = (
  ticketId: string,
  crashAt: CrashPoint,
  before: Partial<Record<CrashPoint, Effect.Effect<void, never, ChainDriver>>> = {}
) =>
  Effect.gen(function* () {
    const { mint } = yield* requestMint(request(ticketId))
    const now = yield* DateTime.now
    const claimed = yield* MintLifecycle.apply(mint, {
      _tag: "Claimed",
      owner: "crashing-worker",
      leaseExpiresAt: DateTime.add(now, { milliseconds: LEASE_MS })
    })
    const context = yield* Effect.context<ChainDriver>()
    const hooks = Layer.succeed(MintWorker.WorkerHooks, {
      reached: (point: CrashPoint) =>
        Effect.andThen(
          Effect.provideContext(before[point] ?? Effect.void, context),
          point === crashAt ? Effect.die(`worker crashed at ${point}`) : Effect.void
        )
    })
    yield* Effect.exit(MintWorker.processMint(claimed).pipe(Effect.provide(hooks)))
    const left = yield* reload(mint)
    assert.strictEqual(left.status, "minting", `${ticketId} left in flight`)
    return left
  })

const activeTree = Effect.flatMap(TreeRegistry, (registry) => Effect.map(registry.active, Option.getOrThrow))

const randomSignature = () => Base58.encode(randomBytes(64))

/** A completed mint the chain never saw: its signature was never issued by anyone. */
export const ghostRow = (ticketId: string, tree: string) =>
  Effect.gen(function* () {
    const now = yield* DateTime.now
    const signature = randomSignature()
    const mint = new Mint({
      id: yield* Ids.uuid,
      ticketId,
      request: request(ticketId),
      metadataUri: TicketMetadata.uriFor("https://mint.test", ticketId),
      status: "completed",
      attempts: 0,
      maxAttempts: 3,
      nextAttemptAt: null,
      lease: null,
      transaction: new SignedTransaction({
        signature,
        lastValidBlockHeight: 1,
        wire: new Uint8Array(64),
        tree,
        dataHash: "0".repeat(44),
        signedAt: now
      }),
      asset: new MintedAsset({
        assetId: Base58.encode(randomBytes(32)),
        tree,
        leafIndex: 6,
        signature,
        slot: 1,
        owner,
        dataHash: "0".repeat(44)
      }),
      failure: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
      completedAt: now
    })
    return (yield* (yield* MintRepository).create(mint)).mint
  })

export const reconciled = (outcome: PassOutcome) => {
  assert.strictEqual(outcome._tag, "Reconciled")
  return (outcome as Extract<PassOutcome, { _tag: "Reconciled" }>).report
}

export const pass = (batchSize = 100, repair = true) =>
  Effect.map(runPass({ lockName: "reconciler", batchSize, repair, minGapMs: 0 }), reconciled)

const byTicket = (findings: ReadonlyArray<Finding>) =>
  new Map(findings.filter((f) => f.ticketId !== null).map((f) => [f.ticketId!, f]))

/** The tree holds 8 leaves (depth 3), so a mint can be made to fail on chain by filling it. */
export const smallTree = { maxDepth: 3, maxBufferSize: 8, canopyDepth: 0 } as const

export const everyReasonCode = Effect.gen(function* () {
  const driver = yield* ChainDriver

  // success: minted by the worker, untouched.
  const good = yield* minted("good")
  const tree = (yield* activeTree).address

  // metadata_mismatch: the database's metadata altered after minting, by hand, behind the
  // repository's back (the repository never rewrites a request once it is accepted).
  yield* minted("altered")
  const sql = yield* SqlClient.SqlClient
  yield* sql`UPDATE mints SET request = request || ${JSON.stringify({ metadata: { name: "Renamed after minting" } })}::jsonb
    WHERE ticket_id = 'altered'`

  // success + mark_completed: sent, landed, and its worker died before it saw the landing.
  const landed = yield* crashedWorker("landed", "sent")

  // chain_orphaned: a cNFT minted into the managed tree behind the service's back.
  yield* driver.mintOutOfBand(tree, request("intruder-0"))

  // db_orphaned -> requeue: signed and stored, the worker died before sending; never sent.
  const stuck = yield* crashedWorker("stuck", "persisted")

  // transaction_failed: between signing and sending, others filled the tree (4 leaves so far,
  // 8 places); the mint then landed with the program's error, and its worker died.
  const fill = Effect.forEach([1, 2, 3, 4], (n) => driver.mintOutOfBand(tree, request(`intruder-${n}`)), {
    discard: true
  })
  const broken = yield* crashedWorker("broken", "sent", { persisted: fill })

  // mint_missing -> missing_on_chain: a completed row whose signature never existed.
  const ghost = yield* ghostRow("ghost", tree)

  // The stuck mint's blockhash expires unseen, and every crashed worker's lease lapses.
  yield* driver.expireBlockhashes
  yield* Effect.sleep(LEASE_MS + 300)

  const sendsBefore = yield* driver.sends
  const report = yield* pass()
  const found = byTicket(report.findings)
  const reasonOf = (ticketId: string) => {
    const f = found.get(ticketId)
    return f === undefined ? undefined : `${f.reasonCode}/${f.action}`
  }
  assert.strictEqual(reasonOf("good"), undefined, "a plain success is only counted")
  assert.strictEqual(reasonOf("altered"), "metadata_mismatch/flag")
  assert.strictEqual(reasonOf("landed"), "success/mark_completed")
  assert.strictEqual(reasonOf("stuck"), "db_orphaned/requeue")
  assert.strictEqual(reasonOf("broken"), "transaction_failed/flag")
  assert.strictEqual(reasonOf("ghost"), "mint_missing/mark_missing")
  const orphans = report.findings.filter((f) => f.reasonCode === "chain_orphaned")
  assert.strictEqual(orphans.length, 5, "five leaves minted out of band")
  assert.isTrue(orphans.every((f) => f.action === "flag" && f.mintId === null && f.assetId !== null))
  assert.deepStrictEqual(report.counts.byReason, {
    success: 2,
    mint_missing: 1,
    transaction_failed: 1,
    metadata_mismatch: 1,
    chain_orphaned: 5,
    db_orphaned: 1,
    double_mint: 0,
    replica_incomplete: 0,
    chain_reset: 0,
    import_unproven: 0
  })
  assert.deepStrictEqual(report.alerts, [])
  // The altered mint's finding names both hashes.
  assert.match(found.get("altered")!.details, /data hash .* on chain, .* from the database's metadata/)

  // Repairs: only what the chain proves, and the reconciler sent nothing.
  assert.strictEqual((yield* reload(ghost)).status, "missing_on_chain")
  assert.strictEqual((yield* reload(stuck)).status, "pending")
  const completed = yield* reload(landed)
  assert.strictEqual(completed.status, "completed")
  assert.strictEqual(completed.asset?.signature, landed.transaction?.signature)
  assert.strictEqual((yield* reload(broken)).status, "minting", "flagged, not repaired")
  assert.strictEqual((yield* reload(good)).status, "completed")
  assert.strictEqual(yield* driver.sends, sendsBefore, "the reconciler never sends")
  assert.isTrue(Option.isSome(yield* (yield* ReportRepository).get(report.id)), "the report is stored")

  // The next pass: the repairs hold, nothing is repaired twice, and the orphans, judged again
  // from the replica, are still reported: the same five open findings, not new ones.
  const again = yield* pass()
  const second = byTicket(again.findings)
  assert.strictEqual(second.get("ghost")?.action, "none")
  assert.isUndefined(second.get("stuck"), "requeued: no longer in flight")
  assert.isUndefined(second.get("landed"), "completed: a plain success now")
  assert.strictEqual(again.counts.byReason.chain_orphaned, 5)
  assert.strictEqual(again.counts.byReason.db_orphaned, 0)
  const open = yield* (yield* FindingRepository).list({ state: "open", reason: "chain_orphaned", limit: 10 })
  assert.strictEqual(open.items.length, 5)
  assert.isTrue(open.items.every((f) => f.reportId === again.id))
  return { first: report, second: again, tree }
})

/** A scanTree whose `n`th call fails as an unreachable RPC would. */
export const scanFailsOnCall = (n: number) =>
  Layer.effect(
    ChainGateway,
    Effect.map(ChainGateway, (inner) => {
      let calls = 0
      return ChainGateway.of({
        ...inner,
        scanTree: (tree, after, limit) =>
          ++calls === n
            ? Effect.fail(
                new ChainError({
                  reason: new RpcUnavailable({ method: "scanTree", message: "connection reset" })
                })
              )
            : inner.scanTree(tree, after, limit)
      })
    })
  )

/** Leaves read by a pass: what it examined beyond the mints it judged. */
export const leavesRead = (examined: number, mintsJudged: number) => examined - mintsJudged

export const treeCheckpoint = (tree: string) =>
  Effect.flatMap(ReplicaRepository, (replica) =>
    Effect.map(replica.state(tree), (s) => Option.fromNullishOr(s.checkpoint))
  )

/** The tree holds 32 leaves (depth 5): room for the checkpoint scenario's mints. */
export const roomyTree = { maxDepth: 5, maxBufferSize: 8, canopyDepth: 0 } as const

const delta = (
  after: Readonly<Record<string, number>>,
  before: Readonly<Record<string, number>>,
  key: string
) => (after[key] ?? 0) - (before[key] ?? 0)

export const checkpointedScan = Effect.gen(function* () {
  const driver = yield* ChainDriver
  for (const n of [1, 2, 3, 4, 5]) yield* minted(`ticket-${n}`)
  const tree = (yield* activeTree).address

  // A pass that dies after its first page of two signatures: the checkpoint keeps that page.
  const failed = yield* Effect.exit(pass(2).pipe(Effect.provide(scanFailsOnCall(2))))
  assert.isTrue(failed._tag === "Failure", "the pass failed on its second page")
  assert.isTrue(Option.isSome(yield* treeCheckpoint(tree)), "the first page's checkpoint was saved")

  // The next pass resumes there: it reads the rest of the tree's transactions, not the page
  // already read, and the proved replica holds every completed mint's leaf: no status reads.
  const beforeResume = yield* driver.callsByMethod
  const resumed = yield* pass(2)
  const afterResume = yield* driver.callsByMethod
  assert.strictEqual(resumed.counts.success, 5)
  assert.strictEqual(leavesRead(resumed.examined, 5), 5, "every leaf is judged, every pass")
  if (driver.kind === "localnet") {
    // The creation and ticket-1 were the first page: the four other mints are read, once.
    assert.strictEqual(delta(afterResume, beforeResume, "getTransaction"), 4)
    assert.strictEqual(delta(afterResume, beforeResume, "getSignatureStatuses"), 0)
  }

  // A mint and a leaf minted behind the service's back: the next pass reads those two
  // transactions only, and proves the tree with one more call.
  yield* minted("ticket-6")
  yield* driver.mintOutOfBand(tree, request("intruder-6"))
  const beforeNext = yield* driver.callsByMethod
  const next = yield* pass(100)
  const afterNext = yield* driver.callsByMethod
  assert.strictEqual(leavesRead(next.examined, 6), 7)
  assert.strictEqual(next.counts.success, 6)
  assert.strictEqual(next.counts.byReason.chain_orphaned, 1)
  if (driver.kind === "localnet") {
    assert.strictEqual(delta(afterNext, beforeNext, "getSignaturesForAddress"), 1)
    assert.strictEqual(delta(afterNext, beforeNext, "getTransaction"), 2)
    assert.strictEqual(delta(afterNext, beforeNext, "getSignatureStatuses"), 0)
    // One page of signatures, one batch of two transactions, one batch proving the tree.
    assert.strictEqual(next.rpcCalls, 3)
  } else {
    assert.strictEqual(delta(afterNext, beforeNext, "scanTree"), 1)
  }
  return { resumed, next }
})
