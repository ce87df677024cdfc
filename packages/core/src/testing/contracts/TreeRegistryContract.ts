/** What every TreeRegistry must do; each case runs on a fresh build of the layer. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { TreeRegistry } from "../../ports/TreeRegistry.ts"
import type { RepositoryError } from "../../RepositoryError.ts"
import * as F from "./Fixtures.ts"

export const suite = <E>(name: string, layer: Layer.Layer<TreeRegistry, E>) =>
  describe(`TreeRegistry contract: ${name}`, () => {
    const test = (title: string, body: Effect.Effect<void, E | RepositoryError, TreeRegistry>) =>
      it.live(title, () => Effect.provide(body, layer), 30_000)

    const statusOf = (registry: TreeRegistry["Service"], address: string) =>
      Effect.map(registry.get(address), (t) => Option.getOrThrow(t).status)

    test(
      "register, get and list; an active tree is the active one",
      Effect.gen(function* () {
        const registry = yield* TreeRegistry
        assert.isTrue(Option.isNone(yield* registry.active))
        const standby = F.tree("standby", { createdAt: F.at(1) })
        const active = F.tree("active", { createdAt: F.at(2) })
        yield* registry.register(standby)
        yield* registry.register(active)
        assert.deepStrictEqual(Option.getOrThrow(yield* registry.active), active)
        assert.deepStrictEqual(Option.getOrThrow(yield* registry.get(standby.address)), standby)
        assert.isTrue(Option.isNone(yield* registry.get("no-such-tree")))
        assert.deepStrictEqual(
          (yield* registry.list).map((t) => t.address),
          [standby.address, active.address]
        )
        const duplicate = yield* F.failureOf(registry.register(standby))
        assert.strictEqual(duplicate.reason._tag, "ConstraintViolated")
      })
    )

    test(
      "registering an active tree puts the previous active one on standby",
      Effect.gen(function* () {
        const registry = yield* TreeRegistry
        const first = F.tree("active", { createdAt: F.at(1) })
        const second = F.tree("active", { createdAt: F.at(2) })
        yield* registry.register(first)
        yield* registry.register(second)
        assert.strictEqual(Option.getOrThrow(yield* registry.active).address, second.address)
        assert.strictEqual(yield* statusOf(registry, first.address), "standby")
        assert.strictEqual((yield* registry.list).filter((t) => t.status === "active").length, 1)
      })
    )

    test(
      "activate keeps one active tree; the previous one is full past the threshold, else standby",
      Effect.gen(function* () {
        const registry = yield* TreeRegistry
        const nearlyFull = F.tree("active", { minted: 16_000, createdAt: F.at(1) })
        const fresh = F.tree("standby", { createdAt: F.at(2) })
        const third = F.tree("standby", { createdAt: F.at(3) })
        for (const t of [nearlyFull, fresh, third]) yield* registry.register(t)

        yield* registry.activate(fresh.address)
        assert.strictEqual(yield* statusOf(registry, nearlyFull.address), "full")
        assert.strictEqual(yield* statusOf(registry, fresh.address), "active")

        yield* registry.activate(third.address)
        assert.strictEqual(yield* statusOf(registry, fresh.address), "standby")
        assert.strictEqual(Option.getOrThrow(yield* registry.active).address, third.address)

        yield* registry.activate(third.address)
        assert.strictEqual(yield* statusOf(registry, third.address), "active")
        const missing = yield* F.failureOf(registry.activate("no-such-tree"))
        assert.strictEqual(missing.reason._tag, "NotFound")
      })
    )

    test(
      "concurrent activations leave exactly one active tree",
      Effect.gen(function* () {
        const registry = yield* TreeRegistry
        const trees = Array.from({ length: 6 }, (_, i) => F.tree("standby", { createdAt: F.at(i) }))
        for (const t of trees) yield* registry.register(t)
        yield* Effect.forEach(trees, (t) => registry.activate(t.address), { concurrency: "unbounded" })
        const active = (yield* registry.list).filter((t) => t.status === "active")
        assert.strictEqual(active.length, 1)
      })
    )

    test(
      "markFull and recordMinted",
      Effect.gen(function* () {
        const registry = yield* TreeRegistry
        const t = F.tree("active", { minted: 5 })
        yield* registry.register(t)
        yield* Effect.forEach([1, 2, 3], () => registry.recordMinted(t.address), { concurrency: "unbounded" })
        assert.strictEqual(Option.getOrThrow(yield* registry.get(t.address)).minted, 8)
        yield* registry.recordMinted(t.address, 4)
        assert.strictEqual(Option.getOrThrow(yield* registry.get(t.address)).minted, 12)
        yield* registry.markFull(t.address)
        assert.strictEqual(yield* statusOf(registry, t.address), "full")
        assert.isTrue(Option.isNone(yield* registry.active))
        const missing = yield* F.failureOf(registry.recordMinted("no-such-tree"))
        assert.strictEqual(missing.reason._tag, "NotFound")
      })
    )

    test(
      "a lost tree stays lost: never activated again, never made full, the active one leaves none",
      Effect.gen(function* () {
        const registry = yield* TreeRegistry
        const active = F.tree("active", { createdAt: F.at(1) })
        const standby = F.tree("standby", { createdAt: F.at(2) })
        yield* registry.register(active)
        yield* registry.register(standby)
        yield* registry.markLost(active.address)
        assert.strictEqual(yield* statusOf(registry, active.address), "lost")
        assert.isTrue(Option.isNone(yield* registry.active), "no active tree until one is chosen or made")

        const refused = yield* F.failureOf(registry.activate(active.address))
        assert.strictEqual(refused.reason._tag, "ConstraintViolated")
        assert.strictEqual(yield* statusOf(registry, active.address), "lost")

        yield* registry.markFull(active.address)
        assert.strictEqual(yield* statusOf(registry, active.address), "lost", "retiring keeps it lost")

        // Activating another tree leaves the lost one as it is.
        yield* registry.activate(standby.address)
        assert.strictEqual(yield* statusOf(registry, active.address), "lost")
        assert.strictEqual(Option.getOrThrow(yield* registry.active).address, standby.address)
        yield* registry.markLost(standby.address)
        assert.isTrue(Option.isNone(yield* registry.active))
        assert.deepStrictEqual(
          (yield* registry.list).map((t) => t.status),
          ["lost", "lost"]
        )
        const missing = yield* F.failureOf(registry.markLost("no-such-tree"))
        assert.strictEqual(missing.reason._tag, "NotFound")
      })
    )

    test(
      "checkpoint is none until saved, then the latest saved signature",
      Effect.gen(function* () {
        const registry = yield* TreeRegistry
        const t = F.tree("active")
        yield* registry.register(t)
        assert.isTrue(Option.isNone(yield* registry.checkpoint(t.address)))
        yield* registry.saveCheckpoint(t.address, "sig-1")
        yield* registry.saveCheckpoint(t.address, "sig-2")
        assert.strictEqual(Option.getOrThrow(yield* registry.checkpoint(t.address)), "sig-2")
        assert.isTrue(Option.isNone(yield* registry.checkpoint("no-such-tree")))
        const missing = yield* F.failureOf(registry.saveCheckpoint("no-such-tree", "sig"))
        assert.strictEqual(missing.reason._tag, "NotFound")
      })
    )

    test(
      "the first genesis hash recorded stays",
      Effect.gen(function* () {
        const registry = yield* TreeRegistry
        assert.strictEqual(yield* registry.recordGenesis("genesis-a"), "genesis-a")
        assert.strictEqual(yield* registry.recordGenesis("genesis-b"), "genesis-a")
      })
    )

    test(
      "the genesis moves only from the one on record, and only through moveGenesis",
      Effect.gen(function* () {
        const registry = yield* TreeRegistry
        assert.isTrue(Option.isNone(yield* registry.genesis))
        yield* registry.recordGenesis("genesis-a")
        assert.strictEqual(Option.getOrThrow(yield* registry.genesis), "genesis-a")
        // A stale `from` (someone moved it meanwhile) changes nothing.
        assert.strictEqual(yield* registry.moveGenesis("genesis-x", "genesis-b"), "genesis-a")
        assert.strictEqual(yield* registry.moveGenesis("genesis-a", "genesis-b"), "genesis-b")
        assert.strictEqual(Option.getOrThrow(yield* registry.genesis), "genesis-b")
        assert.strictEqual(yield* registry.recordGenesis("genesis-c"), "genesis-b")
        // Two operators moving it together: it moves once.
        const moved = yield* Effect.all(
          [registry.moveGenesis("genesis-b", "genesis-c"), registry.moveGenesis("genesis-b", "genesis-d")],
          { concurrency: "unbounded" }
        )
        assert.strictEqual(moved[0], moved[1])
        assert.include(["genesis-c", "genesis-d"], moved[0])
      })
    )

    test(
      "moveGenesis records the new genesis when none is on record",
      Effect.gen(function* () {
        const registry = yield* TreeRegistry
        assert.strictEqual(yield* registry.moveGenesis("genesis-a", "genesis-b"), "genesis-b")
        assert.strictEqual(yield* registry.recordGenesis("genesis-c"), "genesis-b")
      })
    )
  })
