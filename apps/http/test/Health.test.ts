/**
 * /health and /health/chain tell the truth (issue 12): the service said `ok` with the fee
 * payer at 0 lamports and an active tree that no longer existed. Each condition is produced on
 * the simulated chain and must turn the answer to `degraded` with its reason.
 */
import {
  ChainMetrics,
  declareTreesLost,
  MintingSettings,
  reconcilePass,
  TreeRegistry,
  TreeRotation
} from "@tickettoken/minting-core"
import { InMemoryLeaderLock, layerInMemory, SimulatedChain } from "@tickettoken/minting-core/testing"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { makeApp } from "../src/App.ts"
import type { WorkerHealthView } from "../src/routes/health.ts"
import { crypto } from "./TestApp.ts"

const make = (options: { genesis?: string | null; worker?: WorkerHealthView } = {}) => {
  const layer = Layer.mergeAll(
    layerInMemory,
    InMemoryLeaderLock.layer,
    Layer.provideMerge(ChainMetrics.layer, SimulatedChain.layer({ feePayerLamports: 10_000_000 })),
    crypto
  ).pipe(Layer.provideMerge(Layer.succeed(MintingSettings, MintingSettings.defaultValue())))
  const runtime = ManagedRuntime.make(layer)
  const app = makeApp(runtime, {
    auth: { internalSecrets: [Redacted.make("s")], jwtSecret: null, jwtAudience: null, jwtIssuer: null },
    health: {
      chain: "simulated",
      database: "memory",
      ...(options.worker === undefined ? {} : { worker: () => options.worker! }),
      chainChecks: {
        feePayerMinMints: 1_000,
        mintCostLamports: 5_000,
        genesisHash: () => options.genesis ?? null
      }
    }
  })
  const chainHealth = async () =>
    (await (await app.request("/health/chain")).json()) as {
      status: string
      problems: Array<{ reason: string }>
      rpcUrl: string | null
      activeTree: { exists: boolean } | null
    }
  return { app, runtime, chainHealth }
}

let disposers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const dispose of disposers) await dispose()
  disposers = []
})

describe("/health/chain", () => {
  it("ok with a funded fee payer and an existing tree", async () => {
    const t = make()
    disposers.push(() => t.runtime.dispose())
    await t.runtime.runPromise(TreeRotation.activeTree())
    expect(await t.chainHealth()).toMatchObject({ status: "ok", problems: [], activeTree: { exists: true } })
  })

  it("degraded when the fee payer cannot pay for FEE_PAYER_MIN_MINTS mints (the issue's 0 lamports)", async () => {
    const t = make()
    disposers.push(() => t.runtime.dispose())
    await t.runtime.runPromise(TreeRotation.activeTree())
    for (const lamports of [0, 4_999_999]) {
      await t.runtime.runPromise(
        Effect.flatMap(SimulatedChain.SimulatedChainControl, (c) => c.setFeePayerLamports(lamports))
      )
      const health = await t.chainHealth()
      expect(health.status).toBe("degraded")
      expect(health.problems.map((p) => p.reason)).toEqual(["fee_payer_low"])
    }
  })

  it("degraded when the active tree no longer exists on the chain", async () => {
    const t = make()
    disposers.push(() => t.runtime.dispose())
    const tree = await t.runtime.runPromise(TreeRotation.activeTree())
    await t.runtime.runPromise(
      Effect.flatMap(SimulatedChain.SimulatedChainControl, (c) => c.removeTree(tree.address))
    )
    const health = await t.chainHealth()
    expect(health).toMatchObject({ status: "degraded", activeTree: { exists: false } })
    expect(health.problems.map((p) => p.reason)).toEqual(["active_tree_missing"])
  })

  it("degraded when the active tree is over 90% full", async () => {
    const t = make()
    disposers.push(() => t.runtime.dispose())
    const tree = await t.runtime.runPromise(TreeRotation.activeTree())
    await t.runtime.runPromise(
      Effect.gen(function* () {
        const registry = yield* TreeRegistry
        for (let i = 0; i < Math.ceil(tree.capacity * 0.91); i++) yield* registry.recordMinted(tree.address)
      })
    )
    expect((await t.chainHealth()).problems.map((p) => p.reason)).toEqual(["active_tree_nearly_full"])
  })

  it("degraded when the genesis hash is not the one the service started on (none on record yet)", async () => {
    const t = make({ genesis: "SomeOtherGenesis1111111111111111111111111111" })
    disposers.push(() => t.runtime.dispose())
    expect((await t.chainHealth()).problems.map((p) => p.reason)).toEqual(["genesis_changed"])
  })

  it("degraded while a reset cluster is not recovered by an operator; ok once it is", async () => {
    // Started on the old cluster: once recovered, the genesis on record is what counts.
    const t = make({ genesis: "StartGenesis" })
    disposers.push(() => t.runtime.dispose())
    await t.runtime.runPromise(TreeRotation.activeTree())
    await t.runtime.runPromise(reconcilePass())
    expect((await t.chainHealth()).status).toBe("ok")
    await t.runtime.runPromise(
      Effect.gen(function* () {
        const chain = yield* SimulatedChain.SimulatedChainControl
        yield* chain.restart({ genesisHash: "ResetGenesis11111111111111111111111111111111" })
        // The worker replaces the missing tree at once; the genesis on record stays.
        yield* TreeRotation.verifyActiveTree()
      })
    )
    expect((await t.chainHealth()).problems.map((p) => p.reason)).toEqual(["genesis_changed"])
    await t.runtime.runPromise(reconcilePass())
    const stuck = await t.chainHealth()
    expect(stuck.status).toBe("degraded")
    expect(stuck.problems.map((p) => p.reason)).toEqual(["genesis_changed", "chain_reset"])
    await t.runtime.runPromise(
      declareTreesLost({ addresses: [], apply: true, by: "ops", reconcilerLock: "reconciler" })
    )
    expect(await t.chainHealth()).toMatchObject({ status: "ok", problems: [] })
  })
})

describe("/health", () => {
  it("degraded with the worker's reason while it is stalled", async () => {
    const t = make({
      worker: { status: "degraded", reason: "fee_payer_empty", stalledForMs: 31_000, inFlight: 0 }
    })
    disposers.push(() => t.runtime.dispose())
    expect(await (await t.app.request("/health")).json()).toMatchObject({
      status: "degraded",
      worker: { status: "degraded", reason: "fee_payer_empty" }
    })
    const quiet = make({ worker: { status: "ok", inFlight: 3 } })
    disposers.push(() => quiet.runtime.dispose())
    expect(await (await quiet.app.request("/health")).json()).toMatchObject({
      status: "ok",
      worker: { status: "ok" }
    })
  })
})
