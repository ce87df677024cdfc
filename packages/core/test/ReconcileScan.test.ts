/**
 * How a pass walks the trees: a page without leaves does not end the scan, and signatures the
 * scan lists (those of completed mints, whose leaves the database holds) are neither read again
 * by the chain nor asked for their status a second time.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import {
  ChainGateway,
  MintingSettings,
  MintRequest,
  MintWorker,
  type Reconciliation,
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
  known: Array<ReadonlySet<string> | undefined>
  statusReads: Array<string>
}

/** The simulated chain, telling what it was asked, and listing each page's leaves as statuses. */
const listingChain = (seen: Seen) =>
  Layer.effect(
    ChainGateway,
    Effect.map(ChainGateway, (inner) =>
      ChainGateway.of({
        ...inner,
        statuses: (signatures) => {
          seen.statusReads.push(...signatures)
          return inner.statuses(signatures)
        },
        scanTree: (tree, after, limit, known) => {
          seen.known.push(known)
          return Effect.map(inner.scanTree(tree, after, limit, known), (page) => ({
            ...page,
            leaves: page.leaves.filter((leaf) => known?.has(leaf.signature) !== true),
            signatures: page.leaves.map(
              (leaf): Reconciliation.SignatureObservation => ({
                signature: leaf.signature,
                state: "landed",
                slot: leaf.slot,
                err: null
              })
            )
          }))
        }
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
      // One signature a page: the failed one first, then the leaf behind it.
      const report = yield* reconcilePass({ batchSize: 1 })
      assert.strictEqual(report.counts.byReason.chain_orphaned, 1)
    }).pipe(Effect.provide(base))
  )

  it.live("listed signatures of completed mints are not read again, and need no status read", () => {
    const seen: Seen = { known: [], statusReads: [] }
    return Effect.gen(function* () {
      for (const ticketId of ["a", "b", "c"]) {
        yield* requestMint(request(ticketId))
        yield* MintWorker.runRound({ batchSize: 1, concurrency: 1 })
      }
      seen.statusReads.length = 0
      const first = yield* reconcilePass()
      assert.strictEqual(first.counts.success, 3)
      assert.strictEqual(seen.known[0]?.size, 3, "the completed mints' signatures were passed to the scan")
      assert.deepStrictEqual(seen.statusReads, [], "the listing was their status")
      assert.strictEqual(first.examined, 6, "three listed leaves and three mints")

      // From the checkpoint the scan lists nothing: the statuses are read in one batch.
      const second = yield* reconcilePass()
      assert.strictEqual(second.counts.success, 3)
      assert.strictEqual(seen.statusReads.length, 3)
      assert.strictEqual(second.examined, 3)
    }).pipe(Effect.provide(listingChain(seen).pipe(Layer.provideMerge(base))))
  })
})
