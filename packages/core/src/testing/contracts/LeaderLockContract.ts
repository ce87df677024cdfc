/**
 * What every LeaderLock must do. `replica`, when given, is a second holder of the same locks (a
 * second replica, on connections of its own): it must be shut out while the first holds a name.
 * An adapter that cannot tell replicas apart says why instead, and that case is skipped.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Option, Schema } from "effect"
import { LeaderLock } from "../../ports/LeaderLock.ts"
import type { RepositoryError } from "../../RepositoryError.ts"

class Boom extends Schema.TaggedError<Boom>()("Boom", {}) {}

export type ReplicaOption<E> =
  | { readonly replica: Layer.Layer<LeaderLock, E> }
  | { readonly noReplica: string }

const NAME = "contract-lock"

/** Holds `name` in a fiber of its own until `release` is completed. */
const holdInBackground = (lock: LeaderLock["Service"], name: string) =>
  Effect.gen(function* () {
    const taken = yield* Deferred.make<void>()
    const release = yield* Deferred.make<void>()
    const fiber = yield* Effect.forkChild(
      lock.withLock(name, Effect.andThen(Deferred.succeed(taken, undefined), Deferred.await(release)))
    )
    yield* Deferred.await(taken)
    return { fiber, release: Deferred.succeed(release, undefined) }
  })

export const suite = <E>(name: string, layer: Layer.Layer<LeaderLock, E>, replicas: ReplicaOption<E>) =>
  describe(`LeaderLock contract: ${name}`, () => {
    const test = (title: string, body: Effect.Effect<void, E | RepositoryError | Boom, LeaderLock>) =>
      it.live(title, () => Effect.provide(body, layer), 30_000)

    test(
      "a free lock runs the effect and answers its result",
      Effect.gen(function* () {
        const lock = yield* LeaderLock
        assert.deepStrictEqual(yield* lock.withLock(NAME, Effect.succeed(42)), Option.some(42))
      })
    )

    test(
      "a held lock answers None without running the effect, and is free again once let go",
      Effect.gen(function* () {
        const lock = yield* LeaderLock
        const holder = yield* holdInBackground(lock, NAME)
        let ran = false
        const refused = yield* lock.withLock(
          NAME,
          Effect.sync(() => {
            ran = true
          })
        )
        assert.isTrue(Option.isNone(refused))
        assert.isFalse(ran)
        yield* holder.release
        assert.deepStrictEqual(yield* Fiber.join(holder.fiber), Option.some(undefined))
        assert.deepStrictEqual(yield* lock.withLock(NAME, Effect.succeed("again")), Option.some("again"))
      })
    )

    test(
      "it is not re-entrant, and other names are independent of it",
      Effect.gen(function* () {
        const lock = yield* LeaderLock
        const nested = yield* lock.withLock(
          NAME,
          Effect.all([
            lock.withLock(NAME, Effect.succeed("same")),
            lock.withLock(`${NAME}-other`, Effect.succeed("other"))
          ])
        )
        assert.deepStrictEqual(nested, Option.some([Option.none(), Option.some("other")]))
      })
    )

    test(
      "a failure is the caller's, and the lock is let go",
      Effect.gen(function* () {
        const lock = yield* LeaderLock
        const failed = yield* Effect.exit(lock.withLock(NAME, Effect.fail(new Boom())))
        assert.isTrue(Exit.isFailure(failed))
        assert.deepStrictEqual(
          Exit.findErrorOption(failed).pipe(Option.map((e) => (e as { _tag: string })._tag)),
          Option.some("Boom")
        )
        assert.deepStrictEqual(yield* lock.withLock(NAME, Effect.succeed(1)), Option.some(1))
      })
    )

    test(
      "a defect lets the lock go",
      Effect.gen(function* () {
        const lock = yield* LeaderLock
        const died = yield* Effect.exit(lock.withLock(NAME, Effect.die("defect")))
        assert.isTrue(Exit.hasDies(died))
        assert.deepStrictEqual(yield* lock.withLock(NAME, Effect.succeed(1)), Option.some(1))
      })
    )

    test(
      "an interruption lets the lock go",
      Effect.gen(function* () {
        const lock = yield* LeaderLock
        const holder = yield* holdInBackground(lock, NAME)
        yield* Fiber.interrupt(holder.fiber)
        assert.deepStrictEqual(yield* lock.withLock(NAME, Effect.succeed(1)), Option.some(1))
      })
    )

    test(
      "many contenders: the effect runs for one of them at a time",
      Effect.gen(function* () {
        const lock = yield* LeaderLock
        let active = 0
        let most = 0
        let ran = 0
        const work = Effect.gen(function* () {
          active++
          ran++
          most = Math.max(most, active)
          yield* Effect.sleep("5 millis")
          active--
        })
        const answers = yield* Effect.forEach(
          Array.from({ length: 24 }, (_, i) => i),
          (i) => Effect.andThen(Effect.sleep(`${i % 6} millis`), lock.withLock(NAME, work)),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(most, 1)
        assert.isAtLeast(ran, 1)
        assert.strictEqual(answers.filter(Option.isSome).length, ran)
        assert.isTrue(answers.some(Option.isNone), "some contender found the lock held")
      })
    )

    if ("replica" in replicas) {
      test(
        "a second replica is shut out while the first holds the lock, and takes it after",
        Effect.scoped(
          Effect.gen(function* () {
            const lock = yield* LeaderLock
            // A memo map of its own: shared layers inside the replica must not be reused from the first.
            const built = yield* Layer.buildWithMemoMap(
              replicas.replica,
              yield* Layer.makeMemoMap,
              yield* Effect.scope
            )
            const other = Context.get(built, LeaderLock)
            const holder = yield* holdInBackground(lock, NAME)
            assert.isTrue(Option.isNone(yield* other.withLock(NAME, Effect.succeed("stolen"))))
            yield* holder.release
            yield* Fiber.join(holder.fiber)
            assert.deepStrictEqual(yield* other.withLock(NAME, Effect.succeed("mine")), Option.some("mine"))
            const back = yield* holdInBackground(other, NAME)
            assert.isTrue(Option.isNone(yield* lock.withLock(NAME, Effect.succeed("stolen"))))
            yield* back.release
          })
        )
      )
    } else {
      it.skip(`a second replica is shut out (skipped: ${replicas.noReplica})`, () => {})
    }
  })
