/**
 * What every Transactor must do, together with the repositories it spans: everything written
 * inside a transaction that fails is gone, across ports. Each case runs on a fresh build.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, type Layer, Option, Schema } from "effect"
import { Mint } from "../../Mint.ts"
import { CollectionRepository } from "../../ports/CollectionRepository.ts"
import { MetadataStore } from "../../ports/MetadataStore.ts"
import { MintRepository } from "../../ports/MintRepository.ts"
import { Outbox } from "../../ports/Outbox.ts"
import { Transactor } from "../../ports/Transactor.ts"
import { TreeRegistry } from "../../ports/TreeRegistry.ts"
import type { RepositoryError } from "../../RepositoryError.ts"
import { document } from "../../TicketMetadata.ts"
import * as F from "./Fixtures.ts"

export type Services =
  | Transactor
  | MintRepository
  | Outbox
  | CollectionRepository
  | TreeRegistry
  | MetadataStore

class Boom extends Schema.TaggedError<Boom>()("Boom", { step: Schema.String }) {}

/** Writes to every port, as completing a mint does; returns what it wrote. */
const writeEverything = (collectionId: string, treeAddress: string) =>
  Effect.gen(function* () {
    const mints = yield* MintRepository
    const outbox = yield* Outbox
    const collections = yield* CollectionRepository
    const trees = yield* TreeRegistry
    const metadata = yield* MetadataStore
    const { mint } = yield* mints.create(F.mint())
    const tx = F.signedTransaction()
    const saved = yield* mints.save(new Mint({ ...mint, status: "minting", transaction: tx }), mint.version)
    yield* mints.recordAttempt(F.attempt(mint.id, tx.signature, 1, F.at(1)))
    const event = F.outboxEvent(F.at(1))
    yield* outbox.append(event)
    yield* collections.reserve(collectionId)
    yield* trees.recordMinted(treeAddress)
    yield* metadata.put(mint.ticketId, document(mint.request, F.at(0)))
    return { mint: saved, signature: tx.signature, event }
  })

const setUp = Effect.gen(function* () {
  const collection = yield* (yield* CollectionRepository).create(F.collection(5))
  const tree = F.tree("active")
  yield* (yield* TreeRegistry).register(tree)
  return { collectionId: collection.id, treeAddress: tree.address }
})

/** Nothing of a rolled-back `writeEverything` may be seen. */
const assertNothingWritten = (collectionId: string, treeAddress: string) =>
  Effect.gen(function* () {
    const mints = yield* MintRepository
    const counts = yield* mints.countByStatus()
    assert.strictEqual(
      Object.values(counts).reduce((a, b) => a + b, 0),
      0
    )
    assert.strictEqual((yield* mints.scan(["pending", "minting"], null, 10)).items.length, 0)
    assert.strictEqual((yield* (yield* Outbox).unsent(10)).length, 0)
    assert.strictEqual(
      Option.getOrThrow(yield* (yield* CollectionRepository).get(collectionId)).currentSupply,
      0
    )
    assert.strictEqual(Option.getOrThrow(yield* (yield* TreeRegistry).get(treeAddress)).minted, 0)
  })

export const suite = <E>(name: string, layer: Layer.Layer<Services, E>) =>
  describe(`Transactor contract: ${name}`, () => {
    const test = (title: string, body: Effect.Effect<void, E | RepositoryError | Boom, Services>) =>
      it.live(title, () => Effect.provide(body, layer), 30_000)

    test(
      "a transaction that succeeds commits every write",
      Effect.gen(function* () {
        const { collectionId, treeAddress } = yield* setUp
        const tx = yield* Transactor
        const written = yield* tx.withTransaction(writeEverything(collectionId, treeAddress))
        const mints = yield* MintRepository
        const stored = Option.getOrThrow(yield* mints.get(written.mint.id))
        assert.strictEqual(stored.version, written.mint.version)
        assert.strictEqual(Option.getOrThrow(yield* mints.findBySignature(written.signature)).id, stored.id)
        assert.deepStrictEqual(
          (yield* (yield* Outbox).unsent(10)).map((e) => e.id),
          [written.event.id]
        )
        assert.strictEqual(
          Option.getOrThrow(yield* (yield* CollectionRepository).get(collectionId)).currentSupply,
          1
        )
        assert.strictEqual(Option.getOrThrow(yield* (yield* TreeRegistry).get(treeAddress)).minted, 1)
        assert.isTrue(Option.isSome(yield* (yield* MetadataStore).get(stored.ticketId)))
      })
    )

    test(
      "a transaction that fails leaves nothing written, in any port, and its error passes through",
      Effect.gen(function* () {
        const { collectionId, treeAddress } = yield* setUp
        const tx = yield* Transactor
        let ticketId = ""
        const error = yield* F.failureOf(
          tx.withTransaction(
            Effect.gen(function* () {
              const written = yield* writeEverything(collectionId, treeAddress)
              ticketId = written.mint.ticketId
              return yield* new Boom({ step: "after every write" })
            })
          )
        )
        assert.strictEqual(error._tag, "Boom")
        yield* assertNothingWritten(collectionId, treeAddress)
        assert.isTrue(Option.isNone(yield* (yield* MetadataStore).get(ticketId)))
      })
    )

    test(
      "a defect inside a transaction rolls it back too",
      Effect.gen(function* () {
        const { collectionId, treeAddress } = yield* setUp
        const tx = yield* Transactor
        const exit = yield* Effect.exit(
          tx.withTransaction(Effect.andThen(writeEverything(collectionId, treeAddress), Effect.die("crash")))
        )
        assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
        yield* assertNothingWritten(collectionId, treeAddress)
      })
    )

    test(
      "a refused write (StaleVersion) aborts the whole transaction",
      Effect.gen(function* () {
        const { collectionId, treeAddress } = yield* setUp
        const mints = yield* MintRepository
        const outside = (yield* mints.create(F.mint())).mint
        const tx = yield* Transactor
        const error = yield* F.failureOf(
          tx.withTransaction(
            Effect.gen(function* () {
              yield* writeEverything(collectionId, treeAddress)
              yield* mints.save(outside, outside.version + 7)
            })
          )
        )
        assert.strictEqual(error._tag === "RepositoryError" ? error.reason._tag : error._tag, "StaleVersion")
        const counts = yield* mints.countByStatus()
        assert.strictEqual(counts.pending, 1)
        assert.strictEqual(counts.minting, 0)
        assert.strictEqual((yield* (yield* Outbox).unsent(10)).length, 0)
        assert.strictEqual(
          Option.getOrThrow(yield* (yield* CollectionRepository).get(collectionId)).currentSupply,
          0
        )
      })
    )

    test(
      "after a rollback the next transaction commits normally",
      Effect.gen(function* () {
        const { collectionId, treeAddress } = yield* setUp
        const tx = yield* Transactor
        yield* Effect.exit(
          tx.withTransaction(
            Effect.andThen(writeEverything(collectionId, treeAddress), new Boom({ step: "x" }))
          )
        )
        const written = yield* tx.withTransaction(writeEverything(collectionId, treeAddress))
        assert.isTrue(Option.isSome(yield* (yield* MintRepository).get(written.mint.id)))
        assert.strictEqual(
          Option.getOrThrow(yield* (yield* CollectionRepository).get(collectionId)).currentSupply,
          1
        )
      })
    )

    test(
      "concurrent transactions that reserve supply and create a mint: only those within the supply commit",
      Effect.gen(function* () {
        const collections = yield* CollectionRepository
        const mints = yield* MintRepository
        const tx = yield* Transactor
        const c = yield* collections.create(F.collection(5))
        const outcomes = yield* Effect.forEach(
          Array.from({ length: 12 }, () => F.mint()),
          (m) =>
            Effect.result(
              tx.withTransaction(
                Effect.gen(function* () {
                  yield* mints.create(m)
                  yield* collections.reserve(c.id)
                })
              )
            ),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(outcomes.filter((o) => o._tag === "Success").length, 5)
        assert.strictEqual((yield* mints.countByStatus()).pending, 5)
        assert.strictEqual(Option.getOrThrow(yield* collections.get(c.id)).currentSupply, 5)
      })
    )
  })
