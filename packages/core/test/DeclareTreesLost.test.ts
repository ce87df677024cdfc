/**
 * The way out of a chain reset, over the in-memory repositories and the simulated chain: the
 * reconciler stops at chain_reset, the operator's dry run changes nothing, the recovery declares
 * the old tree lost, and the next pass judges again, the lost tree's mints missing until retried.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Layer, Option } from "effect"
import {
  declareTreesLost,
  FindingRepository,
  LeaderLock,
  type Mint,
  MintingSettings,
  MintRepository,
  MintRequest,
  MintWorker,
  ReplicaRepository,
  reconcilePass,
  requestMint,
  retryMint,
  TreeRegistry,
  TreeRotation
} from "../src/index.ts"
import * as InMemory from "../src/testing/InMemory.ts"
import { InMemoryStore } from "../src/testing/InMemoryStore.ts"
import * as SimulatedChain from "../src/testing/SimulatedChain.ts"
import { owner } from "./fixtures.ts"

const settings = { ...MintingSettings.defaultValue(), publicBaseUrl: "https://mint.test", workerId: "w" }
const layer = Layer.mergeAll(InMemory.layerInMemory, SimulatedChain.layer()).pipe(
  Layer.provideMerge(Layer.succeed(MintingSettings, settings))
)

const minted = (ticketId: string) =>
  Effect.gen(function* () {
    const { mint } = yield* requestMint(new MintRequest({ ticketId, orderId: "o", eventId: "e", owner }))
    yield* MintWorker.runRound({ batchSize: 1, concurrency: 1 })
    return Option.getOrThrow(yield* (yield* MintRepository).get(mint.id))
  })

const statusOf = (mint: Mint) =>
  Effect.map(
    Effect.flatMap(MintRepository, (m) => m.get(mint.id)),
    (found) => Option.getOrThrow(found).status
  )

const lost = (apply: boolean, addresses: ReadonlyArray<string> = []) =>
  declareTreesLost({ addresses, apply, by: "alice", reconcilerLock: "reconciler", lockAttempts: 2 })

describe("declareTreesLost", () => {
  for (const variant of ["the same genesis", "another genesis"] as const) {
    it.effect(`after a reset to ${variant}: chain_reset until the operator recovers, then judged again`, () =>
      Effect.gen(function* () {
        const chain = yield* SimulatedChain.SimulatedChainControl
        const registry = yield* TreeRegistry
        const findings = yield* FindingRepository
        const a = yield* minted("a")
        const b = yield* minted("b")
        const old = Option.getOrThrow(yield* registry.active).address
        const first = yield* reconcilePass()
        assert.strictEqual(first.counts.byReason.success, 2)
        const genesisBefore = Option.getOrThrow(yield* registry.genesis)

        yield* chain.restart(variant === "another genesis" ? { genesisHash: "AnotherGenesis111" } : {})
        // The worker at its start: the active tree is gone, retired, and a new one made.
        const fresh = yield* TreeRotation.verifyActiveTree()
        assert.notStrictEqual(fresh.address, old)
        assert.strictEqual(
          Option.getOrThrow(yield* registry.genesis),
          genesisBefore,
          "the worker never moves the genesis on record"
        )

        const stuck = yield* reconcilePass()
        assert.isAbove(stuck.counts.byReason.chain_reset, 0)
        assert.isTrue(
          (stuck.alerts ?? []).some((a) => a.includes("pnpm tree lost")),
          "the way out is named"
        )
        assert.strictEqual(stuck.counts.byReason.mint_missing, 0, "nothing judged")
        assert.strictEqual(yield* statusOf(a), "completed")

        // The dry run: the plan, nothing written.
        const dry = yield* lost(false)
        assert.isFalse(dry.applied)
        assert.deepStrictEqual(
          dry.plan.lose.map((t) => t.address),
          [old]
        )
        assert.deepStrictEqual(
          dry.plan.genesis,
          variant === "another genesis" ? { from: genesisBefore, to: "AnotherGenesis111" } : null
        )
        assert.strictEqual(Option.getOrThrow(yield* registry.get(old)).status, "full")
        assert.isAbove((yield* findings.openCounts).chain_reset, 0)

        // The new tree is on the chain: refused, and nothing changed.
        const refused = yield* Effect.flip(lost(true, [fresh.address, old]))
        assert.strictEqual(refused._tag, "RecoveryRefused")
        assert.include(refused.message, fresh.address)
        assert.strictEqual(Option.getOrThrow(yield* registry.get(old)).status, "full")

        const applied = yield* lost(true)
        assert.isTrue(applied.applied)
        assert.strictEqual(Option.getOrThrow(yield* registry.get(old)).status, "lost")
        assert.strictEqual((yield* (yield* ReplicaRepository).state(old)).seq, null, "its replica dropped")
        assert.strictEqual(
          Option.getOrThrow(yield* registry.genesis),
          variant === "another genesis" ? "AnotherGenesis111" : genesisBefore
        )
        const resolved = yield* findings.list({ state: "resolved", reason: "chain_reset", limit: 10 })
        assert.strictEqual(resolved.items.length, stuck.counts.byReason.chain_reset)
        for (const f of resolved.items) assert.strictEqual(f.resolvedBy, "operator:alice")
        assert.sameMembers(
          applied.resolved,
          resolved.items.map((f) => f.id)
        )
        assert.strictEqual((yield* findings.openCounts).chain_reset, 0)
        if (variant === "another genesis") {
          const store = yield* InMemoryStore
          const evidence = (yield* store.snapshot).genesisReplaced
          assert.deepStrictEqual(
            evidence.map((e) => e.genesisHash),
            [genesisBefore],
            "the old genesis kept as evidence"
          )
        }

        const judged = yield* reconcilePass()
        assert.strictEqual(judged.counts.byReason.chain_reset, 0)
        assert.deepStrictEqual(judged.alerts ?? [], [])
        const missing = judged.findings.filter((f) => f.reasonCode === "mint_missing")
        assert.sameMembers(
          missing.map((f) => f.ticketId),
          ["a", "b"]
        )
        for (const f of missing) {
          assert.strictEqual(f.action, "mark_missing")
          assert.include(f.details, `tree ${old}, which an operator declared lost`)
        }
        assert.strictEqual(yield* statusOf(a), "missing_on_chain")
        assert.strictEqual((yield* findings.openCounts).chain_reset, 0, "the operator's resolution stands")

        // The operator re-mints them; each lands once, in the new tree.
        for (const m of [a, b]) yield* retryMint(m.ticketId)
        yield* MintWorker.runRound({ batchSize: 2, concurrency: 2 })
        const again = yield* reconcilePass()
        assert.strictEqual(again.counts.byReason.success, 2)
        assert.strictEqual(again.counts.byReason.double_mint, 0)
        for (const m of [a, b]) {
          const now = Option.getOrThrow(yield* (yield* MintRepository).get(m.id))
          assert.strictEqual(now.status, "completed")
          assert.strictEqual(now.asset?.tree, fresh.address)
        }
        // A lost tree is never made active again.
        assert.strictEqual(Option.getOrThrow(yield* registry.active).address, fresh.address)
        assert.isTrue(Option.isNone(Option.filter(yield* registry.active, (t) => t.address === old)))
      }).pipe(Effect.provide(layer))
    )
  }

  it.effect("a second --apply finds nothing left to do and changes nothing", () =>
    Effect.gen(function* () {
      const chain = yield* SimulatedChain.SimulatedChainControl
      yield* minted("a")
      yield* chain.restart({ genesisHash: "Other111" })
      yield* TreeRotation.verifyActiveTree()
      yield* lost(true)
      const second = yield* lost(true)
      assert.deepStrictEqual(second.plan.lose, [])
      assert.isNull(second.plan.genesis)
      assert.deepStrictEqual(second.resolved, [])
    }).pipe(Effect.provide(layer))
  )

  it.live("applies nothing while the worker holds the tree-rotation lock, and says so", () =>
    Effect.gen(function* () {
      const chain = yield* SimulatedChain.SimulatedChainControl
      const registry = yield* TreeRegistry
      const lock = yield* LeaderLock
      yield* minted("a")
      const old = Option.getOrThrow(yield* registry.active).address
      yield* chain.restart({ genesisHash: "Other111" })
      yield* TreeRotation.verifyActiveTree()
      const held = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      yield* Effect.forkChild(
        lock.withLock(
          TreeRotation.lockName,
          Effect.andThen(Deferred.succeed(held, undefined), Deferred.await(release))
        )
      )
      yield* Deferred.await(held)
      const busy = yield* Effect.flip(lost(true))
      assert.strictEqual(busy._tag, "RepositoryError")
      assert.include(busy.message, "tree-rotation")
      assert.strictEqual(Option.getOrThrow(yield* registry.get(old)).status, "full", "nothing applied")
      yield* Deferred.succeed(release, undefined)
      assert.deepStrictEqual(
        (yield* lost(true)).plan.lose.map((t) => t.address),
        [old]
      )
    }).pipe(Effect.provide(layer))
  )
})
