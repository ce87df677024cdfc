/**
 * What every ChainGateway must do, the simulated chain and a real one alike. The worker and the
 * reconciler rely on exactly these: a prepared signature is unknown to the chain until it is
 * sent; the same bytes land at most once; statuses answer in order for any number of
 * signatures; a blockhash that expires unseen stays unseen; leaves carry the owner, the tree,
 * consecutive indexes and the data hash `hashMetadata` predicts; a tree scan finds every leaf
 * once, oldest first, resuming from a checkpoint.
 *
 * Each case runs on a fresh build of the layer, with the real clock (chains move on their own).
 * Where chains differ the caller passes hooks: how to add blocks, how to empty the fee payer.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, type Layer, Option, Schedule } from "effect"
import * as Base58 from "../../Base58.ts"
import type { ChainError } from "../../ChainError.ts"
import type { MintedAsset } from "../../Mint.ts"
import { ChainGateway, type CreateTreeInput, type TreeScanPage } from "../../ports/ChainGateway.ts"
import type { SignatureObservation } from "../../Reconciliation.ts"
import type { OnChainMetadata } from "../../TicketMetadata.ts"

export interface ChainGatewayContractOptions<R> {
  /** Makes the chain produce `count` blocks now (expiring a blockhash without waiting ~60 s). */
  readonly advanceBlocks: (count: number) => Effect.Effect<void, never, R>
  /** Leaves the fee payer unable to pay a fee; the case is skipped without it. */
  readonly drainFeePayer?: (() => Effect.Effect<void, never, R>) | undefined
  /** A collection mint the fee payer may mint into; the collection case is skipped without it. */
  readonly collection?: Effect.Effect<string, never, R> | undefined
  /** The tree most cases mint into (14/64/0 unless given). */
  readonly tree?: CreateTreeInput | undefined
  /** How long a sent transaction may take to land (20 s). */
  readonly landingTimeout?: Duration.Input | undefined
  /** Between two status reads while waiting (25 ms). */
  readonly pollInterval?: Duration.Input | undefined
  /** Set when the chain cannot run here; every case is skipped and the reason printed once. */
  readonly skip?: string | undefined
}

const randomBase58 = (bytes: number) =>
  Base58.encode(globalThis.crypto.getRandomValues(new Uint8Array(bytes)))
/** A fresh address nobody holds a key for: owners need none to receive a leaf. */
export const randomAddress = (): string => randomBase58(32)
/** A well-formed signature no chain has seen. */
export const randomSignature = (): string => randomBase58(64)

export const ticketMetadata = (n: number, collection: string | null = null): OnChainMetadata => ({
  name: `Ticket #${n}`,
  symbol: "TCKT",
  uri: `https://tickets.example/metadata/ticket-${n}`,
  sellerFeeBasisPoints: 0,
  creators: [],
  collection
})

const smallTree: CreateTreeInput = { maxDepth: 3, maxBufferSize: 8, canopyDepth: 0 }

export const suite = <R, E>(
  name: string,
  layer: Layer.Layer<ChainGateway | R, E>,
  options: ChainGatewayContractOptions<R>
) =>
  describe(`ChainGateway contract: ${name}`, () => {
    const treeShape = options.tree ?? { maxDepth: 14, maxBufferSize: 64, canopyDepth: 0 }
    const landingTimeout = options.landingTimeout ?? Duration.seconds(20)
    const pollInterval = options.pollInterval ?? Duration.millis(25)
    const skip = options.skip

    const test = (
      title: string,
      body: Effect.Effect<void, E | ChainError, ChainGateway | R>,
      enabled = true
    ) =>
      skip !== undefined || !enabled
        ? it.skip(title, () => Effect.void)
        : it.live(title, () => Effect.provide(body, layer), 120_000)

    /** Polls statuses until every signature has landed; fails the case on timeout. */
    const awaitLanded = (signatures: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        return yield* chain.statuses(signatures).pipe(
          Effect.repeat({
            until: (observed) => observed.every((o) => o.state === "landed"),
            schedule: Schedule.spaced(pollInterval)
          }),
          Effect.timeoutOrElse({
            duration: landingTimeout,
            orElse: () =>
              Effect.die(
                new Error(`not landed within ${Duration.format(Duration.fromInputUnsafe(landingTimeout))}`)
              )
          })
        )
      })

    const landedSlot = (observation: SignatureObservation | undefined) => {
      assert.isDefined(observation)
      assert.strictEqual(observation!.state, "landed")
      return observation!.state === "landed" ? observation!.slot : -1
    }

    const createTree = (shape: CreateTreeInput = treeShape) =>
      Effect.flatMap(ChainGateway, (chain) => chain.createTree(shape))

    const prepare = (tree: string, n: number, owner = randomAddress(), collection: string | null = null) =>
      Effect.flatMap(ChainGateway, (chain) =>
        chain.prepareMint({ mintId: `mint-${n}`, owner, tree, metadata: ticketMetadata(n, collection) })
      )

    /** Prepares, sends and waits for each mint in turn. */
    const mintInOrder = (tree: string, count: number, from = 0) =>
      Effect.forEach(
        Array.from({ length: count }, (_, i) => from + i),
        (n) =>
          Effect.gen(function* () {
            const chain = yield* ChainGateway
            const prepared = yield* prepare(tree, n)
            yield* chain.send(prepared.wire)
            yield* awaitLanded([prepared.signature])
            return prepared
          })
      )

    /** Adds blocks until the block height is past `lastValidBlockHeight`. */
    const expire = (lastValidBlockHeight: number) =>
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const height = yield* chain.blockHeight
        if (height <= lastValidBlockHeight) yield* options.advanceBlocks(lastValidBlockHeight - height + 2)
        return yield* chain.blockHeight.pipe(
          Effect.repeat({ until: (h) => h > lastValidBlockHeight, schedule: Schedule.spaced(pollInterval) }),
          Effect.timeoutOrElse({
            duration: landingTimeout,
            orElse: () => Effect.die(new Error("the block height never passed lastValidBlockHeight"))
          })
        )
      })

    /** The ChainError an effect fails with; the case fails if it succeeds. */
    const failureOf = <A>(effect: Effect.Effect<A, ChainError | E, ChainGateway | R>) =>
      Effect.gen(function* () {
        const result = yield* Effect.result(effect)
        if (result._tag === "Success")
          return yield* Effect.die(new Error("expected a ChainError; it succeeded"))
        const error = result.failure
        assert.strictEqual(
          (error as { _tag?: string })._tag,
          "ChainError",
          `expected a ChainError: ${String(error)}`
        )
        return error as ChainError
      })

    if (skip !== undefined) {
      it("is skipped", () => {
        console.log(`ChainGateway contract: ${name}: skipped: ${skip}`)
      })
    }

    test(
      "prepareMint signs without sending: the signature is absent until sent, then lands",
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const tree = yield* createTree()
        const metadata = ticketMetadata(1)
        const height = yield* chain.blockHeight
        const prepared = yield* chain.prepareMint({
          mintId: "mint-1",
          owner: randomAddress(),
          tree: tree.address,
          metadata
        })
        assert.strictEqual(prepared.tree, tree.address)
        assert.isAbove(prepared.wire.length, 0)
        assert.isAtLeast(prepared.lastValidBlockHeight, height)
        assert.strictEqual(prepared.dataHash, yield* chain.hashMetadata(metadata))
        const [before] = yield* chain.statuses([prepared.signature])
        assert.deepStrictEqual(before, { signature: prepared.signature, state: "absent" })
        yield* chain.send(prepared.wire)
        const [after] = yield* awaitLanded([prepared.signature])
        assert.strictEqual(after!.signature, prepared.signature)
        assert.isTrue(after!.state === "landed" && after!.err === null)
      })
    )

    test(
      "the same wire sent twice, before and after it lands, mints once",
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const tree = yield* createTree()
        const prepared = yield* prepare(tree.address, 1)
        yield* chain.send(prepared.wire)
        yield* chain.send(prepared.wire)
        yield* awaitLanded([prepared.signature])
        yield* chain.send(prepared.wire)
        const scan = yield* chain.scanTree(tree.address, null, 1_000)
        assert.deepStrictEqual(
          scan.leaves.map((l) => l.signature),
          [prepared.signature]
        )
      })
    )

    test(
      "statuses answer more than 256 signatures in order, unknown ones absent",
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const tree = yield* createTree()
        const minted = yield* mintInOrder(tree.address, 3)
        const unknown = Array.from({ length: 300 }, randomSignature)
        // The landed ones sit in the first batch, on a batch boundary and in the last batch.
        const signatures = [...unknown]
        signatures.splice(0, 0, minted[0]!.signature)
        signatures.splice(256, 0, minted[1]!.signature)
        signatures.push(minted[2]!.signature)
        const observed = yield* chain.statuses(signatures)
        assert.deepStrictEqual(
          observed.map((o) => o.signature),
          signatures
        )
        const landed = new Set(minted.map((m) => m.signature))
        for (const o of observed) assert.strictEqual(o.state, landed.has(o.signature) ? "landed" : "absent")
        assert.deepStrictEqual(yield* chain.statuses([]), [])
      })
    )

    test(
      "an unknown signature is absent, and mintedLeaf knows no leaf for it",
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const signature = randomSignature()
        assert.deepStrictEqual(yield* chain.statuses([signature]), [{ signature, state: "absent" }])
        assert.isTrue(Option.isNone(yield* chain.mintedLeaf(signature)))
      })
    )

    test(
      "the block height advances on its own",
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const start = yield* chain.blockHeight
        const later = yield* chain.blockHeight.pipe(
          Effect.repeat({ until: (h) => h > start, schedule: Schedule.spaced(Duration.millis(50)) }),
          Effect.timeoutOrElse({
            duration: Duration.seconds(30),
            orElse: () => Effect.die(new Error("the block height did not move in 30 s"))
          })
        )
        assert.isAbove(later, start)
      })
    )

    test(
      "a blockhash that expires unseen: the signature stays absent, even if sent late",
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const tree = yield* createTree()
        const prepared = yield* prepare(tree.address, 1)
        const height = yield* expire(prepared.lastValidBlockHeight)
        assert.isAbove(height, prepared.lastValidBlockHeight)
        assert.deepStrictEqual(yield* chain.statuses([prepared.signature]), [
          { signature: prepared.signature, state: "absent" }
        ])
        // Too late: the chain refuses it (BlockhashNotFound) or drops it silently.
        const late = yield* Effect.result(chain.send(prepared.wire))
        if (late._tag === "Failure") assert.strictEqual(late.failure.reason._tag, "BlockhashNotFound")
        yield* Effect.sleep(Duration.millis(200))
        assert.deepStrictEqual(yield* chain.statuses([prepared.signature]), [
          { signature: prepared.signature, state: "absent" }
        ])
        assert.isTrue(Option.isNone(yield* chain.mintedLeaf(prepared.signature)))
      })
    )

    test(
      "mintedLeaf returns the leaf: owner, tree, index, and the data hash hashMetadata predicts",
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const tree = yield* createTree()
        const owner = randomAddress()
        const metadata = ticketMetadata(7)
        const prepared = yield* chain.prepareMint({ mintId: "mint-7", owner, tree: tree.address, metadata })
        yield* chain.send(prepared.wire)
        const [status] = yield* awaitLanded([prepared.signature])
        const leaf = Option.getOrThrow(yield* chain.mintedLeaf(prepared.signature))
        assert.strictEqual(leaf.owner, owner)
        assert.strictEqual(leaf.tree, tree.address)
        assert.strictEqual(leaf.leafIndex, 0)
        assert.strictEqual(leaf.signature, prepared.signature)
        assert.strictEqual(leaf.slot, landedSlot(status))
        assert.strictEqual(leaf.dataHash, prepared.dataHash)
        assert.strictEqual(leaf.dataHash, yield* chain.hashMetadata(metadata))
        assert.notStrictEqual(leaf.dataHash, yield* chain.hashMetadata(ticketMetadata(8)))
        assert.isTrue(Base58.isPublicKey(leaf.assetId))
      })
    )

    test(
      "consecutive mints get consecutive leaf indexes and distinct asset ids",
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const tree = yield* createTree()
        const minted = yield* mintInOrder(tree.address, 3)
        const leaves = yield* Effect.forEach(minted, (m) =>
          Effect.map(chain.mintedLeaf(m.signature), Option.getOrThrow)
        )
        assert.deepStrictEqual(
          leaves.map((l) => l.leafIndex),
          [0, 1, 2]
        )
        assert.strictEqual(new Set(leaves.map((l) => l.assetId)).size, 3)
      })
    )

    test(
      "scanTree finds every leaf oldest first, resumes from a checkpoint, and pages by limit",
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const tree = yield* createTree()
        const first = yield* mintInOrder(tree.address, 3)
        const all = yield* chain.scanTree(tree.address, null, 1_000)
        assert.deepStrictEqual(
          all.leaves.map((l) => [l.signature, l.leafIndex]),
          first.map((m, i) => [m.signature, i])
        )
        assert.isTrue(all.done)
        assert.strictEqual(all.checkpoint, first[2]!.signature)

        const second = yield* mintInOrder(tree.address, 2, 3)
        const newer = yield* chain.scanTree(tree.address, all.checkpoint, 1_000)
        assert.deepStrictEqual(
          newer.leaves.map((l) => [l.signature, l.leafIndex]),
          second.map((m, i) => [m.signature, 3 + i])
        )
        const nothing = yield* chain.scanTree(tree.address, newer.checkpoint, 1_000)
        assert.deepStrictEqual(nothing.leaves, [])
        assert.strictEqual(nothing.checkpoint, newer.checkpoint)
        assert.isTrue(nothing.done)

        // One signature per page: every leaf exactly once, in order, whatever the chain lists.
        const paged: Array<MintedAsset> = []
        let checkpoint: string | null = null
        for (let pages = 0; pages < 50; pages++) {
          const page: TreeScanPage = yield* chain.scanTree(tree.address, checkpoint, 1)
          paged.push(...page.leaves)
          checkpoint = page.checkpoint
          if (page.done) break
        }
        assert.deepStrictEqual(
          paged.map((l) => l.signature),
          [...first, ...second].map((m) => m.signature)
        )
      })
    )

    test(
      "createTree yields a usable tree of the asked shape",
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const tree = yield* createTree(smallTree)
        assert.deepStrictEqual(
          { maxDepth: tree.maxDepth, maxBufferSize: tree.maxBufferSize, canopyDepth: tree.canopyDepth },
          smallTree
        )
        assert.isTrue(Base58.isPublicKey(tree.address))
        assert.isAtLeast(tree.rentLamports, 0)
        const other = yield* createTree(smallTree)
        assert.notStrictEqual(other.address, tree.address)
        const [minted] = yield* mintInOrder(tree.address, 1)
        const leaf = Option.getOrThrow(yield* chain.mintedLeaf(minted!.signature))
        assert.strictEqual(leaf.tree, tree.address)
      })
    )

    test(
      "a full tree refuses the next mint with TreeFull, before anything is sent",
      Effect.gen(function* () {
        const tree = yield* createTree(smallTree)
        yield* mintInOrder(tree.address, 2 ** smallTree.maxDepth)
        const error = yield* failureOf(prepare(tree.address, 99))
        assert.strictEqual(error.reason._tag, "TreeFull")
        assert.isFalse(error.retryable)
      })
    )

    test(
      "a tree the chain does not hold: prepareMint fails with TreeMissing; accountsExist tells which exist",
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const tree = yield* createTree(smallTree)
        const nowhere = randomAddress()
        const error = yield* failureOf(prepare(nowhere, 1))
        assert.deepStrictEqual(
          { tag: error.reason._tag, tree: (error.reason as { tree?: string }).tree },
          {
            tag: "TreeMissing",
            tree: nowhere
          }
        )
        assert.deepStrictEqual(yield* chain.accountsExist([tree.address, nowhere]), [true, false])
        assert.deepStrictEqual(yield* chain.accountsExist([]), [])
      })
    )

    test(
      "a mint that lands after its tree filled is reported landed with TreeFull as its reason",
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const tree = yield* createTree(smallTree)
        yield* mintInOrder(tree.address, 2 ** smallTree.maxDepth - 1)
        // Both signed while one leaf is left; only one can have it.
        const a = yield* prepare(tree.address, 100)
        const b = yield* prepare(tree.address, 101)
        yield* chain.send(a.wire)
        yield* awaitLanded([a.signature])
        yield* chain.send(b.wire)
        const [second] = yield* awaitLanded([b.signature])
        assert.strictEqual(second?.state, "landed")
        if (second?.state !== "landed") return
        assert.isNotNull(second.err)
        assert.strictEqual(second.reason?._tag, "TreeFull")
      })
    )

    test(
      "bad input is an InvalidRequest, never retried",
      Effect.gen(function* () {
        const tree = yield* createTree()
        const badOwner = yield* failureOf(prepare(tree.address, 1, "not-an-address"))
        assert.strictEqual(badOwner.reason._tag, "InvalidRequest")
        assert.isFalse(badOwner.retryable)
        const badTree = yield* failureOf(prepare(randomAddress(), 1))
        assert.isFalse(badTree.retryable)
      })
    )

    test(
      "a fee payer that cannot pay: prepareMint fails with InsufficientFunds, never retried",
      Effect.gen(function* () {
        const tree = yield* createTree()
        yield* options.drainFeePayer!()
        const error = yield* failureOf(prepare(tree.address, 1))
        assert.strictEqual(error.reason._tag, "InsufficientFunds")
        assert.isFalse(error.retryable)
      }),
      options.drainFeePayer !== undefined
    )

    test(
      "a mint into a collection lands, and its data hash is hashMetadata's with the collection",
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const collection = yield* options.collection!
        const tree = yield* createTree()
        const metadata = ticketMetadata(3, collection)
        const prepared = yield* chain.prepareMint({
          mintId: "mint-3",
          owner: randomAddress(),
          tree: tree.address,
          metadata
        })
        assert.strictEqual(prepared.dataHash, yield* chain.hashMetadata(metadata))
        assert.notStrictEqual(prepared.dataHash, yield* chain.hashMetadata(ticketMetadata(3)))
        yield* chain.send(prepared.wire)
        yield* awaitLanded([prepared.signature])
        const leaf = Option.getOrThrow(yield* chain.mintedLeaf(prepared.signature))
        assert.strictEqual(leaf.dataHash, prepared.dataHash)
      }),
      options.collection !== undefined
    )

    test(
      "prepareCollection signs without sending; sent, it creates a collection that tickets mint into",
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const prepared = yield* chain.prepareCollection({
          name: "Contract Collection",
          symbol: "CC",
          uri: "https://tickets.example/collection.json",
          sellerFeeBasisPoints: 0
        })
        assert.deepStrictEqual(yield* chain.statuses([prepared.signature]), [
          { signature: prepared.signature, state: "absent" }
        ])
        assert.deepStrictEqual(yield* chain.accountsExist([prepared.mint]), [false])
        assert.isAbove(prepared.lastValidBlockHeight, yield* chain.blockHeight)
        yield* chain.send(prepared.wire)
        const [landed] = yield* awaitLanded([prepared.signature])
        assert.strictEqual(landed!.state === "landed" ? landed!.err : "absent", null)
        assert.deepStrictEqual(yield* chain.accountsExist([prepared.mint]), [true])
        // The same bytes again change nothing (a resend after a crash).
        yield* chain.send(prepared.wire)
        const tree = yield* createTree()
        const metadata = ticketMetadata(4, prepared.mint)
        const mint = yield* chain.prepareMint({
          mintId: "mint-4",
          owner: randomAddress(),
          tree: tree.address,
          metadata
        })
        yield* chain.send(mint.wire)
        yield* awaitLanded([mint.signature])
        const leaf = Option.getOrThrow(yield* chain.mintedLeaf(mint.signature))
        assert.strictEqual(leaf.dataHash, yield* chain.hashMetadata(metadata))
        const invalid = yield* failureOf(
          chain.prepareCollection({ name: "x".repeat(33), symbol: "", uri: "", sellerFeeBasisPoints: 0 })
        )
        assert.strictEqual(invalid.reason._tag, "InvalidRequest")
      })
    )

    test(
      "info names the fee payer and the chain's height; rpcCalls counts requests",
      Effect.gen(function* () {
        const chain = yield* ChainGateway
        const before = yield* chain.rpcCalls
        const info = yield* chain.info
        assert.include(["simulated", "localnet", "cluster"], info.kind)
        assert.isAbove(info.feePayer.length, 0)
        assert.isAtLeast(info.blockHeight, 0)
        assert.isAtLeast(info.slot, info.blockHeight)
        assert.isAbove(info.feePayerLamports, 0)
        assert.isAbove(yield* chain.rpcCalls, before)
      })
    )
  })
