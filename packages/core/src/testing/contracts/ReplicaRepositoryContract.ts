/** What every ReplicaRepository must do; each case runs on a fresh build of the layer. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { ReplicaRepository } from "../../ports/ReplicaRepository.ts"
import { ReplicaLeaf } from "../../ReplicaLeaf.ts"
import type { RepositoryError } from "../../RepositoryError.ts"
import * as F from "./Fixtures.ts"

const hash = (byte: number) => new Uint8Array(32).fill(byte)

export const leaf = (
  tree: string,
  leafIndex: number,
  fields: Partial<ConstructorParameters<typeof ReplicaLeaf>[0]> = {}
) =>
  new ReplicaLeaf({
    tree,
    leafIndex,
    leafHash: `hash-${leafIndex}`,
    state: "live",
    assetId: F.uniqueId("asset"),
    owner: F.owners[0],
    delegate: F.owners[0],
    nonce: leafIndex,
    dataHash: "data",
    creatorHash: "creators",
    mintedSignature: F.uniqueId("sig"),
    mintedSlot: 7,
    mintedOwner: F.owners[0],
    mintedDataHash: "data",
    mintedCreatorHash: "creators",
    mintedUri: `https://mint.test/metadata/ticket-${leafIndex}`,
    ticketId: F.uniqueId("ticket"),
    lastSignature: "sig",
    lastSeq: leafIndex + 1,
    ...fields
  })

export const suite = <E>(name: string, layer: Layer.Layer<ReplicaRepository, E>) =>
  describe(`ReplicaRepository contract: ${name}`, () => {
    const test = (title: string, body: Effect.Effect<void, E | RepositoryError, ReplicaRepository>) =>
      it.live(title, () => Effect.provide(body, layer), 30_000)

    test(
      "a tree never scanned has an empty state; apply moves it with its nodes and leaves",
      Effect.gen(function* () {
        const replica = yield* ReplicaRepository
        const tree = F.uniqueId("tree")
        assert.deepStrictEqual(yield* replica.state(tree), { tree, seq: null, root: null, checkpoint: null })
        const a = leaf(tree, 0)
        const b = leaf(tree, 1)
        yield* replica.apply(tree, {
          seq: 2,
          root: "root-2",
          checkpoint: "sig-2",
          nodes: [
            [1, hash(1)],
            [8, hash(8)],
            [9, hash(9)]
          ],
          leaves: [a, b]
        })
        assert.deepStrictEqual(yield* replica.state(tree), {
          tree,
          seq: 2,
          root: "root-2",
          checkpoint: "sig-2"
        })
        const nodes = yield* replica.nodes(tree, [1, 8, 9, 10])
        assert.deepStrictEqual([...nodes.keys()].sort(), [1, 8, 9])
        assert.deepStrictEqual([...nodes.get(9)!], [...hash(9)])
        assert.strictEqual((yield* replica.nodes(F.uniqueId("other-tree"), [1])).size, 0)
        const leaves = yield* replica.leaves(tree, [0, 1, 2])
        assert.deepStrictEqual(leaves.get(0), a)
        assert.deepStrictEqual(leaves.get(1), b)
        assert.isFalse(leaves.has(2))

        // A later page overwrites what it changed and keeps the rest.
        const burned = new ReplicaLeaf({ ...a, state: "burned", leafHash: "empty", lastSeq: 3 })
        yield* replica.apply(tree, {
          seq: 3,
          root: "root-3",
          checkpoint: "sig-3",
          nodes: [[8, hash(0)]],
          leaves: [burned]
        })
        assert.deepStrictEqual([...(yield* replica.nodes(tree, [8])).get(8)!], [...hash(0)])
        assert.deepStrictEqual([...(yield* replica.nodes(tree, [9])).get(9)!], [...hash(9)])
        assert.deepStrictEqual((yield* replica.leaves(tree, [0])).get(0), burned)
      })
    )

    test(
      "find by minting signature, asset id or ticket; findByAssetId; countLeaves; scan in tree and index order",
      Effect.gen(function* () {
        const replica = yield* ReplicaRepository
        const tree = F.uniqueId("tree")
        const leaves = [0, 1, 2, 3, 10].map((i) => leaf(tree, i))
        const before = yield* replica.countLeaves()
        yield* replica.apply(tree, { seq: 5, root: "r", checkpoint: "c", nodes: [], leaves })
        assert.strictEqual(yield* replica.countLeaves(), before + 5)
        const found = yield* replica.find({
          signatures: [leaves[0]!.mintedSignature!, "unknown"],
          assetIds: [leaves[1]!.assetId!],
          ticketIds: [leaves[2]!.ticketId!, leaves[0]!.ticketId!]
        })
        assert.deepStrictEqual(
          found.map((l) => l.leafIndex).sort((a, b) => a - b),
          [0, 1, 2]
        )
        assert.deepStrictEqual(yield* replica.find({}), [])
        assert.deepStrictEqual(
          Option.getOrThrow(yield* replica.findByAssetId(leaves[3]!.assetId!)),
          leaves[3]
        )
        assert.isTrue(Option.isNone(yield* replica.findByAssetId("no-such-asset")))

        const seen: Array<number> = []
        let cursor: string | null = null
        do {
          const page: { items: ReadonlyArray<ReplicaLeaf>; nextCursor: string | null } = yield* replica.scan(
            cursor,
            2
          )
          for (const l of page.items) if (l.tree === tree) seen.push(l.leafIndex)
          cursor = page.nextCursor
        } while (cursor !== null)
        assert.deepStrictEqual(seen, [0, 1, 2, 3, 10])
      })
    )

    test(
      "reset forgets the tree's replica and nothing else",
      Effect.gen(function* () {
        const replica = yield* ReplicaRepository
        const tree = F.uniqueId("tree")
        const kept = F.uniqueId("tree")
        for (const t of [tree, kept]) {
          yield* replica.apply(t, {
            seq: 1,
            root: "r",
            checkpoint: "c",
            nodes: [[1, hash(1)]],
            leaves: [leaf(t, 0)]
          })
        }
        yield* replica.reset(tree)
        assert.strictEqual((yield* replica.state(tree)).seq, null)
        assert.strictEqual((yield* replica.nodes(tree, [1])).size, 0)
        assert.strictEqual((yield* replica.leaves(tree, [0])).size, 0)
        assert.strictEqual((yield* replica.state(kept)).seq, 1)
        assert.strictEqual((yield* replica.leaves(kept, [0])).size, 1)
      })
    )
  })
