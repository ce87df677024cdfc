import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import {
  FindingRepository,
  Mint,
  MintedAsset,
  MintingSettings,
  MintRepository,
  MintRequest,
  MintWorker,
  ReplicaRepository,
  ReportRepository,
  reconcilePass,
  requestMint,
  SignedTransaction,
  TicketMetadata,
  TicketMetadataInput,
  TreeRegistry
} from "../src/index.ts"
import * as InMemory from "../src/testing/InMemory.ts"
import { InMemoryStore } from "../src/testing/InMemoryStore.ts"
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
      const registry = yield* TreeRegistry
      const tree = Option.getOrThrow(yield* registry.active)

      // A completed row whose signature was never issued, for a ticket never minted.
      const ghost = yield* ghostRow("ghost", tree.address)

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
      assert.deepStrictEqual(report.alerts, [])

      // Repairs: missing marked, expired requeued; nothing minted by the reconciler.
      assert.strictEqual((yield* reload(ghost)).status, "missing_on_chain")
      assert.strictEqual((yield* reload(stuck.mint)).status, "pending")
      assert.strictEqual((yield* reload(good)).status, "completed")
      const sendsBefore = yield* chain.sends

      const reports = yield* ReportRepository
      assert.isTrue(Option.isSome(yield* reports.get(report.id)))

      // The next pass judges everything again from the replica: the orphan is still reported,
      // and its finding is the same open finding, not a new one.
      const second = yield* reconcilePass()
      assert.strictEqual(reasons(second).orphan, "chain_orphaned")
      assert.strictEqual(yield* chain.sends, sendsBefore)
      const findings = yield* FindingRepository
      const open = yield* findings.list({ state: "open", reason: "chain_orphaned", limit: 10 })
      assert.strictEqual(open.items.length, 1)
      assert.strictEqual(open.items[0]!.reportId, second.id)
      assert.isTrue(
        DateTime.isLessThan(open.items[0]!.firstSeenAt, open.items[0]!.lastSeenAt) || first(open.items[0]!)
      )
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

  it.effect("an owner edited consistently in the database is a mismatch: the leaf comes from the chain", () =>
    Effect.gen(function* () {
      const mints = yield* MintRepository
      const mint = yield* minted("edited")
      const other = "So11111111111111111111111111111111111111112"
      yield* mints.save(
        tampered(mint, {
          request: new MintRequest({ ...mint.request, owner: other }),
          asset: new MintedAsset({ ...mint.asset!, owner: other })
        }),
        mint.version
      )
      const report = yield* reconcilePass()
      const f = report.findings.find((x) => x.ticketId === "edited")
      assert.strictEqual(f?.reasonCode, "metadata_mismatch")
      assert.include(f?.details, `owner ${owner} on chain, ${other} in the database`)
    }).pipe(Effect.provide(layer))
  )

  it.effect("a deleted row: its leaf is orphaned in every pass and names its ticket", () =>
    Effect.gen(function* () {
      const mint = yield* minted("deleted")
      yield* deleteRow(mint)
      const first = yield* reconcilePass()
      const second = yield* reconcilePass()
      for (const report of [first, second]) {
        const f = report.findings.find((x) => x.reasonCode === "chain_orphaned")
        assert.strictEqual(f?.ticketId, "deleted")
        assert.strictEqual(f?.assetId, mint.asset!.assetId)
      }
    }).pipe(Effect.provide(layer))
  )

  it.effect(
    "signatures replaced in the row: the leaf is found by the attempt's signature, never marked missing",
    () =>
      Effect.gen(function* () {
        const mints = yield* MintRepository
        const mint = yield* minted("swapped")
        yield* mints.save(
          tampered(mint, {
            transaction: new SignedTransaction({ ...mint.transaction!, signature: "random-signature" }),
            asset: new MintedAsset({ ...mint.asset!, signature: "random-signature" })
          }),
          mint.version
        )
        const report = yield* reconcilePass()
        const f = report.findings.find((x) => x.ticketId === "swapped")
        assert.strictEqual(f?.reasonCode, "metadata_mismatch")
        assert.strictEqual(f?.action, "flag")
        assert.strictEqual((yield* reload(mint)).status, "completed")
      }).pipe(Effect.provide(layer))
  )

  it.effect("a completed row with no signature is a finding", () =>
    Effect.gen(function* () {
      const tree = yield* activeTreeOf(minted("first"))
      const ghost = yield* ghostRow("unsigned", tree, { unsigned: true })
      const report = yield* reconcilePass()
      const f = report.findings.find((x) => x.ticketId === "unsigned")
      assert.strictEqual(f?.reasonCode, "mint_missing")
      assert.include(f?.details, "no signature")
      assert.strictEqual((yield* reload(ghost)).status, "missing_on_chain")
    }).pipe(Effect.provide(layer))
  )

  it.effect(
    "a ticket transferred or burned by its holder is no mismatch; two leaves for a ticket is double_mint",
    () =>
      Effect.gen(function* () {
        const chain = yield* SimulatedChain.SimulatedChainControl
        const moved = yield* minted("moved")
        const burned = yield* minted("burned")
        const holder = "So11111111111111111111111111111111111111112"
        yield* chain.transfer(moved.asset!.assetId, holder)
        yield* chain.burn(burned.asset!.assetId)
        const report = yield* reconcilePass()
        assert.deepStrictEqual(
          report.findings.filter((f) => f.reasonCode !== "success"),
          []
        )
        const replica = yield* ReplicaRepository
        const leaf = Option.getOrThrow(yield* replica.findByAssetId(moved.asset!.assetId))
        assert.strictEqual(leaf.owner, holder)
        assert.strictEqual(leaf.mintedOwner, owner)
        assert.strictEqual(
          Option.getOrThrow(yield* replica.findByAssetId(burned.asset!.assetId)).state,
          "burned"
        )

        // A second leaf naming the same ticket, minted out of band.
        yield* chain.mintOutOfBand(
          moved.asset!.tree,
          owner,
          TicketMetadata.onChainMetadata(
            request("moved"),
            TicketMetadata.uriFor("https://mint.test", "moved")
          )
        )
        const again = yield* reconcilePass()
        const f = again.findings.find((x) => x.ticketId === "moved")
        assert.strictEqual(f?.reasonCode, "double_mint")
        assert.strictEqual(f?.action, "flag")
        assert.strictEqual(again.counts.byReason.double_mint, 1)
      }).pipe(Effect.provide(layer))
  )

  it.effect("the chain restarted or another cluster: chain_reset, and no repair at all", () =>
    Effect.gen(function* () {
      const chain = yield* SimulatedChain.SimulatedChainControl
      const mint = yield* minted("before-reset")
      yield* reconcilePass()
      yield* chain.restart()
      const report = yield* reconcilePass()
      assert.isAbove(report.counts.byReason.chain_reset, 0)
      assert.strictEqual(report.counts.byReason.mint_missing, 0, "nothing judged on an unproved chain")
      assert.strictEqual((yield* reload(mint)).status, "completed", "no repair")
      assert.isNotEmpty(report.alerts ?? [])

      yield* chain.restart({ genesisHash: "AnotherC1usterGenesis11111111111111111111111" })
      const other = yield* reconcilePass()
      assert.isTrue(
        other.findings.some((f) => f.reasonCode === "chain_reset" && f.details.includes("genesis"))
      )
      assert.strictEqual((yield* reload(mint)).status, "completed")
    }).pipe(Effect.provide(layer))
  )

  it.effect("a mass repair over the limit is withheld until an operator accepts it", () =>
    Effect.gen(function* () {
      const tree = yield* activeTreeOf(minted("real"))
      const ghosts = yield* Effect.forEach([1, 2, 3], (n) => ghostRow(`ghost-${n}`, tree))
      const held = yield* reconcilePass({ repairLimit: 2 })
      assert.strictEqual(held.counts.byReason.mint_missing, 3)
      assert.isTrue((held.alerts ?? []).some((a) => a.includes("mass repair withheld")))
      for (const g of ghosts) assert.strictEqual((yield* reload(g)).status, "completed")
      yield* reconcilePass({ repairLimit: 2, acceptMassRepair: true })
      for (const g of ghosts) assert.strictEqual((yield* reload(g)).status, "missing_on_chain")
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

  it.effect(
    "a mint page that cannot be read fails the pass with its own error, not as pages that ended",
    () =>
      Effect.gen(function* () {
        yield* minted("unreadable")
        const mints = yield* MintRepository
        // A repository whose scan dies (a bug, or a row no code expected): the producer's defect
        // must reach the pass as it is; ending the page queue alone read as "the pages ended early".
        const broken = MintRepository.of({
          ...mints,
          scan: () => Effect.die(new Error("row 7 of the page could not be read"))
        })
        const exit = yield* Effect.exit(reconcilePass().pipe(Effect.provideService(MintRepository, broken)))
        assert.isTrue(exit._tag === "Failure")
        const text = exit._tag === "Failure" ? String(exit.cause) : ""
        assert.include(text, "row 7 of the page could not be read")
        assert.notInclude(text, "ended early")
      }).pipe(Effect.provide(layer))
  )
})

const first = (f: { readonly firstSeenAt: DateTime.Utc; readonly lastSeenAt: DateTime.Utc }) =>
  DateTime.toEpochMillis(f.firstSeenAt) <= DateTime.toEpochMillis(f.lastSeenAt)

const activeTreeOf = <E, R>(mint: Effect.Effect<Mint, E, R>) =>
  Effect.gen(function* () {
    yield* mint
    return Option.getOrThrow(yield* (yield* TreeRegistry).active).address
  })

/** A completed row the chain never saw: its signature never issued, its ticket never minted. */
const ghostRow = (ticketId: string, tree: string, options: { readonly unsigned?: boolean } = {}) =>
  Effect.gen(function* () {
    const now = yield* DateTime.now
    const signature = `ghost-signature-${ticketId}`
    const mint = new Mint({
      id: `ghost-${ticketId}`,
      ticketId,
      request: request(ticketId),
      metadataUri: TicketMetadata.uriFor("https://mint.test", ticketId),
      status: "completed",
      attempts: 0,
      maxAttempts: 3,
      nextAttemptAt: null,
      lease: null,
      transaction: null,
      asset:
        options.unsigned === true
          ? null
          : new MintedAsset({
              assetId: `ghost-asset-${ticketId}`,
              tree,
              leafIndex: 99,
              signature,
              slot: 1,
              owner,
              dataHash: "x"
            }),
      failure: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
      completedAt: now
    })
    return (yield* (yield* MintRepository).create(mint)).mint
  })

/** The row deleted behind the service's back (the in-memory store's own delete). */
const deleteRow = (mint: Mint) =>
  Effect.flatMap(InMemoryStore, (store) =>
    store.use((s) =>
      Effect.sync(() => {
        s.mints.delete(mint.id)
      })
    )
  )

/** A mint as a tampered database would hold it. */
const tampered = (mint: Mint, changes: Partial<ConstructorParameters<typeof Mint>[0]>) =>
  new Mint({ ...mint, ...changes })

const crashAfterSend = Layer.succeed(MintWorker.WorkerHooks, {
  reached: (point) => (point === "sent" ? Effect.die("crash") : Effect.void)
})
