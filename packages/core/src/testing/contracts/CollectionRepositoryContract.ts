/** What every CollectionRepository must do; each case runs on a fresh build of the layer. */
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, type Layer, Option } from "effect"
import { Collection, CollectionCreation } from "../../Collection.ts"
import { CollectionRepository } from "../../ports/CollectionRepository.ts"
import type { RepositoryError } from "../../RepositoryError.ts"
import * as F from "./Fixtures.ts"

export const suite = <E>(name: string, layer: Layer.Layer<CollectionRepository, E>) =>
  describe(`CollectionRepository contract: ${name}`, () => {
    const test = (title: string, body: Effect.Effect<void, E | RepositoryError, CollectionRepository>) =>
      it.live(title, () => Effect.provide(body, layer), 30_000)

    test(
      "create, get and list; a second create of one id is refused",
      Effect.gen(function* () {
        const repo = yield* CollectionRepository
        const a = F.collection(100)
        const b = F.collection(null)
        assert.deepStrictEqual(yield* repo.create(a), a)
        yield* repo.create(b)
        assert.deepStrictEqual(Option.getOrThrow(yield* repo.get(a.id)), a)
        assert.isTrue(Option.isNone(yield* repo.get("no-such-collection")))
        const listed = yield* repo.list()
        assert.deepStrictEqual(listed.map((c) => c.id).sort(), [a.id, b.id].sort())
        const duplicate = yield* F.failureOf(repo.create(a))
        assert.strictEqual(duplicate.reason._tag, "ConstraintViolated")
      })
    )

    test(
      "reserve counts up to the max supply, then refuses with ConstraintViolated(max_supply)",
      Effect.gen(function* () {
        const repo = yield* CollectionRepository
        const c = yield* repo.create(F.collection(3))
        for (let i = 1; i <= 3; i++) assert.strictEqual((yield* repo.reserve(c.id)).currentSupply, i)
        const full = yield* F.failureOf(repo.reserve(c.id))
        assert.strictEqual(full.reason._tag, "ConstraintViolated")
        if (full.reason._tag === "ConstraintViolated")
          assert.strictEqual(full.reason.constraint, "max_supply")
        assert.strictEqual(Option.getOrThrow(yield* repo.get(c.id)).currentSupply, 3)
        const missing = yield* F.failureOf(repo.reserve("no-such-collection"))
        assert.strictEqual(missing.reason._tag, "NotFound")
      })
    )

    test(
      "a collection without a max supply never refuses",
      Effect.gen(function* () {
        const repo = yield* CollectionRepository
        const c = yield* repo.create(F.collection(null))
        for (let i = 0; i < 25; i++) yield* repo.reserve(c.id)
        assert.strictEqual(Option.getOrThrow(yield* repo.get(c.id)).currentSupply, 25)
      })
    )

    test(
      "concurrent reserves never pass the max supply",
      Effect.gen(function* () {
        const repo = yield* CollectionRepository
        const c = yield* repo.create(F.collection(10))
        const outcomes = yield* Effect.forEach(
          Array.from({ length: 30 }, () => c.id),
          (id) => Effect.result(repo.reserve(id)),
          { concurrency: "unbounded" }
        )
        const won = outcomes.filter((r) => r._tag === "Success")
        const refused = outcomes.filter((r) => r._tag === "Failure")
        assert.strictEqual(won.length, 10)
        assert.strictEqual(refused.length, 20)
        for (const r of refused) {
          if (r._tag === "Failure") assert.strictEqual(r.failure.reason._tag, "ConstraintViolated")
        }
        assert.deepStrictEqual(
          won.map((r) => (r._tag === "Success" ? r.success.currentSupply : 0)).sort((a, b) => a - b),
          Array.from({ length: 10 }, (_, i) => i + 1)
        )
        assert.strictEqual(Option.getOrThrow(yield* repo.get(c.id)).currentSupply, 10)
      })
    )

    test(
      "release gives a place back and never goes below zero",
      Effect.gen(function* () {
        const repo = yield* CollectionRepository
        const c = yield* repo.create(F.collection(1))
        yield* repo.reserve(c.id)
        yield* repo.release(c.id)
        yield* repo.release(c.id)
        assert.strictEqual(Option.getOrThrow(yield* repo.get(c.id)).currentSupply, 0)
        assert.strictEqual((yield* repo.reserve(c.id)).currentSupply, 1)
      })
    )

    test(
      "setCollectionMint records the on-chain collection",
      Effect.gen(function* () {
        const repo = yield* CollectionRepository
        const c = yield* repo.create(F.collection(5))
        yield* repo.setCollectionMint(c.id, F.owners[2])
        const stored = Option.getOrThrow(yield* repo.get(c.id))
        assert.strictEqual(stored.collectionMint, F.owners[2])
        assert.strictEqual(stored.maxSupply, 5)
        const missing = yield* F.failureOf(repo.setCollectionMint("no-such-collection", F.owners[2]))
        assert.strictEqual(missing.reason._tag, "NotFound")
      })
    )

    test(
      "update changes the max supply and the metadata, never below the current supply",
      Effect.gen(function* () {
        const repo = yield* CollectionRepository
        const c = yield* repo.create(F.collection(5))
        yield* repo.reserve(c.id)
        yield* repo.reserve(c.id)
        const raised = yield* repo.update(c.id, { maxSupply: 10 })
        assert.strictEqual(raised.maxSupply, 10)
        assert.strictEqual(raised.currentSupply, 2)
        const lowered = yield* repo.update(c.id, { maxSupply: 2 })
        assert.strictEqual(lowered.maxSupply, 2)
        const below = yield* F.failureOf(repo.update(c.id, { maxSupply: 1 }))
        assert.strictEqual(below.reason._tag, "ConstraintViolated")
        if (below.reason._tag === "ConstraintViolated")
          assert.strictEqual(below.reason.constraint, "max_supply")
        assert.strictEqual(Option.getOrThrow(yield* repo.get(c.id)).maxSupply, 2)
        const described = yield* repo.update(c.id, {
          metadata: { description: "Summer 2027", image: "https://i/x.png" }
        })
        assert.deepStrictEqual(described.metadata, { description: "Summer 2027", image: "https://i/x.png" })
        assert.strictEqual(described.maxSupply, 2, "metadata alone leaves the max supply")
        const unlimited = yield* repo.update(c.id, { maxSupply: null })
        assert.strictEqual(unlimited.maxSupply, null)
        assert.deepStrictEqual(Option.getOrThrow(yield* repo.get(c.id)).metadata, described.metadata)
        const missing = yield* F.failureOf(repo.update("no-such-collection", { maxSupply: 3 }))
        assert.strictEqual(missing.reason._tag, "NotFound")
      })
    )

    test(
      "the creation transaction is kept until the collection mint is recorded",
      Effect.gen(function* () {
        const repo = yield* CollectionRepository
        const c = yield* repo.create(F.collection(null))
        assert.isTrue(Option.isNone(yield* repo.creation(c.id)))
        const first = new CollectionCreation({
          mint: F.owners[0],
          signature: "sig-1",
          wire: new Uint8Array([1, 2, 3]),
          lastValidBlockHeight: 150,
          signedAt: DateTime.makeUnsafe(1_700_000_000_000)
        })
        assert.isTrue(yield* repo.recordCreation(c.id, first, null))
        assert.deepStrictEqual(Option.getOrThrow(yield* repo.creation(c.id)), first)
        const second = new CollectionCreation({
          ...first,
          mint: F.owners[1],
          signature: "sig-2",
          lastValidBlockHeight: 400
        })
        // Another creation that began before `first` was stored loses, and sees `first`.
        assert.isFalse(yield* repo.recordCreation(c.id, second, null))
        assert.isFalse(yield* repo.recordCreation(c.id, second, "sig-0"))
        assert.deepStrictEqual(Option.getOrThrow(yield* repo.creation(c.id)), first)
        assert.isTrue(yield* repo.recordCreation(c.id, second, "sig-1"))
        assert.deepStrictEqual(Option.getOrThrow(yield* repo.creation(c.id)), second)
        yield* repo.setCollectionMint(c.id, F.owners[1])
        assert.isTrue(Option.isNone(yield* repo.creation(c.id)))
        assert.strictEqual(Option.getOrThrow(yield* repo.get(c.id)).collectionMint, F.owners[1])
        assert.isFalse(yield* repo.recordCreation(c.id, first, "sig-2"), "never once the mint is recorded")
        const missing = yield* F.failureOf(repo.recordCreation("no-such-collection", first, null))
        assert.strictEqual(missing.reason._tag, "NotFound")
      })
    )

    test(
      "uri, seller fee and metadata are stored with the collection; a new one is in no tree",
      Effect.gen(function* () {
        const repo = yield* CollectionRepository
        const base = F.collection(7)
        const c = yield* repo.create(
          new Collection({
            ...base,
            uri: "https://mint.example/collections/x/metadata.json",
            sellerFeeBasisPoints: 250,
            metadata: { description: "d", externalUrl: "https://example.com" }
          })
        )
        const stored = Option.getOrThrow(yield* repo.get(c.id))
        assert.strictEqual(stored.uri, "https://mint.example/collections/x/metadata.json")
        assert.strictEqual(stored.sellerFeeBasisPoints, 250)
        assert.deepStrictEqual(stored.metadata, { description: "d", externalUrl: "https://example.com" })
        assert.strictEqual(yield* repo.treeCount(c.id), 0)
      })
    )
  })
