/**
 * A mint signed while other mints to its tree land meanwhile must not run out of compute units:
 * its work depends on the leaf index it lands at, not the one it was simulated at. Bubblegum
 * finds the asset id from the leaf's nonce (find_program_address, 1,500 units a bump tried), and
 * an append at an index with many trailing zero bits hashes that many levels of empty nodes.
 * Under load 0.3-0.9% of mints landed failed with ComputationalBudgetExceeded, some ran out of
 * attempts, and at 700/s every mint in flight failed in turn on leaf 8,192. Here one mint is
 * simulated where its asset id's bump is found at once and lands where it takes six or more
 * tries: on the simulated need and its margin alone it fails (checked by setting the headroom
 * to 0); with the headroom it lands. The asset id's headroom is what this case needs; the
 * append's for its depth is unit-tested below with the costs measured on chain.
 */
import { describe, expect, layer, it as plain } from "@effect/vitest"
import { findLeafAssetIdPda } from "@metaplex-foundation/mpl-bubblegum"
import { publicKey } from "@metaplex-foundation/umi"
import { ChainGateway } from "@tickettoken/minting-core"
import { ChainGatewayContract } from "@tickettoken/minting-core/testing/contracts"
import { Effect, Layer, Schedule } from "effect"
import { ASSET_ID_SEARCH_HEADROOM, appendHeadroom } from "../src/BubblegumGateway.ts"
import { SolanaClient } from "../src/SolanaClient.ts"
import { gatewayLayer, localnetLayer, programsMissing } from "./TestLocalnet.ts"

const skip = programsMissing()

/** Bumps tried beyond the first for the asset id of each nonce from 0 to `count` - 1. */
const extraBumps = (client: SolanaClient["Service"], tree: string, count: number) =>
  Array.from(
    { length: count },
    (_, nonce) => 255 - findLeafAssetIdPda(client.umi, { merkleTree: publicKey(tree), leafIndex: nonce })[1]
  )

describe.skipIf(skip !== undefined)("a mint's compute limit", () => {
  // A low floor, so that the limit is the simulation's need, its margin and the headroom (the
  // default floor, 50,000, hid this for mints that need little; the service's mints need more).
  layer(gatewayLayer({ minComputeUnits: 10_000 }).pipe(Layer.provideMerge(localnetLayer())), {
    excludeTestServices: true
  })((it) => {
    it.effect(
      "covers the asset id's search at the nonce it lands on, not only the one it was simulated at",
      () =>
        Effect.gen(function* () {
          const chain = yield* ChainGateway
          const client = yield* SolanaClient
          const tree = (yield* chain.createTree({ maxDepth: 14, maxBufferSize: 64, canopyDepth: 0 })).address
          const extra = extraBumps(client, tree, 1_024)
          // The first nonce found at once that a nonce needing 6+ more tries follows closely.
          let cheap = -1
          let costly = -1
          for (let n = 0; n < extra.length && costly < 0; n++) {
            if (extra[n] !== 0) continue
            const later = extra.findIndex((e, m) => m > n && m - n <= 40 && e >= 6)
            if (later > 0) [cheap, costly] = [n, later]
          }
          expect(costly).toBeGreaterThan(0)

          let n = 0
          const prepare = () =>
            chain.prepareMint({
              mintId: `mint-${n}`,
              owner: ChainGatewayContract.randomAddress(),
              tree,
              treeDepth: 14,
              metadata: ChainGatewayContract.ticketMetadata(n++)
            })
          const land = (signatures: ReadonlyArray<string>) =>
            chain.statuses(signatures).pipe(
              Effect.repeat({
                until: (seen) => seen.every((o) => o.state === "landed"),
                schedule: Schedule.spaced("20 millis")
              }),
              Effect.timeout("60 seconds")
            )
          /** Lands `count` mints, 50 at a time, so the tree's nonce moves on by `count`. */
          const mintMany = (count: number) =>
            Effect.forEach(
              Array.from({ length: Math.ceil(count / 50) }, (_, i) => Math.min(50, count - i * 50)),
              (size) =>
                Effect.gen(function* () {
                  // One at a time, so each simulation sees the nonce before it.
                  const prepared = []
                  for (let i = 0; i < size; i++) {
                    const p = yield* prepare()
                    yield* chain.send(p.wire)
                    prepared.push(p)
                  }
                  const seen = yield* land(prepared.map((p) => p.signature))
                  for (const o of seen) expect(o.state === "landed" && o.err).toBeNull()
                })
            )

          yield* mintMany(cheap)
          // Simulated at the nonce `cheap`, where the asset id is found at the first bump...
          const late = yield* prepare()
          // ...and landing at `costly`, where it takes six or more tries.
          yield* mintMany(costly - cheap)
          yield* chain.send(late.wire)
          const [landed] = yield* land([late.signature])
          expect(landed).toMatchObject({ state: "landed", err: null })
        }),
      120_000
    )
  })
})

describe("the append's headroom", () => {
  plain("covers the costliest index of a tree of each depth, measured on chain for depth 14", () => {
    // 8,200 consecutive mintV1 on a depth-14 tree: 29,041 units at an odd index, 46,764 at
    // 8,192 (13 trailing zeros), 49,187 at most (an index needing extra bumps too).
    expect(appendHeadroom(14)).toBeGreaterThanOrEqual(46_764 - 29_041)
    expect(appendHeadroom(14) + ASSET_ID_SEARCH_HEADROOM).toBeGreaterThanOrEqual(49_187 - 29_041 + 6 * 1_500)
    // Deeper trees need more, never less; past the deepest tree there is nothing more.
    for (let d = 4; d <= 30; d++) expect(appendHeadroom(d)).toBeGreaterThan(appendHeadroom(d - 1))
    expect(appendHeadroom(40)).toBe(appendHeadroom(30))
  })
})
