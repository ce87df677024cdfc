import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import {
  Mint,
  MintedAsset,
  MintingSettings,
  MintRepository,
  MintRequest,
  MintWorker,
  ReportRepository,
  reconcilePass,
  requestMint,
  TicketMetadata,
  TicketMetadataInput,
  TreeRegistry
} from "../src/index.ts"
import * as InMemory from "../src/testing/InMemory.ts"
import * as SimulatedChain from "../src/testing/SimulatedChain.ts"
import { owner } from "./fixtures.ts"

const settings = { ...MintingSettings.defaultValue(), publicBaseUrl: "https://mint.test", workerId: "w" }
const layer = Layer.mergeAll(InMemory.layerInMemory, SimulatedChain.layer()).pipe(
  Layer.provideMerge(Layer.succeed(MintingSettings, settings))
)

const request = (ticketId: string) => new MintRequest({ ticketId, orderId: "o", eventId: "e", owner })

const reload = (mint: Mint) =>
  Effect.gen(function* () {
    const mints = yield* MintRepository
    return Option.getOrThrow(yield* mints.get(mint.id))
  })

/** Accepts and mints one ticket through the worker. */
const minted = (ticketId: string) =>
  Effect.gen(function* () {
    const { mint } = yield* requestMint(request(ticketId))
    yield* MintWorker.runRound({ batchSize: 1, concurrency: 1 })
    return yield* reload(mint)
  })

const reasons = (report: { findings: ReadonlyArray<{ reasonCode: string; ticketId: string | null }> }) =>
  Object.fromEntries(report.findings.map((f) => [f.ticketId ?? "orphan", f.reasonCode]))

describe("ReconcilePass", () => {
  it.effect("builds every reason code for real and repairs only what the chain proves", () =>
    Effect.gen(function* () {
      const mints = yield* MintRepository
      const chain = yield* SimulatedChain.SimulatedChainControl

      const good = yield* minted("good")

      // A database row whose signature never existed on chain.
      const ghost = yield* minted("ghost")
      yield* mints.save(
        tampered(ghost, { asset: new MintedAsset({ ...ghost.asset!, signature: "never-existed" }) }),
        ghost.version
      )

      // Metadata altered in the database after minting.
      const altered = yield* minted("altered")
      yield* mints.save(
        tampered(altered, {
          request: new MintRequest({
            ...altered.request,
            metadata: new TicketMetadataInput({ name: "Changed later" })
          })
        }),
        altered.version
      )

      // A transaction that landed with an error, recorded as if it completed the mint.
      const broken = yield* requestMint(request("broken"))
      yield* chain.failNextLandings(['{"InstructionError":[0,{"Custom":1}]}'])
      yield* MintWorker.runRound({ batchSize: 1, concurrency: 1 })
      const brokenNow = yield* reload(broken.mint)
      const failedSignature = (yield* mints.attempts(broken.mint.id))[0]!.signature
      yield* mints.save(
        tampered(brokenNow, {
          status: "completed",
          failure: null,
          asset: new MintedAsset({ ...good.asset!, signature: failedSignature, assetId: "x" })
        }),
        brokenNow.version
      )

      // An in-flight mint whose blockhash expired unseen, its worker gone.
      const stuck = yield* requestMint(request("stuck"))
      yield* chain.dropNextSends(1)
      const now = yield* DateTime.now
      const [claimed] = yield* mints.claim({
        owner: "gone",
        now,
        leaseExpiresAt: DateTime.add(now, { seconds: 30 }),
        limit: 1
      })
      // The send is lost and the worker dies: nothing hands the mint back.
      yield* Effect.exit(MintWorker.processMint(claimed!).pipe(Effect.provide(crashAfterSend)))
      assert.strictEqual((yield* reload(stuck.mint)).status, "minting")

      // A cNFT minted out of band into the managed tree.
      const registry = yield* TreeRegistry
      const tree = Option.getOrThrow(yield* registry.active)
      yield* chain.mintOutOfBand(
        tree.address,
        owner,
        TicketMetadata.onChainMetadata(request("x"), "https://elsewhere")
      )

      yield* TestClock.adjust("2 minutes")
      const report = yield* reconcilePass()
      const byTicket = reasons(report)
      assert.strictEqual(byTicket.ghost, "mint_missing")
      assert.strictEqual(byTicket.altered, "metadata_mismatch")
      assert.strictEqual(byTicket.broken, "transaction_failed")
      assert.strictEqual(byTicket.stuck, "db_orphaned")
      assert.strictEqual(byTicket.orphan, "chain_orphaned")
      assert.isUndefined(byTicket.good, "a plain success is only counted")
      assert.isTrue(report.counts.success >= 1)
      assert.strictEqual(report.counts.chainToDb, 1)

      // Repairs: missing marked, expired requeued; nothing minted by the reconciler.
      assert.strictEqual((yield* reload(ghost)).status, "missing_on_chain")
      assert.strictEqual((yield* reload(stuck.mint)).status, "pending")
      assert.strictEqual((yield* reload(good)).status, "completed")
      const sendsBefore = yield* chain.sends

      const reports = yield* ReportRepository
      assert.isTrue(Option.isSome(yield* reports.get(report.id)))

      // The next pass resumes the scan at the checkpoint: the orphan is not read again.
      const second = yield* reconcilePass()
      assert.isUndefined(reasons(second).orphan)
      assert.strictEqual(yield* chain.sends, sendsBefore)
    }).pipe(Effect.provide(layer))
  )

  it.effect("completes an in-flight mint whose signature landed while its worker was gone", () =>
    Effect.gen(function* () {
      const mints = yield* MintRepository
      const { mint } = yield* requestMint(request("t"))
      const now = yield* DateTime.now
      const [claimed] = yield* mints.claim({
        owner: "gone",
        now,
        leaseExpiresAt: DateTime.add(now, { seconds: 30 }),
        limit: 1
      })
      yield* Effect.exit(MintWorker.processMint(claimed!).pipe(Effect.provide(crashAfterSend)))
      yield* TestClock.adjust("31 seconds")
      const report = yield* reconcilePass()
      assert.strictEqual(report.findings[0]?.action, "mark_completed")
      const done = yield* reload(mint)
      assert.strictEqual(done.status, "completed")
    }).pipe(Effect.provide(layer))
  )

  // Issue 11, item 11: passes run while the worker waits for a landed signature completed the
  // mint under it, and the worker, finding its version stale, abandoned the mint with a WARN.
  it.effect("leaves a mint under a live lease to its worker, which then completes it itself", () =>
    Effect.gen(function* () {
      const mints = yield* MintRepository
      const { mint } = yield* requestMint(request("t"))
      const now = yield* DateTime.now
      const [claimed] = yield* mints.claim({
        owner: "busy",
        now,
        leaseExpiresAt: DateTime.add(now, { seconds: 30 }),
        limit: 1
      })
      yield* Effect.exit(MintWorker.processMint(claimed!).pipe(Effect.provide(crashAfterSend)))
      const before = yield* reload(mint)
      const report = yield* reconcilePass()
      assert.strictEqual(report.findings[0]?.action, "mark_completed")
      const after = yield* reload(mint)
      assert.strictEqual(after.status, "minting")
      assert.strictEqual(after.version, before.version)
      // The worker resumes its own mint (same owner, same lease) and completes it.
      const outcome = yield* MintWorker.processMint(after)
      assert.strictEqual(outcome, "completed")
    }).pipe(Effect.provide(layer))
  )
})

/** A mint as a tampered database would hold it. */
const tampered = (mint: Mint, changes: Partial<ConstructorParameters<typeof Mint>[0]>) =>
  new Mint({ ...mint, ...changes })

const crashAfterSend = Layer.succeed(MintWorker.WorkerHooks, {
  reached: (point) => (point === "sent" ? Effect.die("crash") : Effect.void)
})
