/**
 * How a pass keeps the replica: a page without leaves does not end the scan; each transaction is
 * read once (the next pass reads only what is new); completed mints need no status read, since
 * the proved replica holds their leaves.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import {
  ChainGateway,
  MintingSettings,
  MintRequest,
  MintWorker,
  ReplicaRepository,
  reconcilePass,
  requestMint,
  TicketMetadata,
  TreeRegistry
} from "../src/index.ts"
import * as InMemory from "../src/testing/InMemory.ts"
import * as SimulatedChain from "../src/testing/SimulatedChain.ts"
import { owner } from "./fixtures.ts"

const settings = { ...MintingSettings.defaultValue(), publicBaseUrl: "https://mint.test", workerId: "w" }

const request = (ticketId: string) => new MintRequest({ ticketId, orderId: "o", eventId: "e", owner })

/** What the pass asked of the chain. */
interface Seen {
  changesRead: number
  statusReads: Array<string>
}

const countingChain = (seen: Seen) =>
  Layer.effect(
    ChainGateway,
    Effect.map(ChainGateway, (inner) =>
      ChainGateway.of({
        ...inner,
        statuses: (signatures) => {
          seen.statusReads.push(...signatures)
          return inner.statuses(signatures)
        },
        scanTree: (tree, after, limit, known) =>
          Effect.tap(inner.scanTree(tree, after, limit, known), (page) =>
            Effect.sync(() => {
              seen.changesRead += page.changes.length
            })
          )
      })
    )
  )

const base = Layer.mergeAll(InMemory.layerInMemory, SimulatedChain.layer()).pipe(
  Layer.provideMerge(Layer.succeed(MintingSettings, settings))
)

describe("ReconcilePass scan", () => {
  it.live("a page of failed transactions, with no leaf, does not end the scan", () =>
    Effect.gen(function* () {
      const chain = yield* SimulatedChain.SimulatedChainControl
      yield* requestMint(request("fails"))
      yield* chain.failNextLandings(['{"InstructionError":[0,{"Custom":1}]}'])
      yield* MintWorker.runRound({ batchSize: 1, concurrency: 1 })
      const tree = Option.getOrThrow(yield* (yield* TreeRegistry).active)
      yield* chain.mintOutOfBand(
        tree.address,
        owner,
        TicketMetadata.onChainMetadata(request("x"), "https://x")
      )
      // One signature a page: the tree's creation, the failed mint, then the leaf behind them.
      const report = yield* reconcilePass({ batchSize: 1 })
      assert.strictEqual(report.counts.byReason.chain_orphaned, 1)
      assert.deepStrictEqual(report.alerts, [])
    }).pipe(Effect.provide(base))
  )

  it.live("each change is read once: the next pass reads only what is new, and needs no status", () => {
    const seen: Seen = { changesRead: 0, statusReads: [] }
    return Effect.gen(function* () {
      for (const ticketId of ["a", "b", "c"]) {
        yield* requestMint(request(ticketId))
        yield* MintWorker.runRound({ batchSize: 1, concurrency: 1 })
      }
      seen.statusReads.length = 0
      const first = yield* reconcilePass()
      assert.strictEqual(first.counts.success, 3)
      assert.strictEqual(seen.changesRead, 4, "the tree's creation and three mints")
      assert.deepStrictEqual(seen.statusReads, [], "the proved replica holds their leaves")
      assert.strictEqual(first.examined, 6, "three mints and three leaves")

      yield* requestMint(request("d"))
      yield* MintWorker.runRound({ batchSize: 1, concurrency: 1 })
      seen.changesRead = 0
      seen.statusReads.length = 0
      const second = yield* reconcilePass()
      assert.strictEqual(second.counts.success, 4)
      assert.strictEqual(seen.changesRead, 1, "only the new mint's change")
      assert.deepStrictEqual(seen.statusReads, [])
      const tree = Option.getOrThrow(yield* (yield* TreeRegistry).active)
      assert.strictEqual((yield* (yield* ReplicaRepository).state(tree.address)).seq, 4)
    }).pipe(Effect.provide(countingChain(seen).pipe(Layer.provideMerge(base))))
  })
})
