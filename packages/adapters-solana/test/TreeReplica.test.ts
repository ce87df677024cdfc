/**
 * The tree replica against the real programs on the localnet: every change log of a tree, read
 * through scanTree and applied with core's rules, gives the root the tree account holds (its
 * change-log buffer wrapped several times over); a proof from the replica is one Bubblegum
 * accepts for a transfer and a burn; a holder's transfer and burn show in the leaves.
 */
import { assert, describe, layer } from "@effect/vitest"
import { burn, transfer } from "@metaplex-foundation/mpl-bubblegum"
import { generateSigner, publicKey, type Signer } from "@metaplex-foundation/umi"
import { base58 } from "@metaplex-foundation/umi/serializers"
import { Base58, ChainGateway, type TreeChange, TreeReplica } from "@tickettoken/minting-core"
import { Effect, Layer, Schedule } from "effect"
import { SPL_NOOP_PROGRAM } from "../src/LeafEvents.ts"
import { SolanaClient } from "../src/SolanaClient.ts"
import { makeTransactions } from "../src/Transactions.ts"
import { ACCOUNT_COMPRESSION_PROGRAM } from "../src/TreeAccount.ts"
import { gatewayLayer, localnetLayer, programsMissing } from "./TestLocalnet.ts"

const skip = programsMissing()
if (skip !== undefined) console.log(`TreeReplica (real Bubblegum) skipped: ${skip}`)

const DEPTH = 5
const BUFFER = 8

const metadata = (n: number) => ({
  name: `Ticket ${n}`,
  symbol: "TIX",
  uri: `https://mint.test/metadata/ticket-${n}`,
  sellerFeeBasisPoints: 0,
  creators: [],
  collection: null
})

/** The replica in memory: nodes by heap index, every change applied in order. */
const replicaOf = (changes: ReadonlyArray<TreeChange>) => {
  const nodes = new Map<number, Uint8Array>()
  let root: Uint8Array | undefined
  changes.forEach((c, i) => {
    assert.strictEqual(c.change.seq, i, "sequence numbers follow each other from 0")
    const result = TreeReplica.applyChange(DEPTH, (index) => nodes.get(index), c.change)
    assert.strictEqual(result._tag, "Applied", `change ${c.change.seq} applies`)
    if (result._tag !== "Applied") return
    for (const [index, hash] of result.writes) nodes.set(index, hash)
    root = result.root
  })
  return { nodes, root: root!, seq: changes.length - 1 }
}

const landed = (signature: string) =>
  Effect.flatMap(ChainGateway, (chain) =>
    chain
      .statuses([signature])
      .pipe(Effect.repeat({ until: ([o]) => o?.state === "landed", schedule: Schedule.spaced("10 millis") }))
  )

const allChanges = (tree: string) =>
  Effect.flatMap(ChainGateway, (chain) =>
    Effect.map(chain.scanTree(tree, null, 1_000), (page) => page.changes)
  )

describe.skipIf(skip !== undefined)("the tree replica on the real programs", () => {
  layer(gatewayLayer().pipe(Layer.provideMerge(localnetLayer())), {
    timeout: 120_000,
    excludeTestServices: true
  })((it) => {
    it.effect("replays every change to the chain's root, and its proofs move and burn a leaf", () =>
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const client = yield* SolanaClient
        const transactions = yield* makeTransactions(client)
        const created = yield* chain.createTree({ maxDepth: DEPTH, maxBufferSize: BUFFER, canopyDepth: 0 })
        yield* landed(created.signature)
        const holder: Signer = generateSigner(client.umi)

        // 20 mints: the 8-entry change-log buffer wraps twice.
        for (let n = 0; n < 20; n++) {
          const prepared = yield* chain.prepareMint({
            mintId: `m${n}`,
            owner: holder.publicKey,
            tree: created.address,
            metadata: metadata(n)
          })
          yield* chain.send(prepared.wire)
          yield* landed(prepared.signature)
        }
        const changes = yield* allChanges(created.address)
        assert.strictEqual(changes.length, 21, "the tree's creation and 20 mints")
        assert.isNull(changes[0]!.leaf, "creation logs the empty tree, no leaf")
        for (const c of changes.slice(1)) {
          assert.isNotNull(c.leaf)
          assert.strictEqual(c.leaf!.owner, holder.publicKey)
          assert.strictEqual(
            Base58.encode(TreeReplica.leafHash(c.leaf!)),
            Base58.encode(c.change.path[0]!),
            "the leaf event's fields hash to the leaf the change log wrote"
          )
          assert.strictEqual(c.mintedUri, `https://mint.test/metadata/ticket-${c.change.leafIndex}`)
        }
        let replica = replicaOf(changes)
        let observed = yield* chain.observeTrees([created.address, holder.publicKey, client.feePayer])
        const account = observed.trees[0]!
        assert.strictEqual(account._tag, "Tree")
        if (account._tag !== "Tree") return
        assert.strictEqual(account.seq, 20)
        assert.strictEqual(account.roots.size, BUFFER, "the buffer holds its last 8 roots")
        assert.strictEqual(
          account.roots.get(replica.seq),
          Base58.encode(replica.root),
          "the proof: same root"
        )
        assert.strictEqual(observed.trees[1]!._tag, "Missing")
        assert.strictEqual(observed.trees[2]!._tag, "Foreign", "the fee payer's account is no tree")
        assert.strictEqual(observed.genesisHash, yield* client.rpc.call<string>("getGenesisHash", []))

        // A replica that missed a change is caught by the next change beside it.
        const gapped = new Map<number, Uint8Array>()
        for (const c of changes.slice(0, 5)) {
          const r = TreeReplica.applyChange(DEPTH, (i) => gapped.get(i), c.change)
          if (r._tag === "Applied") for (const [i, h] of r.writes) gapped.set(i, h)
        }
        assert.strictEqual(
          TreeReplica.applyChange(DEPTH, (i) => gapped.get(i), changes[6]!.change)._tag,
          "Inconsistent"
        )

        // The holder transfers leaf 3 with a proof from the replica, then burns leaf 4.
        const receiver = generateSigner(client.umi).publicKey
        const proofFor = (index: number) =>
          TreeReplica.proofOf(DEPTH, (i) => replica.nodes.get(i), index).map((h) =>
            publicKey(base58.deserialize(h)[0])
          )
        const leafArgs = (index: number) => {
          const leaf = changes[index + 1]!.leaf!
          return {
            leafOwner: holder,
            merkleTree: publicKey(created.address),
            root: replica.root,
            dataHash: base58.serialize(leaf.dataHash),
            creatorHash: base58.serialize(leaf.creatorHash),
            nonce: leaf.nonce,
            index,
            proof: proofFor(index),
            logWrapper: publicKey(SPL_NOOP_PROGRAM),
            compressionProgram: publicKey(ACCOUNT_COMPRESSION_PROGRAM)
          }
        }
        const moved = yield* transactions.prepare(
          transfer(client.umi, { ...leafArgs(3), newLeafOwner: publicKey(receiver) })
        )
        yield* transactions.send(moved.wire)
        yield* landed(moved.signature)
        replica = replicaOf(yield* allChanges(created.address))
        const burned = yield* transactions.prepare(burn(client.umi, leafArgs(4)))
        yield* transactions.send(burned.wire)
        yield* landed(burned.signature)

        const after = yield* allChanges(created.address)
        assert.strictEqual(after.length, 23)
        const transferChange = after[21]!
        assert.strictEqual(transferChange.signature, moved.signature)
        assert.strictEqual(transferChange.change.leafIndex, 3)
        assert.strictEqual(transferChange.leaf?.owner, receiver)
        assert.strictEqual(transferChange.leaf?.assetId, changes[4]!.leaf!.assetId, "the same asset")
        assert.isNull(transferChange.mintedUri)
        const burnChange = after[22]!
        assert.strictEqual(burnChange.change.leafIndex, 4)
        assert.isNull(burnChange.leaf, "a burn logs no leaf")
        assert.isTrue(TreeReplica.isEmptyLeaf(burnChange.change.path[0]!))
        replica = replicaOf(after)
        observed = yield* chain.observeTrees([created.address])
        const now = observed.trees[0]!
        assert.strictEqual(now._tag === "Tree" ? now.roots.get(22) : undefined, Base58.encode(replica.root))
      })
    )
  })
})
