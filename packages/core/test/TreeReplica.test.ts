import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { keccak256, TreeReplica } from "../src/index.ts"

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")
const bytes = (text: string) => new TextEncoder().encode(text)

/** The root of a whole tree computed level by level, the slow and obvious way. */
const rootOfLeaves = (depth: number, leaves: ReadonlyMap<number, Uint8Array>) => {
  let level: Array<Uint8Array> = Array.from(
    { length: 2 ** depth },
    (_, i) => leaves.get(i) ?? new Uint8Array(32)
  )
  while (level.length > 1) {
    const next: Array<Uint8Array> = []
    for (let i = 0; i < level.length; i += 2) next.push(keccak256(level[i]!, level[i + 1]!))
    level = next
  }
  return level[0]!
}

/** What the chain logs when it writes `leaf` at `index`: the path recomputed, leaf first. */
const changeOf = (
  depth: number,
  leaves: Map<number, Uint8Array>,
  index: number,
  leaf: Uint8Array,
  seq: number
) => {
  leaves.set(index, leaf)
  const path = [leaf]
  for (let level = 1; level <= depth; level++) {
    // The node above the leaf at this level: the root of its subtree.
    const span = 2 ** level
    const start = Math.floor(index / span) * span
    const sub = new Map<number, Uint8Array>()
    for (let i = 0; i < span; i++) {
      const l = leaves.get(start + i)
      if (l !== undefined) sub.set(i, l)
    }
    path.push(rootOfLeaves(level, sub))
  }
  return { tree: "t", seq, leafIndex: index, path }
}

describe("Keccak-256", () => {
  it("matches the published vectors (the original padding, not SHA3-256)", () => {
    assert.strictEqual(hex(keccak256()), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
    assert.strictEqual(
      hex(keccak256(bytes("abc"))),
      "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    )
    assert.strictEqual(
      hex(keccak256(bytes("The quick brown fox jumps over the lazy dog"))),
      "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15"
    )
    // 64 zero bytes: the empty merkle node one level up, as every zero-hash table has it.
    assert.strictEqual(
      hex(keccak256(new Uint8Array(64))),
      "ad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5"
    )
  })

  it("hashes parts as their concatenation, across the 136-byte block boundary", () => {
    const long = new Uint8Array(300).map((_, i) => i % 251)
    for (const cut of [0, 1, 135, 136, 137, 272, 300]) {
      assert.strictEqual(hex(keccak256(long.subarray(0, cut), long.subarray(cut))), hex(keccak256(long)))
    }
  })
})

describe("TreeReplica", () => {
  it("numbers nodes as a heap: the root 1, leaf i at 2^depth + i", () => {
    assert.strictEqual(TreeReplica.nodeIndex(3, 0, 3), 1)
    assert.strictEqual(TreeReplica.nodeIndex(3, 5, 0), 13)
    assert.strictEqual(TreeReplica.nodeIndex(3, 5, 1), 6)
    assert.deepStrictEqual(TreeReplica.siblingIndexes(3, 5), [12, 7, 2])
    assert.strictEqual(TreeReplica.levelOf(3, 13), 0)
    assert.strictEqual(TreeReplica.levelOf(3, 1), 3)
  })

  it.prop(
    "applying every change in order gives the tree's root; a proof from the replica gives it too",
    [
      Schema.Array(
        Schema.Tuple([Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 15 })), Schema.String])
      ).check(Schema.isMinLength(1), Schema.isMaxLength(24))
    ],
    ([seeds]) => {
      // Leaves from seeds: a leaf is any 32 bytes, and a hash is as good as random here.
      const writes = seeds.map(([index, seed]) => [index, keccak256(bytes(seed))] as const)
      const depth = 4
      const chainLeaves = new Map<number, Uint8Array>()
      const nodes = new Map<number, Uint8Array>()
      writes.forEach(([index, leaf], seq) => {
        const change = changeOf(depth, chainLeaves, index, leaf, seq)
        const result = TreeReplica.applyChange(depth, (i) => nodes.get(i), change)
        assert.strictEqual(result._tag, "Applied")
        if (result._tag !== "Applied") return
        for (const [i, hash] of result.writes) nodes.set(i, hash)
        assert.strictEqual(hex(result.root), hex(rootOfLeaves(depth, chainLeaves)))
      })
      const root = nodes.get(1)!
      for (const [index, leaf] of chainLeaves) {
        const proof = TreeReplica.proofOf(depth, (i) => nodes.get(i), index)
        assert.strictEqual(hex(TreeReplica.rootFromProof(leaf, index, proof)), hex(root))
      }
    }
  )

  it("a change the replica missed shows as an inconsistent path at the next change beside it", () => {
    const depth = 3
    const chainLeaves = new Map<number, Uint8Array>()
    const nodes = new Map<number, Uint8Array>()
    const first = changeOf(depth, chainLeaves, 0, keccak256(bytes("a")), 1)
    const missed = changeOf(depth, chainLeaves, 1, keccak256(bytes("b")), 2)
    const next = changeOf(depth, chainLeaves, 2, keccak256(bytes("c")), 3)
    const applied = TreeReplica.applyChange(depth, (i) => nodes.get(i), first)
    assert.strictEqual(applied._tag, "Applied")
    if (applied._tag === "Applied") for (const [i, h] of applied.writes) nodes.set(i, h)
    void missed
    const result = TreeReplica.applyChange(depth, (i) => nodes.get(i), next)
    assert.strictEqual(result._tag, "Inconsistent")
    if (result._tag === "Inconsistent") assert.strictEqual(result.level, 2)
  })

  it("refuses a path of the wrong length or a leaf outside the tree", () => {
    const empty = TreeReplica.emptyNodes(3)
    assert.strictEqual(
      TreeReplica.applyChange(3, () => undefined, {
        tree: "t",
        seq: 0,
        leafIndex: 0,
        path: empty.slice(0, 3)
      })._tag,
      "Malformed"
    )
    assert.strictEqual(
      TreeReplica.applyChange(3, () => undefined, { tree: "t", seq: 0, leafIndex: 8, path: empty })._tag,
      "Malformed"
    )
    // The empty tree's change 0, as account compression logs it at creation.
    assert.strictEqual(
      TreeReplica.applyChange(3, () => undefined, { tree: "t", seq: 0, leafIndex: 0, path: empty })._tag,
      "Applied"
    )
  })

  it.prop(
    "a run of changes applied at once leaves the nodes and root that one at a time does",
    [
      Schema.Array(
        Schema.Tuple([Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 15 })), Schema.String])
      ).check(Schema.isMinLength(1), Schema.isMaxLength(24)),
      Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 24 }))
    ],
    ([seeds, runLength]) => {
      const depth = 4
      const chainLeaves = new Map<number, Uint8Array>()
      const changes = seeds.map(([index, seed], seq) =>
        changeOf(depth, chainLeaves, index, keccak256(bytes(seed)), seq)
      )
      const single = new Map<number, Uint8Array>()
      for (const change of changes) {
        const result = TreeReplica.applyChange(depth, (i) => single.get(i), change)
        if (result._tag === "Applied") for (const [i, hash] of result.writes) single.set(i, hash)
      }
      const batched = new Map<number, Uint8Array>()
      for (let start = 0; start < changes.length; start += runLength) {
        const result = TreeReplica.applyChanges(
          depth,
          (i) => batched.get(i),
          changes.slice(start, start + runLength)
        )
        assert.strictEqual(result._tag, "Applied")
        if (result._tag === "Applied") for (const [i, hash] of result.writes) batched.set(i, hash)
      }
      assert.deepStrictEqual(
        new Map([...batched].map(([i, h]) => [i, hex(h)])),
        new Map([...single].map(([i, h]) => [i, hex(h)]))
      )
      assert.strictEqual(hex(batched.get(1)!), hex(rootOfLeaves(depth, chainLeaves)))
    }
  )

  it("a run over a missed change is refused at the first change beside it, with the level", () => {
    const depth = 3
    const chainLeaves = new Map<number, Uint8Array>()
    const nodes = new Map<number, Uint8Array>()
    const first = changeOf(depth, chainLeaves, 0, keccak256(bytes("a")), 1)
    changeOf(depth, chainLeaves, 1, keccak256(bytes("b")), 2)
    const far = changeOf(depth, chainLeaves, 6, keccak256(bytes("c")), 3)
    const beside = changeOf(depth, chainLeaves, 2, keccak256(bytes("d")), 4)
    const applied = TreeReplica.applyChanges(depth, (i) => nodes.get(i), [first])
    assert.strictEqual(applied._tag, "Applied")
    if (applied._tag === "Applied") for (const [i, h] of applied.writes) nodes.set(i, h)
    // Leaf 6's path meets leaf 1's only at the root; leaf 2's at level 2.
    const result = TreeReplica.applyChanges(depth, (i) => nodes.get(i), [far, beside])
    assert.strictEqual(result._tag, "Refused")
    if (result._tag !== "Refused") return
    assert.strictEqual(result.at, 0)
    assert.deepStrictEqual(result.why._tag === "Inconsistent" ? result.why.level : null, 3)
  })

  it("a malformed change in a run is refused where it stands", () => {
    const empty = TreeReplica.emptyNodes(3)
    const ok = { tree: "t", seq: 0, leafIndex: 0, path: empty }
    const result = TreeReplica.applyChanges(3, () => undefined, [ok, { ...ok, seq: 1, leafIndex: 9 }])
    assert.strictEqual(result._tag, "Refused")
    if (result._tag === "Refused") {
      assert.strictEqual(result.at, 1)
      assert.strictEqual(result.why._tag, "Malformed")
    }
  })

  it("hashes a Bubblegum leaf over its fields (version 1, nonce little-endian)", () => {
    const key = "11111111111111111111111111111111"
    const leaf = { assetId: key, owner: key, delegate: key, nonce: 258, dataHash: key, creatorHash: key }
    const nonce = new Uint8Array(8)
    nonce[0] = 2
    nonce[1] = 1
    const zero = new Uint8Array(32)
    assert.strictEqual(
      hex(TreeReplica.leafHash(leaf)),
      hex(keccak256(new Uint8Array([1]), zero, zero, zero, nonce, zero, zero))
    )
  })
})
