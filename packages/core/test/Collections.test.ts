import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Layer, Option } from "effect"
import {
  ChainGateway,
  Collection,
  CollectionCreation,
  CollectionRepository,
  Collections,
  MintingSettings,
  MintRequest,
  type Reconciliation,
  requestMint,
  TicketMetadataInput
} from "../src/index.ts"
import * as InMemory from "../src/testing/InMemory.ts"
import * as SimulatedChain from "../src/testing/SimulatedChain.ts"

const settings = {
  ...MintingSettings.defaultValue(),
  publicBaseUrl: "https://mint.test/",
  resendIntervalMs: 0,
  confirmPollMs: 10
}

const layer = () =>
  Layer.mergeAll(InMemory.layerInMemory, SimulatedChain.layer()).pipe(
    Layer.provideMerge(Layer.succeed(MintingSettings, settings))
  )

/** prepareCollection takes a while, as over a network: concurrent creations overlap. */
const slowSigning = Layer.effect(
  ChainGateway,
  Effect.map(ChainGateway, (inner) =>
    ChainGateway.of({
      ...inner,
      prepareCollection: (i) => Effect.delay(inner.prepareCollection(i), "20 millis")
    })
  )
)

const input = { id: "fest-2027", name: "Summer Festival", symbol: "FEST", maxSupply: 100 }

const refusal = <A, R>(effect: Effect.Effect<A, unknown, R>) =>
  Effect.flatMap(Effect.flip(effect), (e) =>
    Effect.succeed((e as { reason?: { _tag: string } }).reason?._tag ?? String(e))
  )

describe("Collections.creationStep", () => {
  type Input = Parameters<typeof Collections.creationStep>[0]
  const base: Input = {
    observed: { signature: "s", state: "absent" },
    blockHeight: 100,
    lastValidBlockHeight: 150,
    now: 10_000,
    deadline: 20_000,
    lastSend: 9_000,
    resendIntervalMs: 2_000
  }
  const landed = (err: string | null): Reconciliation.SignatureObservation => ({
    signature: "s",
    state: "landed",
    slot: 1,
    err
  })
  const cases: ReadonlyArray<readonly [string, Partial<Input>, string]> = [
    ["landed without error", { observed: landed(null) }, "Landed"],
    ["landed even past its last valid block", { observed: landed(null), blockHeight: 500 }, "Landed"],
    [
      "landed with an error: it created nothing",
      { observed: landed('{"InstructionError":[0,{"Custom":1}]}') },
      "SignAnew:failed"
    ],
    ["absent past its last valid block", { blockHeight: 151 }, "SignAnew:expired"],
    ["absent at its last valid block: it may still land", { blockHeight: 150 }, "Wait"],
    ["absent, never sent by this caller", { lastSend: 0 }, "Send"],
    ["absent, sent a resend interval ago", { lastSend: 8_000 }, "Send"],
    ["absent, sent just now", { lastSend: 9_500 }, "Wait"],
    ["absent, the wait is over", { now: 20_000 }, "GiveUp"],
    [
      "expired although the wait is over: signing anew comes first",
      { now: 20_000, blockHeight: 200 },
      "SignAnew:expired"
    ],
    ["not observed at all (no answer for it)", { observed: undefined, lastSend: 0 }, "Send"]
  ]
  for (const [title, change, expected] of cases) {
    it(title, () => {
      const step = Collections.creationStep({ ...base, ...change } as Parameters<
        typeof Collections.creationStep
      >[0])
      assert.strictEqual(step._tag === "SignAnew" ? `SignAnew:${step.reason}` : step._tag, expected)
    })
  }
})

describe("Collections", () => {
  it.live("creates the row and its NFT once; a retry with the same values creates nothing", () =>
    Effect.gen(function* () {
      const control = yield* SimulatedChain.SimulatedChainControl
      const first = yield* Collections.createCollection(input)
      assert.strictEqual(first.outcome, "created")
      assert.isNotNull(first.collection.collectionMint)
      assert.strictEqual(first.collection.uri, "https://mint.test/metadata/collections/fest-2027")
      const chain = yield* ChainGateway
      assert.deepStrictEqual(yield* chain.accountsExist([first.collection.collectionMint!]), [true])
      const calls = (yield* control.calls).prepareCollection
      const again = yield* Collections.createCollection(input)
      assert.strictEqual(again.outcome, "existing")
      assert.strictEqual(again.collection.collectionMint, first.collection.collectionMint)
      assert.strictEqual((yield* control.calls).prepareCollection, calls, "nothing signed again")
      assert.strictEqual(
        yield* refusal(Collections.createCollection({ ...input, name: "Other" })),
        "CollectionConflict"
      )
    }).pipe(Effect.provide(layer()))
  )

  it.live("concurrent creations of one collection send one transaction and agree on one NFT", () =>
    Effect.gen(function* () {
      const control = yield* SimulatedChain.SimulatedChainControl
      const results = yield* Effect.all(
        Array.from({ length: 5 }, () => Collections.createCollection(input)),
        { concurrency: "unbounded" }
      )
      const mints = new Set(results.map((r) => r.collection.collectionMint))
      assert.strictEqual(mints.size, 1)
      assert.isFalse(mints.has(null))
      assert.strictEqual(yield* control.sends, 1, "only the stored transaction was sent")
      assert.isAbove((yield* control.calls).prepareCollection ?? 0, 1, "the creations did overlap")
    }).pipe(
      Effect.provide(
        Layer.mergeAll(
          InMemory.layerInMemory,
          slowSigning.pipe(Layer.provideMerge(SimulatedChain.layer()))
        ).pipe(Layer.provideMerge(Layer.succeed(MintingSettings, settings)))
      )
    )
  )

  it.live("a creation stored but never sent (a crash) is resumed with the same bytes", () =>
    Effect.gen(function* () {
      const repo = yield* CollectionRepository
      const chain = yield* ChainGateway
      const control = yield* SimulatedChain.SimulatedChainControl
      // Sends lost until the process gives up: what a crash after storing leaves behind.
      yield* control.dropNextSends(1_000)
      const pending = yield* Collections.createCollection(input, { waitFor: "50 millis" })
      yield* control.dropNextSends(0)
      assert.strictEqual(pending.outcome, "pending")
      assert.isNull(pending.collection.collectionMint)
      const stored = Option.getOrThrow(yield* repo.creation(input.id))
      const resumed = yield* Collections.createCollection(input)
      assert.strictEqual(resumed.outcome, "created")
      assert.strictEqual(resumed.collection.collectionMint, stored.mint, "the stored bytes landed")
      assert.strictEqual((yield* control.calls).prepareCollection, 1, "signed once")
      assert.isTrue(Option.isNone(yield* repo.creation(input.id)))
      assert.deepStrictEqual(yield* chain.accountsExist([stored.mint]), [true])
    }).pipe(Effect.provide(layer()))
  )

  it.live("tickets are refused while the collection's NFT has not landed, then accepted into it", () =>
    Effect.gen(function* () {
      const control = yield* SimulatedChain.SimulatedChainControl
      yield* control.dropNextSends(1_000)
      yield* Collections.createCollection(input, { waitFor: "30 millis" })
      yield* control.dropNextSends(0)
      const ticket = new MintRequest({
        ticketId: "t-in-fest",
        orderId: "o-1",
        eventId: "e-1",
        owner: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin",
        collectionId: input.id,
        metadata: new TicketMetadataInput({ eventName: "Fest" })
      })
      assert.strictEqual(yield* refusal(requestMint(ticket)), "CollectionNotReady")
      yield* Collections.createCollection(input)
      const accepted = yield* requestMint(ticket)
      assert.isTrue(accepted.created)
    }).pipe(Effect.provide(layer()))
  )

  it.live("a creation whose blockhash expired unseen is signed anew (a new address)", () =>
    Effect.gen(function* () {
      const repo = yield* CollectionRepository
      const chain = yield* ChainGateway
      const control = yield* SimulatedChain.SimulatedChainControl
      yield* repo.create(
        new Collection({
          id: input.id,
          name: input.name,
          symbol: input.symbol,
          collectionMint: null,
          maxSupply: 100,
          currentSupply: 0,
          createdAt: yield* DateTime.now,
          uri: "https://mint.test/metadata/collections/fest-2027",
          sellerFeeBasisPoints: 0,
          metadata: {}
        })
      )
      const stale = yield* chain.prepareCollection({
        name: input.name,
        symbol: input.symbol,
        uri: "https://mint.test/metadata/collections/fest-2027",
        sellerFeeBasisPoints: 0
      })
      yield* repo.recordCreation(
        input.id,
        new CollectionCreation({ ...stale, signedAt: yield* DateTime.now }),
        null
      )
      yield* control.advance(500)
      const created = yield* Collections.createCollection(input)
      assert.strictEqual(created.outcome, "created")
      assert.notStrictEqual(created.collection.collectionMint, stale.mint)
      assert.deepStrictEqual(yield* chain.accountsExist([stale.mint]), [false])
    }).pipe(Effect.provide(layer()))
  )

  it.live("update: max supply never below the supply taken; metadata replaced; unknown is refused", () =>
    Effect.gen(function* () {
      const repo = yield* CollectionRepository
      yield* Collections.createCollection({ ...input, maxSupply: 3 })
      yield* repo.reserve(input.id)
      yield* repo.reserve(input.id)
      assert.strictEqual(
        yield* refusal(Collections.updateCollection(input.id, { maxSupply: 1 })),
        "MaxSupplyBelowSupply"
      )
      const updated = yield* Collections.updateCollection(input.id, {
        maxSupply: 2,
        metadata: { description: "Now with a description" }
      })
      assert.strictEqual(updated.collection.maxSupply, 2)
      assert.deepStrictEqual(updated.collection.metadata, { description: "Now with a description" })
      assert.strictEqual(updated.treeCount, 0)
      assert.strictEqual(
        yield* refusal(Collections.updateCollection("nope", { maxSupply: 5 })),
        "CollectionNotFound"
      )
      assert.strictEqual(
        yield* refusal(Collections.createCollection({ ...input, id: "x", name: "" })),
        "InvalidCollection"
      )
      const listed = yield* Collections.listCollections()
      assert.deepStrictEqual(
        listed.map((d) => d.collection.id),
        [input.id]
      )
    }).pipe(Effect.provide(layer()))
  )
})
