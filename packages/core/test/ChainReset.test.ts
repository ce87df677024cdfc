/** The recovery plan after a chain reset: which trees are lost, which are refused, whether the genesis moves. */
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import { ChainReset, Tree, type TreeAccount, type TreeStatus } from "../src/index.ts"

const tree = (address: string, status: TreeStatus = "full") =>
  new Tree({
    address,
    maxDepth: 14,
    maxBufferSize: 64,
    canopyDepth: 0,
    capacity: 16_384,
    minted: 3,
    status,
    createdAt: DateTime.makeUnsafe(0)
  })

const held = (address: string): TreeAccount => ({
  _tag: "Tree",
  address,
  maxDepth: 14,
  maxBufferSize: 64,
  seq: 3,
  roots: new Map()
})
const missing = (address: string): TreeAccount => ({ _tag: "Missing", address })
const foreign = (address: string): TreeAccount => ({
  _tag: "Foreign",
  address,
  reason: "owned by another program"
})

/** The chain's view: `accounts` for the managed trees, in order. */
const plan = (
  trees: ReadonlyArray<Tree>,
  accounts: ReadonlyArray<TreeAccount>,
  options: { genesis?: string; recorded?: string | null; named?: ReadonlyArray<string> } = {}
) =>
  ChainReset.planRecovery({
    trees,
    observation: { genesisHash: options.genesis ?? "G1", trees: accounts, blockHeight: 10 },
    recordedGenesis: options.recorded === undefined ? "G1" : options.recorded,
    named: options.named ?? []
  })

describe("ChainReset.planRecovery", () => {
  it.effect("with no tree named, proposes every managed tree the chain no longer holds, and only those", () =>
    Effect.sync(() => {
      const p = plan(
        [tree("gone", "full"), tree("alien", "standby"), tree("here", "active"), tree("old", "lost")],
        [missing("gone"), foreign("alien"), held("here")]
      )
      assert.deepStrictEqual(
        p.lose.map((t) => [t.address, t.previous]),
        [
          ["gone", "full"],
          ["alien", "standby"]
        ]
      )
      assert.include(p.lose[1]!.why, "owned by another program")
      assert.deepStrictEqual(p.refused, [])
      assert.isNull(p.genesis, "same genesis: nothing to move")
      assert.isNull(p.genesisKept)
      assert.isNull(ChainReset.refusalOf(p))
    })
  )

  it.effect("refuses a named tree the chain still holds as ours, and an unknown one, in one line", () =>
    Effect.sync(() => {
      const p = plan([tree("gone"), tree("here", "active")], [missing("gone"), held("here")], {
        named: ["gone", "here", "nowhere"]
      })
      assert.deepStrictEqual(
        p.refused.map((r) => r.address),
        ["here", "nowhere"]
      )
      const refusal = ChainReset.refusalOf(p)
      assert.isNotNull(refusal)
      assert.include(refusal!.message, "here (the chain still holds it as this service's tree)")
      assert.include(refusal!.message, "nowhere (no such tree")
      assert.notInclude(refusal!.message, "\n")
    })
  )

  it.effect("a named tree already lost is reported as such, not refused", () =>
    Effect.sync(() => {
      const p = plan([tree("old", "lost"), tree("here", "active")], [held("here")], { named: ["old"] })
      assert.deepStrictEqual(p.alreadyLost, ["old"])
      assert.deepStrictEqual(p.lose, [])
      assert.deepStrictEqual(p.refused, [])
    })
  )

  it.effect("moves the genesis once no managed tree is left on the old cluster", () =>
    Effect.sync(() => {
      // The worker already made a tree on the new cluster; the old one is gone.
      const p = plan([tree("old", "full"), tree("new", "active")], [missing("old"), held("new")], {
        genesis: "G2"
      })
      assert.deepStrictEqual(
        p.lose.map((t) => t.address),
        ["old"]
      )
      assert.deepStrictEqual(p.genesis, { from: "G1", to: "G2" })
      assert.isNull(p.genesisKept)
    })
  )

  it.effect("keeps the genesis while an old tree is not declared lost", () =>
    Effect.sync(() => {
      const p = plan([tree("a"), tree("b")], [missing("a"), missing("b")], { genesis: "G2", named: ["a"] })
      assert.deepStrictEqual(
        p.lose.map((t) => t.address),
        ["a"]
      )
      assert.isNull(p.genesis)
      assert.include(p.genesisKept ?? "", "b")
    })
  )

  it.effect(
    "keeps the genesis when every tree is on a cluster of another genesis (a copy, not a reset)",
    () =>
      Effect.sync(() => {
        const p = plan([tree("a", "active")], [held("a")], { genesis: "G2" })
        assert.deepStrictEqual(p.lose, [])
        assert.isNull(p.genesis)
        assert.include(p.genesisKept ?? "", "copy")
      })
  )

  it.effect(
    "moves the genesis when every tree was declared lost before, and when none is on record stays out of it",
    () =>
      Effect.sync(() => {
        assert.deepStrictEqual(plan([tree("old", "lost")], [], { genesis: "G2" }).genesis, {
          from: "G1",
          to: "G2"
        })
        assert.isNull(plan([tree("a")], [missing("a")], { genesis: "G2", recorded: null }).genesis)
      })
  )
})
